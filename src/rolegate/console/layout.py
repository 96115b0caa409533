"""The page shell: head (assets from the package, no CDN), the identity banner of a switched
role, the navigation, and the box that shows an error with its explanation."""

from __future__ import annotations

from rolegate.console.api import ApiError
from rolegate.console.explain import explain
from rolegate.console.html import Markup, el
from rolegate.console.session import ConsoleSession

# AWS's switch-role colors (id_roles_use_switch-role-console.html): class names of console.css.
COLORS = ("red", "orange", "yellow", "green", "blue")
_NAV = (
    ("/console/", "Dashboard"),
    ("/console/roles", "Roles"),
    ("/console/create-role", "Create role"),
    ("/console/policies", "Policies"),
    ("/console/users", "Users"),
    ("/console/groups", "Groups"),
    ("/console/providers", "Identity providers"),
    ("/console/switch-role", "Switch role"),
    ("/console/simulator", "Policy simulator"),
    ("/console/graph", "Access graph"),
    ("/console/events", "Event history"),
)


def csrf_field(session: ConsoleSession | None, token: str | None = None) -> Markup:
    value = session.csrf if session is not None else token
    return el("input", {"type": "hidden", "name": "csrf", "value": value or ""})


def banner(session: ConsoleSession) -> Markup:
    role = session.role
    if role is None:
        who = el("span", {"class": "who"}, f"Signed in as {session.principal_arn}")
        back = None
    else:
        color = role.choice.color if role.choice.color in COLORS else "blue"
        who = el(
            "span",
            {"class": f"who role-{color}", "id": "role-banner"},
            f"{role.choice.display_name} ({role.arn})",
        )
        back = el(
            "form",
            {"method": "post", "action": "/console/switch-back", "class": "inline"},
            csrf_field(session),
            el("button", {"type": "submit"}, f"Back to {session.principal_arn}"),
        )
    signout = el(
        "form",
        {"method": "post", "action": "/console/signout", "class": "inline"},
        csrf_field(session),
        el("button", {"type": "submit"}, "Sign out"),
    )
    nav = el(
        "nav",
        {"aria-label": "Console"},
        el("ul", {}, [el("li", {}, el("a", {"href": h}, t)) for h, t in _NAV]),
    )
    return el("header", {}, el("div", {"class": "identity"}, who, back, signout), nav)


def page(title: str, body: Markup, session: ConsoleSession | None = None) -> bytes:
    document = el(
        "html",
        {"lang": "en"},
        el(
            "head",
            {},
            el("meta", {"charset": "utf-8"}),
            el("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}),
            el("title", {}, f"{title} - rolegate console"),
            el("link", {"rel": "stylesheet", "href": "/console/assets/console.css"}),
            el("script", {"src": "/console/assets/console.js", "defer": True}),
        ),
        el(
            "body",
            {},
            banner(session) if session is not None else None,
            el("main", {"id": "main"}, el("h1", {}, title), body),
        ),
    )
    return b"<!DOCTYPE html>\n" + document.encode("utf-8")


def error_box(error: ApiError, more: list[str] | None = None) -> Markup:
    reasons = [*explain(error.code, error.message), *(more or [])]
    return el(
        "div",
        {"class": "error", "role": "alert"},
        el("p", {}, el("strong", {}, error.code), ": ", error.message),
        el("ul", {"class": "why"}, [el("li", {}, r) for r in reasons]) if reasons else None,
    )


def notice(message: str) -> Markup:
    return el("div", {"class": "notice", "role": "status"}, message)


def field(
    label: str, name: str, value: str = "", kind: str = "text", **extra: str | bool
) -> Markup:
    ident = f"f-{name}"
    return el(
        "p",
        {},
        el("label", {"for": ident}, label),
        el("input", {"id": ident, "name": name, "type": kind, "value": value, **extra}),
    )


def table(headers: list[str], rows: list[list[object]], label: str) -> Markup:
    return el(
        "table",
        {"aria-label": label},
        el("thead", {}, el("tr", {}, [el("th", {"scope": "col"}, h) for h in headers])),
        el("tbody", {}, [el("tr", {}, [el("td", {}, c) for c in row]) for row in rows]),
    )
