"""JSON objects from outside (a web identity token's header and claims, an issuer's discovery
document and JWKS), decoded only when their nesting is bounded.

Python's ``json`` decoder recurses once per nested array or object and, near the interpreter's
recursion limit, raises RecursionError (not ValueError): how deep a document may be then depends
on how deep the caller's stack already is, and every later consumer that walks the value again
(joserfc re-reads the token's header) has its own, different limit. So nesting is checked first,
against a fixed bound far below any of them; JSON as OIDC uses it nests three or four levels.

The check is written here because no JSON library offers a depth limit on the standard decoder.
It reads the text once: a document with no more brackets than the bound cannot be nested deeper
(the common case, one ``str.count`` each); otherwise a regular expression steps over strings and
brackets only, in linear time (an unterminated string matches to the end of the text rather than
failing, so the search never starts again inside it).
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 32

_STRING_OR_BRACKET = re.compile(
    r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)|(?P<open>[\[{])|(?P<close>[\]}])', re.DOTALL
)


class TooDeep(ValueError):
    """Arrays and objects nested deeper than the bound."""


def nested_deeper_than(text: str, limit: int) -> bool:
    """Whether arrays and objects in ``text`` (JSON or not) nest more than ``limit`` deep."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for token in _STRING_OR_BRACKET.finditer(text):
        kind = token.lastgroup
        if kind == "open":
            depth += 1
            if depth > limit:
                return True
        elif kind == "close" and depth:
            depth -= 1
    return False


def loads_object(data: str | bytes, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """The JSON object in ``data`` (UTF-8 when bytes); ValueError for anything else, including
    invalid UTF-8, nesting deeper than ``max_depth`` and JSON that is not an object."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    if nested_deeper_than(text, max_depth):
        raise TooDeep(f"nested deeper than {max_depth} levels")
    value = json.loads(text, parse_constant=_no_constants)
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _no_constants(name: str) -> float:
    """``NaN`` and ``Infinity`` are not JSON (RFC 8259, section 6); Python accepts them."""
    raise ValueError(f"{name} is not JSON")
