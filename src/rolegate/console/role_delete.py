"""Deleting roles as AWS's console does
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage_delete.html): a confirmation
with each role's last activity, then per role the console's clean-up steps, one IAM call each
with the session's credentials; a service-linked role with DeleteServiceLinkedRole and its
deletion status
(https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from rolegate.console.api import ApiClient, ApiError
from rolegate.console.html import Markup, el
from rolegate.console.http import Reply, Request, redirect
from rolegate.console.layout import csrf_field, error_box, field, page, table
from rolegate.console.session import ConsoleSession

SLR_PATH = "/aws-service-role/"
MAX_SELECTED = 90  # roles one confirmation deletes (the form holds at most 100 fields)
STATUS_POLLS = 10  # GetServiceLinkedRoleDeletionStatus reads before showing what it says
_DIFFERENT_PROFILE = (
    "The role is in an instance profile that has another name ({names}). As in AWS's console, "
    "such a profile is not deleted here: remove the role from it first "
    "(aws iam remove-role-from-instance-profile), then delete the role."
)


def is_service_linked(role: dict[str, Any]) -> bool:
    return str(role.get("Path", "")).startswith(SLR_PATH)


def selected(request: Request) -> list[str]:
    """The role names a roles-list selection (``r0``, ``r1``, … fields) carries, in order."""
    names: list[str] = []
    for index in range(MAX_SELECTED):
        value = request.arg(f"r{index}").strip()
        if value and value not in names:
            names.append(value)
    return names


def selection_query(names: list[str]) -> str:
    return urlencode({f"r{i}": n for i, n in enumerate(names[:MAX_SELECTED])})


class RoleDeletion:
    def __init__(self, api: ApiClient) -> None:
        self.api = api

    def _iam(self, session: ConsoleSession, operation: str, **params: Any) -> dict[str, Any]:
        return self.api.call(session.acting, "iam", operation, params)

    def delete_form(
        self, request: Request, session: ConsoleSession, message: str | None = None
    ) -> Reply:
        names = selected(request)
        if not names:
            return redirect("/console/roles")
        rows: list[list[object]] = []
        for name in names:
            try:
                role = self._iam(session, "GetRole", RoleName=name)["Role"]
                used = role.get("RoleLastUsed", {}).get("LastUsedDate")
                last = used.strftime("%Y-%m-%d %H:%M UTC") if used is not None else "Not used"
            except ApiError as error:
                last = f"{error.code}: {error.message}"
            rows.append([name, last])
        word = names[0] if len(names) == 1 else "delete"
        body = el(
            "div",
            {},
            el("div", {"class": "error", "role": "alert"}, message) if message else None,
            el(
                "p",
                {},
                "Deleting a role also deletes its inline policies, detaches its managed "
                "policies and deletes the instance profile of the same name that holds it. "
                "Check the last activity below to be sure the role is no longer used.",
            ),
            table(["Role", "Last activity"], rows, "Roles to delete"),
            el(
                "form",
                {"method": "post", "action": "/console/delete-roles"},
                csrf_field(session),
                [
                    el("input", {"type": "hidden", "name": f"r{i}", "value": n})
                    for i, n in enumerate(names)
                ],
                field(f"To confirm deletion, enter {word}", "confirm", "", required=True),
                el("button", {"type": "submit", "id": "confirm-delete"}, "Delete"),
            ),
        )
        return Reply(400 if message else 200, page("Delete roles", body, session))

    def delete(self, request: Request, session: ConsoleSession) -> Reply:
        names = selected(request)
        if not names:
            return redirect("/console/roles")
        word = names[0] if len(names) == 1 else "delete"
        if request.arg("confirm").strip() != word:
            return self.delete_form(request, session, f"Enter {word} to confirm the deletion.")
        parts: list[Markup] = []
        refused = False
        for index, name in enumerate(names):
            done: list[str] = []
            error, why = self._delete_one(session, name, done)
            steps = el("ul", {"class": "steps"}, [el("li", {}, step) for step in done])
            parts.append(
                el(
                    "section",
                    {"class": "deleted-role", "aria-label": f"Role {name}"},
                    el("h2", {}, name),
                    el("p", {}, "Done:") if done else None,
                    steps if done else None,
                    error_box(error, why) if error else None,
                )
            )
            if error is not None:
                refused = True
                rest = names[index + 1 :]
                if rest:
                    parts.append(
                        el("p", {"id": "not-attempted"}, "Not attempted: ", ", ".join(rest))
                    )
                break
        parts.append(el("p", {}, el("a", {"href": "/console/roles"}, "Back to roles")))
        return Reply(403 if refused else 200, page("Delete roles", el("div", {}, parts), session))

    def _delete_one(
        self, session: ConsoleSession, name: str, done: list[str]
    ) -> tuple[ApiError | None, list[str]]:
        """The console's steps for one role, appending each done step to ``done``; the
        refusal that stopped them (with more reasons), if any."""
        try:
            role = self._iam(session, "GetRole", RoleName=name)["Role"]
            if is_service_linked(role):
                task = self._iam(session, "DeleteServiceLinkedRole", RoleName=name)
                done.append(f"DeleteServiceLinkedRole: deletion task {task['DeletionTaskId']}")
                done.append(self._status_line(session, task["DeletionTaskId"]))
                return None, []
            profiles = self._iam(session, "ListInstanceProfilesForRole", RoleName=name)[
                "InstanceProfiles"
            ]
            others = [
                p["InstanceProfileName"] for p in profiles if p["InstanceProfileName"] != name
            ]
            if others:
                conflict = ApiError(
                    "DeleteConflict",
                    "Cannot delete entity, must remove roles from instance profile first.",
                    409,
                )
                return conflict, [_DIFFERENT_PROFILE.format(names=", ".join(others))]
            for profile in profiles:
                profile_name = profile["InstanceProfileName"]
                self._iam(
                    session,
                    "RemoveRoleFromInstanceProfile",
                    InstanceProfileName=profile_name,
                    RoleName=name,
                )
                done.append(f"Removed the role from instance profile {profile_name}")
                self._iam(session, "DeleteInstanceProfile", InstanceProfileName=profile_name)
                done.append(f"Deleted instance profile {profile_name}")
            for policy in self._iam(session, "ListRolePolicies", RoleName=name)["PolicyNames"]:
                self._iam(session, "DeleteRolePolicy", RoleName=name, PolicyName=policy)
                done.append(f"Deleted inline policy {policy}")
            attached = self._iam(session, "ListAttachedRolePolicies", RoleName=name)
            for policy in attached["AttachedPolicies"]:
                self._iam(session, "DetachRolePolicy", RoleName=name, PolicyArn=policy["PolicyArn"])
                done.append(f"Detached managed policy {policy['PolicyArn']}")
            self._iam(session, "DeleteRole", RoleName=name)
            done.append(f"Deleted role {name}")
        except ApiError as error:
            return error, []
        return None, []

    def _status_line(self, session: ConsoleSession, task_id: str) -> str:
        """Polls GetServiceLinkedRoleDeletionStatus until the task ends (or STATUS_POLLS reads)
        and says what it reports, with the reason of a failure."""
        answer: dict[str, Any] = {}
        for attempt in range(STATUS_POLLS):
            answer = self._iam(
                session, "GetServiceLinkedRoleDeletionStatus", DeletionTaskId=task_id
            )
            if answer["Status"] in ("SUCCEEDED", "FAILED"):
                break
            time.sleep(0.1 * (attempt + 1))
        line = f"Deletion status: {answer.get('Status', 'unknown')}"
        reason = answer.get("Reason")
        if reason:
            usages = "; ".join(
                f"{u.get('Region', '')}: {', '.join(u.get('Resources', []))}"
                for u in reason.get("RoleUsageList", [])
            )
            line += f". Reason: {reason.get('Reason', '')}" + (f" ({usages})" if usages else "")
        return line
