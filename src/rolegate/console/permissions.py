"""The permissions of a role, user or group, editable: attach and detach managed policies, put
and delete inline policies (``Attach<Kind>Policy``, ``Detach<Kind>Policy``, ``Put<Kind>Policy``,
``Delete<Kind>Policy``), set and remove a user's or role's permissions boundary
(``Put<Kind>PermissionsBoundary``, ``Delete<Kind>PermissionsBoundary``), each with the session's
credentials. The inline editor shows the
engine's findings as one types, as the trust editor does.

Paths: ``/permissions/<kind>/<name>/<what>``; role, user and group names hold no ``/``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from rolegate.console.actions import Actions, button_form, failed, with_done
from rolegate.console.api import ApiError
from rolegate.console.editor import policy_editor, pretty
from rolegate.console.html import Markup, el
from rolegate.console.http import Reply, Request, path_part, redirect
from rolegate.console.layout import csrf_field, error_box, field, page, table
from rolegate.console.session import ConsoleSession

# kind -> (the operations' word, where its page is)
KINDS = {
    "role": ("Role", "/console/roles/"),
    "user": ("User", "/console/users/"),
    "group": ("Group", "/console/groups/"),
}
NEW_POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "", "Resource": "*"}]},
    indent=2,
)


def back_to(kind: str, name: str) -> str:
    return KINDS[kind][1] + path_part(name)


def read(actions: Actions, session: ConsoleSession, kind: str, name: str) -> dict[str, Any]:
    """The attached policies and the inline policies (with their documents) of a principal."""
    word = KINDS[kind][0]
    key = {f"{word}Name": name}
    attached = actions.iam(session, f"ListAttached{word}Policies", **key)["AttachedPolicies"]
    names = actions.iam(session, f"List{word}Policies", **key)["PolicyNames"]
    inline = [actions.iam(session, f"Get{word}Policy", **key, PolicyName=p) for p in names]
    return {"attached": attached, "inline": inline}


def section(
    session: ConsoleSession,
    kind: str,
    name: str,
    found: dict[str, Any],
    boundary: str | None = None,
    *,
    editable: bool = True,
) -> Markup:
    """The Permissions section of a principal's page, with its buttons (none when not
    ``editable``: a service-linked role's policies are the service's)."""
    base = f"/console/permissions/{kind}/{path_part(name)}"
    if not editable:
        return _read_only(found, boundary)
    rows: list[list[object]] = [
        [
            el("a", {"href": "/console/policies/" + path_part(p["PolicyArn"])}, p["PolicyName"]),
            p["PolicyArn"],
            button_form(
                session,
                f"{base}/detach",
                "Detach",
                {"policy_arn": p["PolicyArn"]},
                aria_label=f"Detach {p['PolicyName']}",
            ),
        ]
        for p in found["attached"]
    ]
    attach = el(
        "form",
        {"method": "post", "action": f"{base}/attach", "class": "attach"},
        csrf_field(session),
        field("Policy ARN to attach", "policy_arn", "", required=True),
        el("button", {"type": "submit", "id": "attach"}, "Attach policy"),
    )
    inline = [
        el(
            "div",
            {"class": "inline-policy"},
            el("h3", {}, f"Inline policy {p['PolicyName']}"),
            el("pre", {}, pretty(p["PolicyDocument"])),
            el(
                "p",
                {},
                el(
                    "a",
                    {"href": f"{base}/inline?{_query(p['PolicyName'])}"},
                    f"Edit {p['PolicyName']}",
                ),
                " ",
                button_form(
                    session,
                    f"{base}/inline-delete",
                    f"Delete {p['PolicyName']}",
                    {"policy_name": p["PolicyName"]},
                ),
            ),
        )
        for p in found["inline"]
    ]
    return el(
        "section",
        {"aria-labelledby": "h-permissions"},
        el("h2", {"id": "h-permissions"}, "Permissions"),
        table(["Attached policy", "ARN", "Action"], rows, "Attached policies"),
        attach,
        inline,
        el("p", {}, el("a", {"href": f"{base}/inline", "id": "add-inline"}, "Add inline policy")),
        _boundary(session, base, boundary) if kind != "group" else None,
    )


def _read_only(found: dict[str, Any], boundary: str | None) -> Markup:
    rows: list[list[object]] = [[p["PolicyName"], p["PolicyArn"]] for p in found["attached"]]
    return el(
        "section",
        {"aria-labelledby": "h-permissions"},
        el("h2", {"id": "h-permissions"}, "Permissions"),
        table(["Attached policy", "ARN"], rows, "Attached policies"),
        [
            el(
                "div",
                {"class": "inline-policy"},
                el("h3", {}, f"Inline policy {p['PolicyName']}"),
                el("pre", {}, pretty(p["PolicyDocument"])),
            )
            for p in found["inline"]
        ],
        el("p", {"id": "boundary"}, f"Permissions boundary: {boundary or 'not set'}"),
    )


def _boundary(session: ConsoleSession, base: str, boundary: str | None) -> Markup:
    """A user's or role's permissions boundary: set (by managed policy ARN) or removed."""
    remove = None
    if boundary:
        remove = button_form(session, f"{base}/boundary-delete", "Remove boundary", {})
    return el(
        "div",
        {"class": "boundary"},
        el("h3", {}, "Permissions boundary"),
        el("p", {"id": "boundary"}, boundary or "not set", " ", remove),
        el(
            "form",
            {"method": "post", "action": f"{base}/boundary"},
            csrf_field(session),
            field("Boundary policy ARN", "boundary_arn", "", required=True),
            el("button", {"type": "submit", "id": "set-boundary"}, "Set boundary"),
        ),
    )


def _query(policy_name: str) -> str:
    return urlencode({"policy": policy_name})


class PermissionPages:
    def __init__(self, actions: Actions) -> None:
        self.actions = actions

    def route(self, request: Request, session: ConsoleSession, path: str) -> Reply | None:
        """The reply for ``/permissions/...``, or None when the path is not one of these."""
        kind, _, rest = path.partition("/")
        name, _, what = rest.partition("/")
        if kind not in KINDS or not name:
            return None
        post = request.method == "POST"
        if what == "inline":
            if post:
                return self.put_inline(request, session, kind, name)
            return self.inline_form(request, session, kind, name)
        if not post:
            return None
        word = KINDS[kind][0]
        key = {f"{word}Name": name}
        title = f"{word} {name}"
        back = back_to(kind, name)
        if what == "attach":
            params = {**key, "PolicyArn": request.arg("policy_arn").strip()}
            return self.actions.run(
                session, f"Attach{word}Policy", params, back=back, done="attached", title=title
            )
        if what == "detach":
            params = {**key, "PolicyArn": request.arg("policy_arn")}
            return self.actions.run(
                session, f"Detach{word}Policy", params, back=back, done="detached", title=title
            )
        if what == "inline-delete":
            params = {**key, "PolicyName": request.arg("policy_name")}
            return self.actions.run(
                session, f"Delete{word}Policy", params, back=back, done="deleted", title=title
            )
        if what == "boundary" and kind != "group":
            params = {**key, "PermissionsBoundary": request.arg("boundary_arn").strip()}
            operation = f"Put{word}PermissionsBoundary"
            return self.actions.run(
                session, operation, params, back=back, done="saved", title=title
            )
        if what == "boundary-delete" and kind != "group":
            operation = f"Delete{word}PermissionsBoundary"
            return self.actions.run(session, operation, key, back=back, done="deleted", title=title)
        return None

    def inline_form(
        self,
        request: Request,
        session: ConsoleSession,
        kind: str,
        name: str,
        text: str | None = None,
        error: ApiError | None = None,
    ) -> Reply:
        word = KINDS[kind][0]
        policy_name = request.arg("policy_name") or request.query.get("policy", "")
        if text is None:
            text = NEW_POLICY
            if policy_name:
                try:
                    found = self.actions.iam(
                        session, f"Get{word}Policy", **{f"{word}Name": name}, PolicyName=policy_name
                    )
                except ApiError as failure:
                    return failed(f"{word} {name}", failure, session, back_to(kind, name))
                text = pretty(found["PolicyDocument"])
        action = f"/console/permissions/{kind}/{path_part(name)}/inline"
        body = el(
            "div",
            {},
            error_box(error) if error else None,
            policy_editor(
                session,
                action,
                text,
                "Save inline policy",
                field("Policy name", "policy_name", policy_name, required=True),
                kind="identity",
            ),
            el("p", {}, el("a", {"href": back_to(kind, name)}, f"Back to {word.lower()} {name}")),
        )
        title = f"Inline policy of {word.lower()} {name}"
        return Reply(400 if error else 200, page(title, body, session))

    def put_inline(self, request: Request, session: ConsoleSession, kind: str, name: str) -> Reply:
        word = KINDS[kind][0]
        text = request.arg("policy")
        try:
            self.actions.iam(
                session,
                f"Put{word}Policy",
                **{f"{word}Name": name},
                PolicyName=request.arg("policy_name").strip(),
                PolicyDocument=text,
            )
        except ApiError as error:
            reply = self.inline_form(request, session, kind, name, text, error)
            reply.status = 403 if error.status == 403 else 400
            return reply
        return redirect(with_done(back_to(kind, name), "saved"))
