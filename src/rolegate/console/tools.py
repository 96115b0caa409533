"""The create-role wizard (AWS's five trusted-entity types), switching role, the policy simulator
and the live validation of policy text."""

from __future__ import annotations

import json
from typing import Any

from rolegate.catalog.service_linked_roles import service_catalog
from rolegate.console.api import ApiClient, ApiError, SessionCredentials
from rolegate.console.html import Markup, el
from rolegate.console.http import Reply, Request, path_part, redirect
from rolegate.console.layout import COLORS, csrf_field, error_box, field, page, table
from rolegate.console.role_admin import EC2, RoleAdmin
from rolegate.console.session import ConsoleSession, RoleChoice, SwitchedRole
from rolegate.policy import PolicyKind, PolicyParseError, find_problems, parse_policy_of_kind

# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create.html: the trusted entities.
ENTITY_TYPES = (
    ("service", "AWS service"),
    ("account", "AWS account"),
    ("web", "Web identity"),
    ("saml", "SAML 2.0 federation"),
    ("custom", "Custom trust policy"),
)
MAX_TEXT = 20_000  # characters of policy text the validator reads (a trust policy: 2,048)


def findings(text: str, kind: str) -> list[dict[str, Any]]:
    """The engine's findings for ``text`` with AWS's messages and their line and column."""
    policy_kind = PolicyKind(kind) if kind in {k.value for k in PolicyKind} else PolicyKind.TRUST
    if len(text) > MAX_TEXT:
        return [{"message": "The policy is too long.", "line": None, "column": None}]
    try:
        document = parse_policy_of_kind(text, policy_kind)
    except PolicyParseError as error:
        position = error.position
        return [
            {
                "message": error.message,
                "detail": error.detail,
                "line": position.line if position else None,
                "column": position.column if position else None,
            }
        ]
    return [
        {
            "message": f.message,
            "line": f.position.line if f.position else None,
            "column": f.position.column if f.position else None,
        }
        for f in find_problems(document, policy_kind)
    ]


def trust_policy(form: dict[str, str]) -> str:
    """The trust policy AWS's wizard writes for the chosen entity type."""
    kind = form.get("entity", "service")
    condition: dict[str, dict[str, Any]] = {}
    if kind == "custom":
        return form.get("policy", "")
    if kind == "service":
        principal: dict[str, str] = {"Service": form.get("service", "").strip()}
        action = "sts:AssumeRole"
    elif kind == "account":
        account = form.get("account", "").strip() or form.get("self_account", "")
        principal = {"AWS": f"arn:aws:iam::{account}:root"}
        action = "sts:AssumeRole"
        if form.get("external_id", "").strip():
            condition["StringEquals"] = {"sts:ExternalId": form["external_id"].strip()}
        if form.get("require_mfa") == "on":
            condition["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
    elif kind == "web":
        provider = form.get("provider", "").strip()
        principal = {"Federated": provider}
        action = "sts:AssumeRoleWithWebIdentity"
        host = provider.split(":oidc-provider/", 1)[-1]
        if form.get("audience", "").strip():
            condition["StringEquals"] = {f"{host}:aud": form["audience"].strip()}
    else:
        principal = {"Federated": form.get("saml_provider", "").strip()}
        action = "sts:AssumeRoleWithSAML"
        condition["StringEquals"] = {"SAML:aud": "https://signin.aws.amazon.com/saml"}
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)


class ToolPages:
    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self.admin = RoleAdmin(api)

    def _iam(self, creds: SessionCredentials, operation: str, **params: Any) -> dict[str, Any]:
        return self.api.call(creds, "iam", operation, params)

    # --- create role ---------------------------------------------------------------------------
    def create_form(
        self, request: Request, session: ConsoleSession, error: ApiError | None = None
    ) -> Reply:
        entity = request.arg("entity", "service")
        choices = el(
            "fieldset",
            {"id": "entity-types"},
            el("legend", {}, "Trusted entity type"),
            [
                el(
                    "p",
                    {},
                    el(
                        "input",
                        {
                            "type": "radio",
                            "name": "entity",
                            "value": v,
                            "id": f"e-{v}",
                            "checked": v == entity,
                        },
                    ),
                    el("label", {"for": f"e-{v}"}, label),
                )
                for v, label in ENTITY_TYPES
            ],
        )

        def group(kind: str, *fields: Markup) -> Markup:
            return el(
                "fieldset",
                {"class": "entity-fields", "data-entity": kind},
                el("legend", {}, dict(ENTITY_TYPES)[kind]),
                fields,
            )

        body = el(
            "div",
            {},
            error_box(error) if error else None,
            el(
                "form",
                {"method": "post", "action": "/console/create-role", "id": "wizard"},
                csrf_field(session),
                el(
                    "input", {"type": "hidden", "name": "self_account", "value": session.account_id}
                ),
                choices,
                group(
                    "service",
                    field(
                        "Service principal (e.g. ec2.amazonaws.com)",
                        "service",
                        request.arg("service"),
                    ),
                    _linked_choices(request),
                ),
                group(
                    "account",
                    field("Account ID (empty: this account)", "account", request.arg("account")),
                    field("Require external ID", "external_id", request.arg("external_id")),
                    el(
                        "p",
                        {},
                        el(
                            "input",
                            {
                                "type": "checkbox",
                                "name": "require_mfa",
                                "id": "f-mfa",
                                "checked": request.arg("require_mfa") == "on",
                            },
                        ),
                        el("label", {"for": "f-mfa"}, "Require MFA"),
                    ),
                ),
                group(
                    "web",
                    field(
                        "Identity provider (e.g. accounts.google.com or an OIDC provider ARN)",
                        "provider",
                        request.arg("provider"),
                    ),
                    field("Audience", "audience", request.arg("audience")),
                ),
                group(
                    "saml",
                    field("SAML provider ARN", "saml_provider", request.arg("saml_provider")),
                ),
                group(
                    "custom",
                    el("label", {"for": "policy"}, "Custom trust policy"),
                    el(
                        "textarea",
                        {
                            "id": "policy",
                            "name": "policy",
                            "rows": 12,
                            "cols": 80,
                            "data-kind": "trust",
                            "spellcheck": "false",
                        },
                        request.arg("policy") or _EMPTY_TRUST,
                    ),
                    el("div", {"id": "findings", "aria-live": "polite"}),
                ),
                el("h2", {}, "Name and permissions"),
                field(
                    "Role name (a service-linked role is named by its service)",
                    "name",
                    request.arg("name"),
                ),
                field("Description", "description", request.arg("description")),
                field(
                    "Permissions policy ARN to attach (optional)",
                    "policy_arn",
                    request.arg("policy_arn"),
                ),
                el("button", {"type": "submit"}, "Create role"),
            ),
        )
        return Reply(400 if error else 200, page("Create role", body, session))

    def create(self, request: Request, session: ConsoleSession) -> Reply:
        name = request.arg("name").strip()
        service = request.arg("service").strip()
        if request.arg("entity") == "service" and request.arg("linked_service"):
            try:  # a service-linked role: the service names it (CreateServiceLinkedRole)
                return redirect(self.admin.create_linked(request, session))
            except ApiError as error:
                return self.create_form(request, session, error)
        params: dict[str, Any] = {
            "RoleName": name,
            "AssumeRolePolicyDocument": trust_policy(request.form),
        }
        if request.arg("description"):
            params["Description"] = request.arg("description")
        try:
            self._iam(session.acting, "CreateRole", **params)
            if request.arg("policy_arn").strip():
                self._iam(
                    session.acting,
                    "AttachRolePolicy",
                    RoleName=name,
                    PolicyArn=request.arg("policy_arn").strip(),
                )
            if request.arg("entity", "service") == "service" and service == EC2:
                self.admin.ec2_profile(session, name)
        except ApiError as error:
            return self.create_form(request, session, error)
        return redirect(f"/console/roles/{path_part(name)}")

    # --- switch role ---------------------------------------------------------------------------
    def _why_not(self, session: ConsoleSession, role_arn: str) -> list[str]:
        """Which side refused an AssumeRole: the principal's own policies, simulated with its
        own credentials (SimulatePrincipalPolicy), or else the role's trust policy."""
        if session.principal_arn.endswith(":root"):
            return []
        try:
            answer = self.api.call(
                session.credentials,
                "iam",
                "SimulatePrincipalPolicy",
                {
                    "PolicySourceArn": session.principal_arn,
                    "ActionNames": ["sts:AssumeRole"],
                    "ResourceArns": [role_arn],
                },
            )
        except ApiError:
            return ["(You may not run the policy simulator, so the console cannot tell which.)"]
        decision = answer["EvaluationResults"][0]["EvalDecision"]
        if decision == "allowed":
            return [
                "Simulated: your identity-based policies allow sts:AssumeRole on this role, so "
                "the role's trust policy is what refuses you."
            ]
        if decision == "explicitDeny":
            return ["Simulated: a Deny statement in your own policies matches sts:AssumeRole."]
        return [
            "Simulated: no identity-based policy of yours allows sts:AssumeRole on this role. "
            "That is needed unless the role's trust policy names you (not just your account)."
        ]

    def switch_form(
        self,
        request: Request,
        session: ConsoleSession,
        error: ApiError | None = None,
        why: list[str] | None = None,
    ) -> tuple[Reply, None]:
        recent = [
            el(
                "li",
                {},
                el(
                    "form",
                    {"method": "post", "action": "/console/switch-role", "class": "inline"},
                    csrf_field(session),
                    el("input", {"type": "hidden", "name": "account", "value": r.account_id}),
                    el("input", {"type": "hidden", "name": "role", "value": r.role_name}),
                    el("input", {"type": "hidden", "name": "display", "value": r.display_name}),
                    el("input", {"type": "hidden", "name": "color", "value": r.color}),
                    el("button", {"type": "submit", "class": f"role-{r.color}"}, r.display_name),
                ),
            )
            for r in session.recent
        ]
        body = el(
            "div",
            {},
            error_box(error, why) if error else None,
            el(
                "form",
                {"method": "post", "action": "/console/switch-role"},
                csrf_field(session),
                field(
                    "Account (12-digit ID)",
                    "account",
                    request.arg("account", session.account_id),
                    required=True,
                ),
                field("Role name", "role", request.arg("role"), required=True),
                field("Display name", "display", request.arg("display")),
                el(
                    "p",
                    {},
                    el("label", {"for": "f-color"}, "Color"),
                    el(
                        "select",
                        {"id": "f-color", "name": "color"},
                        [
                            el(
                                "option",
                                {"value": c, "selected": c == request.arg("color", "blue")},
                                c,
                            )
                            for c in COLORS
                        ],
                    ),
                ),
                el("button", {"type": "submit"}, "Switch role"),
            ),
            el("h2", {}, "Recent roles"),
            el("ul", {"id": "recent-roles"}, recent) if recent else el("p", {}, "None yet."),
        )
        return Reply(403 if error else 200, page("Switch role", body, session)), None

    def switch(
        self, request: Request, session: ConsoleSession
    ) -> tuple[Reply, ConsoleSession | None]:
        account, name = request.arg("account").strip(), request.arg("role").strip()
        color = request.arg("color") if request.arg("color") in COLORS else "blue"
        choice = RoleChoice(
            account, name, request.arg("display").strip() or f"{name} @ {account}", color
        )
        arn = f"arn:aws:iam::{account}:role/{name}"
        session_name = session.principal_arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        try:  # always as the signed-in principal, as AWS's console does ("back to" first)
            answer = self.api.call(
                session.credentials,
                "sts",
                "AssumeRole",
                {"RoleArn": arn, "RoleSessionName": session_name[:64], "DurationSeconds": 3600},
            )
        except ApiError as error:
            reply, _ = self.switch_form(request, session, error, self._why_not(session, arn))
            return reply, None
        creds = answer["Credentials"]
        role = SwitchedRole(
            choice,
            answer["AssumedRoleUser"]["Arn"],
            SessionCredentials(
                creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]
            ),
        )
        return redirect("/console/"), session.switched(role)

    # --- simulator -----------------------------------------------------------------------------
    def simulator(self, request: Request, session: ConsoleSession) -> Reply:
        source = request.arg("source") or (
            session.role.arn if session.role else session.principal_arn
        )
        results: Markup | None = None
        if request.method == "POST":
            actions = [a for a in request.arg("actions").replace(",", " ").split() if a]
            resources = [r for r in request.arg("resources").replace(",", " ").split() if r]
            params: dict[str, Any] = {"PolicySourceArn": source, "ActionNames": actions}
            if resources:
                params["ResourceArns"] = resources
            try:
                answer = self._iam(session.acting, "SimulatePrincipalPolicy", **params)
                rows: list[list[object]] = [
                    [
                        r["EvalActionName"],
                        r.get("EvalResourceName", "*"),
                        el("span", {"class": f"decision {r['EvalDecision']}"}, r["EvalDecision"]),
                        ", ".join(s["SourcePolicyId"] for s in r.get("MatchedStatements", []))
                        or "-",
                        ", ".join(r.get("MissingContextValues", [])) or "-",
                    ]
                    for r in answer["EvaluationResults"]
                ]
                results = table(
                    ["Action", "Resource", "Decision", "Matched statements", "Missing context"],
                    rows,
                    "Simulation results",
                )
            except ApiError as error:
                results = error_box(error)
        body = el(
            "div",
            {},
            el(
                "form",
                {"method": "post", "action": "/console/simulator"},
                csrf_field(session),
                field("Principal ARN (user, group or role)", "source", source, required=True),
                field(
                    "Actions (e.g. iam:CreateRole s3:GetObject)",
                    "actions",
                    request.arg("actions"),
                    required=True,
                ),
                field("Resource ARNs (optional)", "resources", request.arg("resources")),
                el("button", {"type": "submit"}, "Run simulation"),
            ),
            results,
        )
        return Reply(200, page("Policy simulator", body, session))


def _linked_choices(request: Request) -> Markup:
    """The service-linked-role use cases of the catalogue, and the optional custom suffix."""
    chosen = request.arg("linked_service")
    options = [el("option", {"value": ""}, "None: a role the service assumes")]
    for service, linked in sorted(service_catalog().items()):
        label = f"{service}: {linked.role_name}" + (
            " (custom suffix allowed)" if linked.custom_suffix_allowed else ""
        )
        options.append(el("option", {"value": service, "selected": service == chosen}, label))
    return el(
        "div",
        {},
        el(
            "p",
            {},
            el("label", {"for": "f-linked"}, "Service-linked role use case (the service names it)"),
            el("select", {"id": "f-linked", "name": "linked_service"}, options),
        ),
        field("Custom suffix (optional)", "custom_suffix", request.arg("custom_suffix")),
    )


_EMPTY_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {}, "Action": "sts:AssumeRole"}],
    },
    indent=2,
)
