"""A stored policy's text with some of its ``AWS`` principals replaced, every other byte kept.

IAM keeps a trust policy's user and role principals as unique ids and shows them through "a reverse
transformation back to the role ARN when the trust policy is displayed"; when the principal is gone,
"the principal ID appears in resource-based policies because AWS can no longer map it back to a
valid ARN"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
rolegate keeps the text as the client sent it, so showing it means replacing just those values: the
``AWS`` values of ``Principal`` and ``NotPrincipal`` elements, never the same ARN elsewhere (a
Condition on ``aws:PrincipalArn`` keeps it), with the spacing, order and escapes of the rest
unchanged.

Python's ``json`` reports no positions, so one regex pass walks the (already validated) text's
strings and brackets, as :mod:`rolegate.policy.parser` does, keeping track of the key each value
sits under.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

__all__ = ["replace_principals"]

# Strings (a key when followed by a colon) and brackets; in valid JSON nothing else nests.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"(?P<key>[ \t\n\r]*:)?|[{}\[\]]', re.DOTALL)
_PRINCIPAL_ELEMENTS = ("Principal", "NotPrincipal")


def replace_principals(text: str, replacements: Mapping[str, str]) -> str:
    """``text`` with each ``AWS`` principal value found in ``replacements`` replaced by its
    replacement (``text`` must be valid JSON, as every stored policy is)."""
    if not replacements:
        return text
    pieces: list[str] = []
    done = 0
    # Open containers: (is an object, the key it is the value of); the last key of each object.
    containers: list[tuple[bool, str | None]] = []
    keys: list[str | None] = []
    for token in _TOKEN.finditer(text):
        start, end = token.span()
        first = text[start]
        if first == '"':
            if token.group("key") is not None:
                keys[-1] = json.loads(text[start : text.rindex('"', start, end) + 1])
                continue
            value = json.loads(text[start:end])
            new = replacements.get(value)
            if new is not None and _is_aws_principal(containers, keys):
                pieces += (text[done:start], json.dumps(new))
                done = end
        elif first in "{[":
            owner = keys[-1] if containers and containers[-1][0] else _array_key(containers)
            containers.append((first == "{", owner))
            keys.append(None)
        else:
            containers.pop()
            keys.pop()
    return "".join(pieces) + text[done:] if pieces else text


def _array_key(containers: list[tuple[bool, str | None]]) -> str | None:
    """The key an array's elements sit under: the array's own."""
    return containers[-1][1] if containers else None


def _is_aws_principal(containers: list[tuple[bool, str | None]], keys: list[str | None]) -> bool:
    """Whether a string value at this point is one of ``"Principal": {"AWS": ...}``'s values
    (a single string, or an element of a list)."""
    if not containers:
        return False
    if containers[-1][0]:  # "AWS": "value" inside the Principal object
        return keys[-1] == "AWS" and containers[-1][1] in _PRINCIPAL_ELEMENTS
    # "AWS": ["value", ...]: the list sits under "AWS" in the Principal object
    return (
        containers[-1][1] == "AWS"
        and len(containers) >= 2
        and containers[-2][0]
        and containers[-2][1] in _PRINCIPAL_ELEMENTS
    )
