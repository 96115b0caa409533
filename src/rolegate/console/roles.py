"""Dashboard, roles list, role detail, trust policy editing and revoking sessions: each a few
IAM calls made with the session's credentials (``api.ApiClient``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from rolegate.console.actions import done_notice
from rolegate.console.api import ApiClient, ApiError
from rolegate.console.editor import policy_editor, pretty
from rolegate.console.events import history_link
from rolegate.console.html import Markup, el
from rolegate.console.http import Reply, Request, path_part, redirect
from rolegate.console.layout import csrf_field, error_box, notice, page, table
from rolegate.console.permissions import section as permissions_section
from rolegate.console.role_admin import RoleAdmin
from rolegate.console.role_delete import is_service_linked
from rolegate.console.session import ConsoleSession
from rolegate.console.tags import section as tags_section
from rolegate.console.trust import KINDS, trusted_entities

PAGE_SIZE = 20
SEARCH_PAGES = 5  # pages of 100 roles a search reads per request (then "Next page")
REVOKE_POLICY = "AWSRevokeOlderSessions"  # the name AWS's console gives it
SUMMARY_KEYS = (
    ("Users", "UsersQuota"),
    ("Roles", "RolesQuota"),
    ("Groups", "GroupsQuota"),
    ("Policies", "PoliciesQuota"),
    ("MFADevices", None),
    ("Providers", None),
    ("InstanceProfiles", "InstanceProfilesQuota"),
)


def _last_used(role: dict[str, Any]) -> str:
    used = role.get("RoleLastUsed", {}).get("LastUsedDate")
    return used.strftime("%Y-%m-%d %H:%M UTC") if used is not None else "-"


def revoke_policy(now: datetime) -> str:
    """AWS's AWSRevokeOlderSessions policy: deny everything to sessions issued before now
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html)."""
    stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Action": ["*"],
                    "Resource": ["*"],
                    "Condition": {"DateLessThan": {"aws:TokenIssueTime": stamp}},
                }
            ],
        }
    )


def _events_link(role_name: str) -> Markup:
    """CloudTrail's events that name this role (its Resource name)."""
    link = history_link("ResourceName", role_name)
    return el("p", {}, el("a", {"href": link, "id": "role-events"}, "Events"))


class RolePages:
    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self.admin = RoleAdmin(api)

    def _call(self, session: ConsoleSession, operation: str, **params: Any) -> dict[str, Any]:
        service = "sts" if operation in ("GetCallerIdentity", "AssumeRole") else "iam"
        return self.api.call(session.acting, service, operation, params)

    def dashboard(self, request: Request, session: ConsoleSession) -> Reply:
        parts: list[Markup] = []
        try:
            identity = self._call(session, "GetCallerIdentity")
            parts.append(
                table(
                    ["Account", "ARN", "User ID"],
                    [[identity["Account"], identity["Arn"], identity["UserId"]]],
                    "Who you are",
                )
            )
            summary = self._call(session, "GetAccountSummary")["SummaryMap"]
            rows: list[list[object]] = [
                [name, str(summary.get(name, 0)), str(summary[q]) if q and q in summary else "-"]
                for name, q in SUMMARY_KEYS
            ]
            parts.append(el("h2", {}, "Account summary"))
            parts.append(table(["Resource", "In use", "Quota"], rows, "Account summary"))
        except ApiError as error:
            parts.append(error_box(error))
        return Reply(200, page("Dashboard", el("div", {}, parts), session))

    def roles(self, request: Request, session: ConsoleSession) -> Reply:
        query = request.arg("q").strip().lower()
        kind = request.arg("type") if request.arg("type") in KINDS else ""
        marker = request.arg("marker") or None
        found: list[dict[str, Any]] = []
        next_marker: str | None = None
        try:
            # pages of the API until a page of matches; a search reads at most SEARCH_PAGES
            # pages per request, then offers the next page
            for _ in range(SEARCH_PAGES if query or kind else 1):
                params: dict[str, Any] = {"MaxItems": 100 if query or kind else PAGE_SIZE}
                if marker:
                    params["Marker"] = marker
                answer = self._call(session, "ListRoles", **params)
                for role in answer.get("Roles", []):
                    entities = trusted_entities(role["AssumeRolePolicyDocument"])
                    if query and query not in role["RoleName"].lower():
                        continue
                    if kind and kind not in (k for k, _ in entities):
                        continue
                    found.append({**role, "entities": entities})
                marker = answer.get("Marker") if answer.get("IsTruncated") else None
                next_marker = marker
                if marker is None or len(found) >= PAGE_SIZE:
                    break
        except ApiError as error:
            return Reply(403, page("Roles", error_box(error), session))
        rows: list[list[object]] = [
            [
                el(
                    "input",
                    {
                        "type": "checkbox",
                        "name": f"r{i}",
                        "value": r["RoleName"],
                        "aria-label": f"Select {r['RoleName']}",
                    },
                ),
                el("a", {"href": f"/console/roles/{path_part(r['RoleName'])}"}, r["RoleName"]),
                el(
                    "ul",
                    {"class": "entities"},
                    [el("li", {}, f"{KINDS[k]}: {p}") for k, p in r["entities"]],
                ),
                r.get("Description", ""),
                r["CreateDate"].strftime("%Y-%m-%d %H:%M UTC"),
            ]
            for i, r in enumerate(found)
        ]
        search = el(
            "form",
            {"method": "get", "action": "/console/roles", "role": "search"},
            el("label", {"for": "q"}, "Search roles"),
            el("input", {"id": "q", "name": "q", "type": "search", "value": request.arg("q")}),
            el("label", {"for": "type"}, "Trusted entity type"),
            el(
                "select",
                {"id": "type", "name": "type"},
                el("option", {"value": ""}, "Any"),
                [el("option", {"value": k, "selected": k == kind}, t) for k, t in KINDS.items()],
            ),
            el("button", {"type": "submit"}, "Search"),
        )
        more = None
        if next_marker:
            link = "/console/roles?" + urlencode(
                {"q": request.arg("q"), "type": kind, "marker": next_marker}
            )
            more = el("p", {}, el("a", {"href": link, "id": "next-page"}, "Next page"))
        body = el(
            "div",
            {},
            search,
            el("p", {}, el("a", {"href": "/console/create-role"}, "Create role")),
            el(
                "form",
                {"method": "get", "action": "/console/delete-roles", "id": "select-roles"},
                el("button", {"type": "submit", "id": "delete-selected"}, "Delete"),
                table(
                    ["Select", "Role name", "Trusted entities", "Description", "Created"],
                    rows,
                    "Roles",
                ),
            ),
            more,
        )
        return Reply(200, page("Roles", body, session))

    def role(self, request: Request, session: ConsoleSession, name: str, note: str = "") -> Reply:
        try:
            role = self._call(session, "GetRole", RoleName=name)["Role"]
            attached = self._call(session, "ListAttachedRolePolicies", RoleName=name)[
                "AttachedPolicies"
            ]
            inline_names = self._call(session, "ListRolePolicies", RoleName=name)["PolicyNames"]
            inline = [
                self._call(session, "GetRolePolicy", RoleName=name, PolicyName=p)
                for p in inline_names
            ]
        except ApiError as error:
            return Reply(403 if error.status == 403 else 404, page(name, error_box(error), session))
        base = f"/console/roles/{path_part(name)}"
        boundary = role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
        summary = table(
            ["ARN", "Description", "Maximum session duration", "Created", "Last activity", "Path"],
            [
                [
                    role["Arn"],
                    role.get("Description", ""),
                    f"{role.get('MaxSessionDuration', 3600) // 3600} hour(s)",
                    role["CreateDate"].strftime("%Y-%m-%d %H:%M UTC"),
                    _last_used(role),
                    role["Path"],
                ]
            ],
            "Summary",
        )
        linked = is_service_linked(role)  # its policies are the service's: no edit buttons
        found = {"attached": attached, "inline": inline}
        permissions = permissions_section(
            session, "role", name, found, boundary, editable=not linked
        )
        edit_trust = el("p", {}, el("a", {"href": f"{base}/trust"}, "Edit trust policy"))
        trust = el(
            "section",
            {"aria-labelledby": "h-trust"},
            el("h2", {"id": "h-trust"}, "Trust relationships"),
            el("pre", {"id": "trust-policy"}, pretty(role["AssumeRolePolicyDocument"])),
            None if linked else edit_trust,
        )
        tags = tags_section(session, "role", name, role.get("Tags", []))
        revoke = el(
            "section",
            {"aria-labelledby": "h-revoke"},
            el("h2", {"id": "h-revoke"}, "Revoke sessions"),
            el(
                "p",
                {},
                "Denies every permission to sessions of this role issued before now, "
                f"with the inline policy {REVOKE_POLICY}.",
            ),
            el(
                "form",
                {"method": "post", "action": f"{base}/revoke"},
                csrf_field(session),
                el("button", {"type": "submit", "id": "revoke"}, "Revoke active sessions"),
            ),
        )
        body = el(
            "div",
            {},
            notice(note) if note else done_notice(request),
            summary,
            _events_link(name),
            self.admin.role_sections(session, role),
            permissions,
            trust,
            tags,
            None if linked else revoke,
        )
        return Reply(200, page(f"Role {name}", body, session))

    def revoke(self, request: Request, session: ConsoleSession, name: str, now: datetime) -> Reply:
        try:
            self._call(
                session,
                "PutRolePolicy",
                RoleName=name,
                PolicyName=REVOKE_POLICY,
                PolicyDocument=revoke_policy(now),
            )
        except ApiError as error:
            return Reply(403, page(f"Role {name}", error_box(error), session))
        return self.role(request, session, name, "Active sessions issued before now are revoked.")

    def trust_form(
        self,
        request: Request,
        session: ConsoleSession,
        name: str,
        text: str | None = None,
        error: ApiError | None = None,
    ) -> Reply:
        if text is None:
            try:
                role = self._call(session, "GetRole", RoleName=name)["Role"]
            except ApiError as failure:
                return Reply(403, page(f"Trust policy of {name}", error_box(failure), session))
            text = pretty(role["AssumeRolePolicyDocument"])
        body = el(
            "div",
            {},
            error_box(error) if error else None,
            policy_editor(
                session, f"/console/roles/{path_part(name)}/trust", text, "Update policy"
            ),
        )
        return Reply(400 if error else 200, page(f"Trust policy of {name}", body, session))

    def update_trust(self, request: Request, session: ConsoleSession, name: str) -> Reply:
        text = request.arg("policy")
        try:
            self._call(session, "UpdateAssumeRolePolicy", RoleName=name, PolicyDocument=text)
        except ApiError as error:
            return self.trust_form(request, session, name, text, error)
        return redirect(f"/console/roles/{path_part(name)}")
