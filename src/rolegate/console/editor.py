"""The policy text editor: a text area whose findings (the engine's, with AWS's messages, at
line and column) appear as one types (``assets/console.js`` posts the text to
``/console/validate``), used for trust, managed and inline policies."""

from __future__ import annotations

import json
from urllib.parse import unquote

from rolegate.console.html import Markup, el
from rolegate.console.layout import csrf_field
from rolegate.console.session import ConsoleSession


def pretty(document: str) -> str:
    """IAM returns policy documents URL-encoded; shown decoded and indented."""
    text = unquote(document)
    try:
        return json.dumps(json.loads(text), indent=2)
    except ValueError:
        return text


def policy_editor(
    session: ConsoleSession,
    action: str,
    text: str,
    submit: str,
    extra: Markup | None = None,
    kind: str = "trust",
) -> Markup:
    """A policy text area whose findings (line, column, AWS's message) appear as one types
    (console.js posts the text to /console/validate)."""
    return el(
        "form",
        {"method": "post", "action": action, "class": "policy-form"},
        csrf_field(session),
        extra,
        el("label", {"for": "policy"}, "Policy document (JSON)"),
        el(
            "textarea",
            {
                "id": "policy",
                "name": "policy",
                "rows": 18,
                "cols": 80,
                "spellcheck": "false",
                "data-kind": kind,
            },
            text,
        ),
        el("div", {"id": "findings", "aria-live": "polite"}),
        el("button", {"type": "submit"}, submit),
    )
