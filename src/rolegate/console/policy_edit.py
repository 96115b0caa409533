"""Customer managed policies, editable: create one, edit it by creating a new version (set as
default or not), set the default version, delete a version, delete the policy. The editor shows
the engine's findings (AWS's messages, at line and column) as one types, before saving.

AWS keeps at most five versions of a managed policy and refuses to delete the default one
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-versioning.html);
the console shows AWS's own answers for both.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from rolegate.console.actions import Actions, button_form, done_notice, failed, with_done
from rolegate.console.api import ApiError
from rolegate.console.editor import policy_editor, pretty
from rolegate.console.html import Markup, el
from rolegate.console.http import Reply, Request, path_part, redirect
from rolegate.console.layout import error_box, field, page, table
from rolegate.console.session import ConsoleSession
from rolegate.console.tags import section as tags_section

AWS_MANAGED = "arn:aws:iam::aws:policy/"
NEW_POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "", "Resource": "*"}]},
    indent=2,
)


def policy_link(arn: str) -> str:
    return "/console/policies/" + path_part(arn)


def _date(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "-"


class PolicyPages:
    def __init__(self, actions: Actions) -> None:
        self.actions = actions

    def route(self, request: Request, session: ConsoleSession, path: str) -> Reply | None:
        """``/policies/create``, ``/policies/<arn>`` and ``/policy/<what>?arn=``; else None."""
        post = request.method == "POST"
        if path == "/policies/create":
            return self.create(request, session) if post else self.create_form(request, session)
        if path.startswith("/policies/") and not post:
            return self.policy(request, session, path[len("/policies/") :])
        if not path.startswith("/policy/"):
            return None
        what, arn = path[len("/policy/") :], request.arg("arn")
        back = policy_link(arn)
        title = "Policy"
        if what == "edit":
            return self.new_version(request, session) if post else self.edit_form(request, session)
        if not post:
            return None
        if what == "set-default":
            params = {"PolicyArn": arn, "VersionId": request.arg("version")}
            return self.actions.run(
                session, "SetDefaultPolicyVersion", params, back=back, done="default", title=title
            )
        if what == "delete-version":
            params = {"PolicyArn": arn, "VersionId": request.arg("version")}
            return self.actions.run(
                session, "DeletePolicyVersion", params, back=back, done="deleted", title=title
            )
        if what == "delete":
            return self.actions.run(
                session,
                "DeletePolicy",
                {"PolicyArn": arn},
                back="/console/policies",
                done="deleted",
                title=title,
            )
        return None

    def create_form(
        self, request: Request, session: ConsoleSession, error: ApiError | None = None
    ) -> Reply:
        extra = el(
            "div",
            {},
            field("Policy name", "name", request.arg("name"), required=True),
            field("Description", "description", request.arg("description")),
            field("Path", "path", request.arg("path", "/")),
        )
        text = request.arg("policy") or NEW_POLICY
        body = el(
            "div",
            {},
            error_box(error) if error else None,
            policy_editor(
                session, "/console/policies/create", text, "Create policy", extra, "identity"
            ),
        )
        status = 200 if error is None else (403 if error.status == 403 else 400)
        return Reply(status, page("Create policy", body, session))

    def create(self, request: Request, session: ConsoleSession) -> Reply:
        params = {
            "PolicyName": request.arg("name").strip(),
            "PolicyDocument": request.arg("policy"),
        }
        if request.arg("description"):
            params["Description"] = request.arg("description")
        if request.arg("path").strip():
            params["Path"] = request.arg("path").strip()
        try:
            arn = self.actions.iam(session, "CreatePolicy", **params)["Policy"]["Arn"]
        except ApiError as error:
            return self.create_form(request, session, error)
        return redirect(with_done(policy_link(arn), "created"))

    def edit_form(
        self,
        request: Request,
        session: ConsoleSession,
        text: str | None = None,
        error: ApiError | None = None,
    ) -> Reply:
        arn = request.arg("arn")
        if text is None:
            try:
                policy = self.actions.iam(session, "GetPolicy", PolicyArn=arn)["Policy"]
                version = self.actions.iam(
                    session, "GetPolicyVersion", PolicyArn=arn, VersionId=policy["DefaultVersionId"]
                )
            except ApiError as failure:
                return failed("Edit policy", failure, session, policy_link(arn))
            text = pretty(version["PolicyVersion"]["Document"])
        default = request.method != "POST" or request.form.get("set_default") == "on"
        extra = el(
            "div",
            {},
            el(
                "p",
                {},
                el(
                    "input",
                    {
                        "type": "checkbox",
                        "id": "f-set_default",
                        "name": "set_default",
                        "checked": default,
                    },
                ),
                el("label", {"for": "f-set_default"}, "Set as default version"),
            ),
        )
        action = "/console/policy/edit?" + urlencode({"arn": arn})
        body = el(
            "div",
            {},
            el("p", {}, arn),
            error_box(error) if error else None,
            policy_editor(session, action, text, "Save as new version", extra, "identity"),
            el("p", {}, el("a", {"href": policy_link(arn)}, "Back to the policy")),
        )
        status = 200 if error is None else (403 if error.status == 403 else 400)
        return Reply(status, page("Edit policy", body, session))

    def new_version(self, request: Request, session: ConsoleSession) -> Reply:
        arn, text = request.arg("arn"), request.arg("policy")
        try:
            self.actions.iam(
                session,
                "CreatePolicyVersion",
                PolicyArn=arn,
                PolicyDocument=text,
                SetAsDefault=request.form.get("set_default") == "on",
            )
        except ApiError as error:
            return self.edit_form(request, session, text, error)
        return redirect(with_done(policy_link(arn), "version"))

    def policy(self, request: Request, session: ConsoleSession, arn: str) -> Reply:
        try:
            policy = self.actions.iam(session, "GetPolicy", PolicyArn=arn)["Policy"]
            versions = self.actions.iam(session, "ListPolicyVersions", PolicyArn=arn)["Versions"]
            shown = request.arg("version") or policy["DefaultVersionId"]
            document = self.actions.iam(session, "GetPolicyVersion", PolicyArn=arn, VersionId=shown)
        except ApiError as error:
            return failed(arn, error, session, "/console/policies")
        link = policy_link(arn)
        editable = not arn.startswith(AWS_MANAGED)
        rows: list[list[object]] = [
            [
                el(
                    "a",
                    {"href": f"{link}?{urlencode({'version': v['VersionId']})}"},
                    v["VersionId"],
                ),
                "yes" if v["IsDefaultVersion"] else "no",
                _date(v["CreateDate"]),
                self._version_buttons(session, arn, v) if editable else "",
            ]
            for v in versions
        ]
        summary = table(
            ["ARN", "Description", "Attachments"],
            [[policy["Arn"], policy.get("Description", ""), str(policy.get("AttachmentCount", 0))]],
            "Summary",
        )
        edit = None
        if editable:
            edit = el(
                "p",
                {},
                el(
                    "a",
                    {"href": "/console/policy/edit?" + urlencode({"arn": arn}), "id": "edit"},
                    "Edit policy (new version)",
                ),
            )
        delete = None
        if editable:
            delete = el(
                "section",
                {"aria-labelledby": "h-delete"},
                el("h2", {"id": "h-delete"}, "Delete policy"),
                el(
                    "p",
                    {},
                    "AWS refuses to delete a policy that is attached or has versions other than "
                    "the default: detach it and delete those versions first.",
                ),
                button_form(session, "/console/policy/delete", "Delete policy", {"arn": arn}),
            )
        tags = tags_section(session, "policy", arn, policy.get("Tags", [])) if editable else None
        body = el(
            "div",
            {},
            done_notice(request),
            summary,
            edit,
            el("h2", {}, "Versions"),
            table(["Version", "Default", "Created", "Actions"], rows, "Versions"),
            el("h2", {}, f"Version {shown}"),
            el("pre", {"id": "policy-document"}, pretty(document["PolicyVersion"]["Document"])),
            tags,
            delete,
        )
        return Reply(200, page(f"Policy {policy['PolicyName']}", body, session))

    def _version_buttons(
        self, session: ConsoleSession, arn: str, version: dict[str, Any]
    ) -> Markup | str:
        if version["IsDefaultVersion"]:
            return ""
        fields = {"arn": arn, "version": version["VersionId"]}
        vid = version["VersionId"]
        return el(
            "span",
            {},
            button_form(
                session,
                "/console/policy/set-default",
                "Set as default",
                fields,
                aria_label=f"Set {vid} as default",
            ),
            " ",
            button_form(
                session,
                "/console/policy/delete-version",
                "Delete",
                fields,
                aria_label=f"Delete version {vid}",
            ),
        )
