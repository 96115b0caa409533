"""Modifying roles as AWS's console does: a role's description and maximum session duration,
its instance profiles and actions on its page, the instance profile of a role for EC2, and
creating service-linked roles (deleting roles: ``role_delete``).

- Modify: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-settings.html
- Instance profiles: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2_instance-profiles.html
- Service-linked roles: https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html
"""

from __future__ import annotations

from typing import Any

from rolegate.console.actions import failed, with_done
from rolegate.console.api import ApiClient, ApiError
from rolegate.console.html import Markup, el
from rolegate.console.http import Reply, Request, path_part, redirect
from rolegate.console.layout import csrf_field, error_box, field, notice, page, table
from rolegate.console.role_delete import RoleDeletion, is_service_linked, selection_query
from rolegate.console.session import ConsoleSession

EC2 = "ec2.amazonaws.com"
HOURS = tuple(range(1, 13))  # the console's choices; "Custom duration" takes seconds


class RoleAdmin:
    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self.deletion = RoleDeletion(api)

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
