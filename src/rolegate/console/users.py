"""A user's page: summary, groups (add, remove), permissions (attached, inline, boundary), tags
and sign-in credentials (``credentials``); and a group's page: members (add, remove) and
permissions. Each button is one IAM operation with the session's credentials."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from rolegate.console.actions import Actions, button_form, done_notice, failed
from rolegate.console.api import ApiError
from rolegate.console.credentials import CredentialPages
from rolegate.console.credentials import read as read_credentials
from rolegate.console.credentials import sections as credential_sections
from rolegate.console.events import history_link
from rolegate.console.html import Markup, el
from rolegate.console.http import Reply, Request, path_part
from rolegate.console.layout import csrf_field, field, page, table
from rolegate.console.permissions import read as read_permissions
from rolegate.console.permissions import section as permissions_section
from rolegate.console.session import ConsoleSession
from rolegate.console.tags import section as tags_section


def _date(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "-"


def _member_form(session: ConsoleSession, action: str, label: str, name: str) -> Markup:
    return el(
        "form",
        {"method": "post", "action": action, "class": "add-member"},
        csrf_field(session),
        field(label, name, "", required=True),
        el("button", {"type": "submit", "id": f"add-{name}"}, "Add"),
    )


class UserPages:
    def __init__(self, actions: Actions) -> None:
        self.actions = actions
        self.credentials = CredentialPages(actions)

    def route(self, request: Request, session: ConsoleSession, path: str) -> Reply | None:
        """``/users/<name>[/<what>]`` and ``/groups/<name>[/<what>]``; else None."""
        section, _, rest = path.strip("/").partition("/")
        name, _, what = rest.partition("/")
        if section not in ("users", "groups") or not name:
            return None
        post = request.method == "POST"
        back = f"/console/{section}/{path_part(name)}"
        if section == "users":
            if not what and not post:
                return self.user(request, session, name)
            if not post:
                return None
            if what == "group-add":
                return self._membership("AddUserToGroup", session, request.arg("group"), name, back)
            if what == "group-remove":
                group = request.arg("group")
                return self._membership("RemoveUserFromGroup", session, group, name, back)
            return self.credentials.route(request, session, name, what, back)
        if not what and not post:
            return self.group(request, session, name)
        if what == "member-add" and post:
            return self._membership("AddUserToGroup", session, name, request.arg("user"), back)
        if what == "member-remove" and post:
            return self._membership("RemoveUserFromGroup", session, name, request.arg("user"), back)
        return None

    def _membership(
        self, operation: str, session: ConsoleSession, group: str, user: str, back: str
    ) -> Reply:
        done = "added" if operation == "AddUserToGroup" else "removed"
        params = {"GroupName": group.strip(), "UserName": user.strip()}
        return self.actions.run(session, operation, params, back=back, done=done, title=operation)

    def user(self, request: Request, session: ConsoleSession, name: str) -> Reply:
        iam = self.actions.iam
        try:
            user = iam(session, "GetUser", UserName=name)["User"]
            groups = iam(session, "ListGroupsForUser", UserName=name)["Groups"]
            permissions = read_permissions(self.actions, session, "user", name)
            credentials = read_credentials(self.actions, session, name)
        except ApiError as error:
            return failed(f"User {name}", error, session, "/console/users")
        base = f"/console/users/{path_part(name)}"
        boundary = user.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
        summary = table(
            ["ARN", "Created", "Password last used", "Path"],
            [
                [
                    user["Arn"],
                    _date(user["CreateDate"]),
                    _date(user.get("PasswordLastUsed")),
                    user["Path"],
                ]
            ],
            "Summary",
        )
        group_rows: list[list[object]] = [
            [
                el("a", {"href": f"/console/groups/{path_part(g['GroupName'])}"}, g["GroupName"]),
                button_form(
                    session,
                    f"{base}/group-remove",
                    "Remove",
                    {"group": g["GroupName"]},
                    aria_label=f"Remove from {g['GroupName']}",
                ),
            ]
            for g in groups
        ]
        group_section = el(
            "section",
            {"aria-labelledby": "h-groups"},
            el("h2", {"id": "h-groups"}, "Groups"),
            table(["Group", "Action"], group_rows, "Groups"),
            _member_form(session, f"{base}/group-add", "Add to group (name)", "group"),
        )
        body = el(
            "div",
            {},
            done_notice(request),
            summary,
            el(
                "p",
                {},
                el("a", {"href": history_link("Username", name), "id": "user-events"}, "Events"),
            ),
            group_section,
            permissions_section(session, "user", name, permissions, boundary),
            tags_section(session, "user", name, user.get("Tags", [])),
            credential_sections(session, name, credentials),
        )
        return Reply(200, page(f"User {name}", body, session))

    def group(self, request: Request, session: ConsoleSession, name: str) -> Reply:
        try:
            # 100 members a page, then "More members" pages on with the API's Marker
            params: dict[str, Any] = {"GroupName": name, "MaxItems": 100}
            if request.arg("marker"):
                params["Marker"] = request.arg("marker")
            answer = self.actions.iam(session, "GetGroup", **params)
            permissions = read_permissions(self.actions, session, "group", name)
        except ApiError as error:
            return failed(f"Group {name}", error, session, "/console/groups")
        base = f"/console/groups/{path_part(name)}"
        rows: list[list[object]] = [
            [
                el("a", {"href": f"/console/users/{path_part(u['UserName'])}"}, u["UserName"]),
                u["Arn"],
                button_form(
                    session,
                    f"{base}/member-remove",
                    "Remove",
                    {"user": u["UserName"]},
                    aria_label=f"Remove {u['UserName']}",
                ),
            ]
            for u in answer["Users"]
        ]
        more = None
        if answer.get("IsTruncated"):
            link = f"{base}?" + urlencode({"marker": answer["Marker"]})
            more = el("p", {}, el("a", {"href": link, "id": "next-page"}, "More members"))
        group = answer["Group"]
        body = el(
            "div",
            {},
            done_notice(request),
            table(
                ["ARN", "Created", "Path"],
                [[group["Arn"], _date(group["CreateDate"]), group["Path"]]],
                "Summary",
            ),
            el(
                "section",
                {"aria-labelledby": "h-members"},
                el("h2", {"id": "h-members"}, "Users in this group"),
                table(["User", "ARN", "Action"], rows, "Members"),
                more,
                _member_form(session, f"{base}/member-add", "Add user (name)", "user"),
            ),
            permissions_section(session, "group", name, permissions),
        )
        return Reply(200, page(f"Group {name}", body, session))
