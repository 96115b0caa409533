"""A user's sign-in credentials on the user's page: access keys (create, with the secret shown
once; activate, deactivate, delete), MFA devices (list; create a virtual device, shown as a QR
code and its secret; enable it with two consecutive codes; deactivate) and the console password
(create, reset, delete). Each button is one IAM operation with the session's credentials
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_virtual.html).

The QR code is inline SVG built from segno's matrix (no image URL, no inline style: the CSP
holds); the secret is never stored by the console and appears in one reply only, which is not
cached (``Cache-Control: no-store``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import segno

from rolegate.console.actions import Actions, button_form, failed
from rolegate.console.api import ApiError
from rolegate.console.html import Markup, el
from rolegate.console.http import Reply, Request, path_part
from rolegate.console.layout import csrf_field, field, page, table
from rolegate.console.session import ConsoleSession


def qr_svg(uri: str) -> Markup:
    """``uri`` as a QR code: one SVG path of the dark modules, four modules of quiet zone."""
    matrix = [list(row) for row in segno.make_qr(uri, error="m").matrix_iter(border=4)]
    size = len(matrix)
    d = "".join(
        f"M{x} {y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark
    )
    return el(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewbox": f"0 0 {size} {size}",
            "width": size * 5,
            "height": size * 5,
            "role": "img",
            "aria-label": "QR code of the MFA device's secret",
            "class": "qr",
            "id": "mfa-qr",
        },
        el("rect", {"width": size, "height": size, "fill": "#fff"}),
        el("path", {"d": d, "fill": "#000"}),
    )


def _date(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "-"


def read(actions: Actions, session: ConsoleSession, user: str) -> dict[str, Any]:
    keys = actions.iam(session, "ListAccessKeys", UserName=user)["AccessKeyMetadata"]
    devices = actions.iam(session, "ListMFADevices", UserName=user)["MFADevices"]
    try:
        profile: dict[str, Any] | None = actions.iam(session, "GetLoginProfile", UserName=user)[
            "LoginProfile"
        ]
    except ApiError as error:
        if error.code != "NoSuchEntity":
            raise
        profile = None
    return {"keys": keys, "devices": devices, "profile": profile}


def sections(session: ConsoleSession, user: str, found: dict[str, Any]) -> Markup:
    base = f"/console/users/{path_part(user)}"
    key_rows: list[list[object]] = []
    for key in found["keys"]:
        kid, status = key["AccessKeyId"], key["Status"]
        flip = "Inactive" if status == "Active" else "Active"
        key_rows.append(
            [
                kid,
                status,
                _date(key.get("CreateDate")),
                el(
                    "span",
                    {},
                    button_form(
                        session,
                        f"{base}/key-status",
                        "Deactivate" if flip == "Inactive" else "Activate",
                        {"key": kid, "status": flip},
                        aria_label=f"{'Deactivate' if flip == 'Inactive' else 'Activate'} {kid}",
                    ),
                    " ",
                    button_form(
                        session,
                        f"{base}/key-delete",
                        "Delete",
                        {"key": kid},
                        aria_label=f"Delete {kid}",
                    ),
                ),
            ]
        )
    keys = el(
        "section",
        {"aria-labelledby": "h-keys"},
        el("h2", {"id": "h-keys"}, "Access keys"),
        table(["Access key ID", "Status", "Created", "Action"], key_rows, "Access keys"),
        button_form(session, f"{base}/key-create", "Create access key", {}, id="create-key"),
    )
    device_rows: list[list[object]] = [
        [
            d["SerialNumber"],
            _date(d.get("EnableDate")),
            button_form(
                session,
                f"{base}/mfa-deactivate",
                "Deactivate",
                {"serial": d["SerialNumber"]},
                aria_label=f"Deactivate {d['SerialNumber']}",
            ),
        ]
        for d in found["devices"]
    ]
    mfa = el(
        "section",
        {"aria-labelledby": "h-mfa"},
        el("h2", {"id": "h-mfa"}, "MFA devices"),
        table(["Serial number", "Enabled", "Action"], device_rows, "MFA devices"),
        el(
            "form",
            {"method": "post", "action": f"{base}/mfa-create"},
            csrf_field(session),
            field("Virtual MFA device name", "device", user, required=True),
            el("button", {"type": "submit", "id": "create-mfa"}, "Assign virtual MFA device"),
        ),
    )
    profile = found["profile"]
    password = el(
        "section",
        {"aria-labelledby": "h-password"},
        el("h2", {"id": "h-password"}, "Console password"),
        el(
            "p",
            {"id": "password-state"},
            "Not set: the user cannot sign in to the console."
            if profile is None
            else f"Set {_date(profile.get('CreateDate'))}"
            + (", to be changed at next sign-in." if profile.get("PasswordResetRequired") else "."),
        ),
        el(
            "form",
            {"method": "post", "action": f"{base}/password"},
            csrf_field(session),
            field("New password", "password", "", "password", autocomplete="new-password"),
            el(
                "p",
                {},
                el("input", {"type": "checkbox", "id": "f-reset", "name": "reset"}),
                el("label", {"for": "f-reset"}, "User must create a new password at next sign-in"),
            ),
            el(
                "button",
                {"type": "submit", "id": "set-password"},
                "Set password" if profile is None else "Reset password",
            ),
        ),
        button_form(session, f"{base}/password-delete", "Remove console access", {})
        if profile is not None
        else None,
    )
    return el("div", {}, keys, mfa, password)


class CredentialPages:
    def __init__(self, actions: Actions) -> None:
        self.actions = actions

    def route(
        self, request: Request, session: ConsoleSession, user: str, what: str, back: str
    ) -> Reply | None:
        """The POST ``/users/<user>/<what>`` of a credential button; else None."""
        run = self.actions.run
        title = f"User {user}"
        if what == "key-create":
            return self._new_key(session, user, back)
        if what == "key-status":
            params = {"UserName": user, "AccessKeyId": request.arg("key")}
            params["Status"] = request.arg("status")
            done = "activated" if params["Status"] == "Active" else "deactivated"
            return run(session, "UpdateAccessKey", params, back=back, done=done, title=title)
        if what == "key-delete":
            params = {"UserName": user, "AccessKeyId": request.arg("key")}
            return run(session, "DeleteAccessKey", params, back=back, done="deleted", title=title)
        if what == "mfa-create":
            return self._new_device(session, user, request.arg("device").strip(), back)
        if what == "mfa-enable":
            params = {
                "UserName": user,
                "SerialNumber": request.arg("serial"),
                "AuthenticationCode1": request.arg("code1").strip(),
                "AuthenticationCode2": request.arg("code2").strip(),
            }
            return run(session, "EnableMFADevice", params, back=back, done="enabled", title=title)
        if what == "mfa-deactivate":
            params = {"UserName": user, "SerialNumber": request.arg("serial")}
            return run(
                session, "DeactivateMFADevice", params, back=back, done="mfa-off", title=title
            )
        if what == "password":
            return self._password(request, session, user, back)
        if what == "password-delete":
            params = {"UserName": user}
            return run(
                session, "DeleteLoginProfile", params, back=back, done="deleted", title=title
            )
        return None

    def _new_key(self, session: ConsoleSession, user: str, back: str) -> Reply:
        try:
            key = self.actions.iam(session, "CreateAccessKey", UserName=user)["AccessKey"]
        except ApiError as error:
            return failed(f"User {user}", error, session, back)
        body = el(
            "div",
            {},
            el(
                "p",
                {"class": "notice", "role": "status"},
                "This is the only time the secret access key can be seen. Save it now; "
                "if it is lost, create a new access key.",
            ),
            table(
                ["Access key ID", "Secret access key"],
                [[key["AccessKeyId"], el("code", {"id": "secret-key"}, key["SecretAccessKey"])]],
                "New access key",
            ),
            el("p", {}, el("a", {"href": back}, f"Back to user {user}")),
        )
        return Reply(200, page("Access key created", body, session))

    def _new_device(self, session: ConsoleSession, user: str, name: str, back: str) -> Reply:
        try:
            device = self.actions.iam(session, "CreateVirtualMFADevice", VirtualMFADeviceName=name)[
                "VirtualMFADevice"
            ]
        except ApiError as error:
            return failed(f"User {user}", error, session, back)
        seed = device["Base32StringSeed"].decode("ascii")
        serial = device["SerialNumber"]
        uri = f"otpauth://totp/{quote(name)}@{quote(session.account_id)}?secret={seed}"
        body = el(
            "div",
            {},
            el(
                "p",
                {},
                "Scan this QR code with an authenticator app, or type the secret key. "
                "Then type two consecutive codes the app shows.",
            ),
            qr_svg(uri),
            el("p", {}, "Secret key: ", el("code", {"id": "mfa-secret"}, seed)),
            el(
                "form",
                {"method": "post", "action": f"{back}/mfa-enable"},
                csrf_field(session),
                el("input", {"type": "hidden", "name": "serial", "value": serial}),
                field("MFA code 1", "code1", "", inputmode="numeric", autocomplete="off"),
                field("MFA code 2", "code2", "", inputmode="numeric", autocomplete="off"),
                el("button", {"type": "submit", "id": "enable-mfa"}, "Add MFA"),
            ),
        )
        return Reply(200, page("Assign virtual MFA device", body, session))

    def _password(self, request: Request, session: ConsoleSession, user: str, back: str) -> Reply:
        params = {
            "UserName": user,
            "Password": request.arg("password"),
            "PasswordResetRequired": request.arg("reset") == "on",
        }
        try:
            self.actions.iam(session, "GetLoginProfile", UserName=user)
            operation = "UpdateLoginProfile"
        except ApiError as error:
            if error.code != "NoSuchEntity":
                return failed(f"User {user}", error, session, back)
            operation = "CreateLoginProfile"
        return self.actions.run(
            session, operation, params, back=back, done="password", title=f"User {user}"
        )
