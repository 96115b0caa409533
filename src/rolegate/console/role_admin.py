"""Modifying and deleting roles as AWS's console does: a role's description and maximum session
duration, its instance profiles, deleting roles (the console's clean-up steps, one IAM call each
with the session's credentials), and service-linked roles.

- Modify: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-settings.html
- Delete: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage_delete.html
- Instance profiles: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2_instance-profiles.html
- Service-linked roles: https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from rolegate.console.actions import failed, with_done
from rolegate.console.api import ApiClient, ApiError
from rolegate.console.html import Markup, el
from rolegate.console.http import Reply, Request, path_part, redirect
from rolegate.console.layout import csrf_field, error_box, field, notice, page, table
from rolegate.console.session import ConsoleSession

SLR_PATH = "/aws-service-role/"
EC2 = "ec2.amazonaws.com"
HOURS = tuple(range(1, 13))  # the console's choices; "Custom duration" takes seconds
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


class RoleAdmin:
    def __init__(self, api: ApiClient) -> None:
        self.api = api

    def _iam(self, session: ConsoleSession, operation: str, **params: Any) -> dict[str, Any]:
        return self.api.call(session.acting, "iam", operation, params)

    # --- on the role page ------------------------------------------------------------------------
    def role_sections(self, session: ConsoleSession, role: dict[str, Any]) -> Markup:
        """The role page's actions (edit, delete), its instance profiles, and for a
        service-linked role the note that AWS lets only the service change it."""
        name = role["RoleName"]
        base = f"/console/roles/{path_part(name)}"
        actions = el(
            "p",
            {"class": "role-actions"},
            el("a", {"href": f"{base}/edit", "id": "edit-role"}, "Edit"),
            " ",
            el(
                "a",
                {"href": "/console/delete-roles?" + selection_query([name]), "id": "delete-role"},
                "Delete",
            ),
        )
        linked = None
        if is_service_linked(role):
            linked = notice(
                "This is a service-linked role: its trust and permissions policies are defined "
                "by the service and cannot be edited. You can edit its description, and delete "
                "it once the service no longer uses it."
            )
        try:
            profiles = self._iam(session, "ListInstanceProfilesForRole", RoleName=name)[
                "InstanceProfiles"
            ]
            listing: Markup = el("p", {}, "None.")
            if profiles:
                listing = table(
                    ["Instance profile", "ARN"],
                    [[p["InstanceProfileName"], p["Arn"]] for p in profiles],
                    "Instance profiles",
                )
        except ApiError as error:
            listing = error_box(error)
        return el(
            "div",
            {},
            linked,
            actions,
            el(
                "section",
                {"aria-labelledby": "h-profiles"},
                el("h2", {"id": "h-profiles"}, "Instance profiles"),
                listing,
            ),
        )

    # --- modify: description and maximum session duration ----------------------------------------
    def edit_form(
        self, request: Request, session: ConsoleSession, name: str, error: ApiError | None = None
    ) -> Reply:
        try:
            role = self._iam(session, "GetRole", RoleName=name)["Role"]
        except ApiError as failure:
            return failed(f"Edit role {name}", failure, session, "/console/roles")
        seconds = int(role.get("MaxSessionDuration", 3600))
        description = request.arg("description", role.get("Description", ""))
        chosen = request.arg("hours", str(seconds // 3600) if seconds % 3600 == 0 else "custom")
        custom = request.arg("custom_seconds", "" if chosen != "custom" else str(seconds))
        duration: Markup | None = None
        if not is_service_linked(role):  # AWS lets only a service-linked role's description change
            options = [
                el("option", {"value": str(h), "selected": chosen == str(h)}, f"{h} hour(s)")
                for h in HOURS
            ]
            options.append(
                el("option", {"value": "custom", "selected": chosen == "custom"}, "Custom duration")
            )
            duration = el(
                "div",
                {},
                el(
                    "p",
                    {},
                    el("label", {"for": "f-hours"}, "Maximum session duration"),
                    el("select", {"id": "f-hours", "name": "hours"}, options),
                ),
                field(
                    "Custom duration in seconds (3600 to 43200)",
                    "custom_seconds",
                    custom,
                    "number",
                ),
            )
        body = el(
            "div",
            {},
            error_box(error) if error else None,
            el(
                "form",
                {"method": "post", "action": f"/console/roles/{path_part(name)}/edit"},
                csrf_field(session),
                el("p", {}, el("label", {"for": "f-description"}, "Description")),
                el(
                    "textarea",
                    {"id": "f-description", "name": "description", "rows": 3, "cols": 80},
                    description,
                ),
                duration,
                el("button", {"type": "submit", "id": "save-role"}, "Save changes"),
            ),
        )
        return Reply(400 if error else 200, page(f"Edit role {name}", body, session))

    def edit(self, request: Request, session: ConsoleSession, name: str) -> Reply:
        description = request.arg("description")
        try:
            if "hours" not in request.form:  # a service-linked role: its description only
                self._iam(session, "UpdateRoleDescription", RoleName=name, Description=description)
            else:
                hours = request.arg("hours")
                custom = hours == "custom"
                text = request.arg("custom_seconds") if custom else hours
                # an unreadable number is sent as 0, so AWS's own validation answers it
                readable = text.isascii() and text.isdigit() and len(text) < 10
                seconds = int(text) * (1 if custom else 3600) if readable else 0
                params: dict[str, Any] = {"RoleName": name, "Description": description}
                params["MaxSessionDuration"] = seconds
                self._iam(session, "UpdateRole", **params)
        except ApiError as error:
            return self.edit_form(request, session, name, error)
        return redirect(with_done(f"/console/roles/{path_part(name)}", "saved"))

    # --- delete --------------------------------------------------------------------------------
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

    # --- create: the instance profile of an EC2 role, service-linked roles ----------------------
    def ec2_profile(self, session: ConsoleSession, name: str) -> None:
        """AWS's console gives a role for EC2 an instance profile of the same name."""
        self._iam(session, "CreateInstanceProfile", InstanceProfileName=name)
        self._iam(session, "AddRoleToInstanceProfile", InstanceProfileName=name, RoleName=name)

    def create_linked(self, request: Request, session: ConsoleSession) -> str:
        """CreateServiceLinkedRole for the wizard's use case; the new role's page."""
        params: dict[str, Any] = {"AWSServiceName": request.arg("linked_service")}
        if request.arg("description"):
            params["Description"] = request.arg("description")
        if request.arg("custom_suffix").strip():
            params["CustomSuffix"] = request.arg("custom_suffix").strip()
        role = self._iam(session, "CreateServiceLinkedRole", **params)["Role"]
        return f"/console/roles/{path_part(role['RoleName'])}"
