"""HTML built from values, escaped by construction.

Every page is built with ``el(tag, attrs, *children)``: a child that is a ``str`` is text and is
escaped; only ``Markup`` (what ``el`` returns, and the few constants written here) is inserted as
it is. No page formats HTML from strings, so a name, tag, description or policy text can never
become markup (https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping

_TAG = re.compile(r"^[a-z][a-z0-9]*$")
_ATTRIBUTE = re.compile(r"^[a-z][a-z0-9-]*$")
_VOID = frozenset({"br", "hr", "img", "input", "link", "meta"})
# Attributes that take a URL: only our own paths (``/console/...``) or ``#`` may appear there,
# so that no ``javascript:`` URL can be built from a value.
_URL_ATTRIBUTES = frozenset({"href", "action", "src"})


class Markup(str):
    """Text that is already HTML (built by ``el``)."""

    __slots__ = ()


Attrs = Mapping[str, str | int | bool | None]


def text(value: object) -> Markup:
    return Markup(html.escape(str(value), quote=True))


def _children(children: Iterable[object]) -> str:
    parts: list[str] = []
    for child in children:
        if child is None:
            continue
        if isinstance(child, Markup):
            parts.append(child)
        elif isinstance(child, str):
            parts.append(html.escape(child, quote=True))
        elif isinstance(child, Iterable):
            parts.append(_children(child))
        else:
            parts.append(html.escape(str(child), quote=True))
    return "".join(parts)


def _safe_url(value: str) -> str:
    if value.startswith(("/console/", "#")) or value == "/console":
        return value
    raise ValueError(f"not a console URL: {value!r}")


def el(tag: str, attrs: Attrs | None = None, *children: object) -> Markup:
    """``<tag attrs>children</tag>``; attribute values and text children escaped."""
    if not _TAG.match(tag):
        raise ValueError(f"bad tag {tag!r}")
    rendered = []
    for name, value in (attrs or {}).items():
        name = name.rstrip("_").replace("_", "-")
        if not _ATTRIBUTE.match(name):
            raise ValueError(f"bad attribute {name!r}")
        if value is None or value is False:
            continue
        if value is True:
            rendered.append(f" {name}")
            continue
        value = str(value)
        if name in _URL_ATTRIBUTES:
            value = _safe_url(value)
        if name.startswith("on") or name == "style":
            raise ValueError("inline script and style are not allowed (CSP)")
        rendered.append(f' {name}="{html.escape(value, quote=True)}"')
    opening = f"<{tag}{''.join(rendered)}>"
    if tag in _VOID:
        return Markup(opening)
    return Markup(f"{opening}{_children(children)}</{tag}>")


def join(parts: Iterable[Markup]) -> Markup:
    return Markup("".join(parts))
