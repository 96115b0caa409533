"""Tags of roles, users and customer managed policies: add one (``Tag<Kind>``), remove one
(``Untag<Kind>``). The limits are AWS's and so are the answers: 50 tags per resource, keys up
to 128 characters and values up to 256, of letters, digits, spaces and ``_.:/=+-@``; keys
starting with ``aws:`` are reserved
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html#id_tags_rules_creating). The
console does not check them itself: what IAM answers is shown as it is.
"""

from __future__ import annotations

from typing import Any

from rolegate.console.actions import Actions, button_form
from rolegate.console.html import Markup, el
from rolegate.console.http import Reply, Request, path_part
from rolegate.console.layout import csrf_field, field, table
from rolegate.console.session import ConsoleSession

# kind -> (the operations' word, the parameter naming the resource, where its page is)
KINDS = {
    "role": ("Role", "RoleName", "/console/roles/"),
    "user": ("User", "UserName", "/console/users/"),
    "policy": ("Policy", "PolicyArn", "/console/policies/"),
}
LIMITS = "Up to 50 tags; keys up to 128 characters, values up to 256."


def back_to(kind: str, ident: str) -> str:
    return KINDS[kind][2] + path_part(ident)


def section(session: ConsoleSession, kind: str, ident: str, tags: list[dict[str, Any]]) -> Markup:
    """The Tags section of a role's, user's or policy's page, with its buttons."""
    action = f"/console/tags/{kind}"
    rows: list[list[object]] = [
        [
            t["Key"],
            t["Value"],
            button_form(
                session,
                f"{action}/remove",
                "Remove",
                {"id": ident, "key": t["Key"]},
                aria_label=f"Remove tag {t['Key']}",
            ),
        ]
        for t in tags
    ]
    add = el(
        "form",
        {"method": "post", "action": f"{action}/add", "class": "add-tag"},
        csrf_field(session),
        el("input", {"type": "hidden", "name": "id", "value": ident}),
        field("Tag key", "tag_key", "", required=True),
        field("Tag value", "tag_value", ""),
        el("button", {"type": "submit", "id": "add-tag"}, "Add tag"),
    )
    return el(
        "section",
        {"aria-labelledby": "h-tags"},
        el("h2", {"id": "h-tags"}, "Tags"),
        table(["Key", "Value", "Action"], rows, "Tags"),
        el("p", {"class": "hint"}, LIMITS),
        add,
    )


class TagPages:
    def __init__(self, actions: Actions) -> None:
        self.actions = actions

    def route(self, request: Request, session: ConsoleSession, path: str) -> Reply | None:
        """``POST /tags/<kind>/add`` and ``/tags/<kind>/remove``; else None."""
        kind, _, what = path.partition("/")
        if kind not in KINDS or request.method != "POST":
            return None
        word, key, _ = KINDS[kind]
        ident = request.arg("id")
        back = back_to(kind, ident)
        title = f"Tags of {ident}"
        if what == "add":
            tag = {"Key": request.arg("tag_key"), "Value": request.arg("tag_value")}
            return self.actions.run(
                session,
                f"Tag{word}",
                {key: ident, "Tags": [tag]},
                back=back,
                done="tagged",
                title=title,
            )
        if what == "remove":
            params = {key: ident, "TagKeys": [request.arg("key")]}
            return self.actions.run(
                session, f"Untag{word}", params, back=back, done="untagged", title=title
            )
        return None
