"""What every editing button does: one IAM operation with the session's credentials, then back
to the page it came from (303, so a reload does not repeat it) with a fixed notice, or AWS's
error with its explanation.

The notice is chosen by a key in the query (``?done=created``) from the table below, never
taken from the query itself, so a link cannot make a page say something it did not do.
"""

from __future__ import annotations

from typing import Any

from rolegate.console.api import ApiClient, ApiError
from rolegate.console.html import Markup, el
from rolegate.console.http import Reply, Request, redirect
from rolegate.console.layout import csrf_field, error_box, notice, page
from rolegate.console.session import ConsoleSession

DONE = {
    "created": "Created.",
    "saved": "Saved.",
    "deleted": "Deleted.",
    "version": "A new version was created.",
    "default": "The default version was changed.",
    "attached": "The policy was attached.",
    "detached": "The policy was detached.",
    "tagged": "The tag was added.",
    "untagged": "The tag was removed.",
    "added": "Added to the group.",
    "removed": "Removed from the group.",
    "activated": "The access key is active.",
    "deactivated": "The access key is inactive.",
    "enabled": "The MFA device is enabled.",
    "mfa-off": "The MFA device is deactivated.",
    "password": "The password was set.",
}


def with_done(back: str, done: str) -> str:
    return f"{back}{'&' if '?' in back else '?'}done={done}"


def done_notice(request: Request) -> Markup | None:
    message = DONE.get(request.query.get("done", ""))
    return notice(message) if message else None


def status_of(error: ApiError) -> int:
    """The page's status for an operation's error: AWS's own when it is a client error."""
    return error.status if 400 <= error.status < 500 else 400


def failed(title: str, error: ApiError, session: ConsoleSession, back: str) -> Reply:
    body = el("div", {}, error_box(error), el("p", {}, el("a", {"href": back}, "Back")))
    return Reply(status_of(error), page(title, body, session))


class Actions:
    def __init__(self, api: ApiClient) -> None:
        self.api = api

    def iam(self, session: ConsoleSession, operation: str, **params: Any) -> dict[str, Any]:
        return self.api.call(session.acting, "iam", operation, params)

    def run(
        self,
        session: ConsoleSession,
        operation: str,
        params: dict[str, Any],
        *,
        back: str,
        done: str,
        title: str,
    ) -> Reply:
        """Calls ``operation``; back to ``back`` with the ``done`` notice, or the error."""
        try:
            self.iam(session, operation, **params)
        except ApiError as error:
            return failed(title, error, session, back)
        return redirect(with_done(back, done))


def button_form(
    session: ConsoleSession, action: str, label: str, fields: dict[str, str], **attrs: str
) -> Markup:
    """A one-button form posting ``fields`` (and the CSRF token) to ``action``."""
    return el(
        "form",
        {"method": "post", "action": action, "class": "inline"},
        csrf_field(session),
        [el("input", {"type": "hidden", "name": k, "value": v}) for k, v in fields.items()],
        el("button", {"type": "submit", **attrs}, label),
    )
