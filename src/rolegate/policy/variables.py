"""Policy variables: ``${aws:username}``, ``${aws:PrincipalTag/team, 'default'}``, ``${*}``...

"IAM policy elements: Variables and tags"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html):

* variables exist only in documents with ``"Version": "2012-10-17"``; elsewhere ``${...}`` is text;
* key names are case-insensitive; only single-valued keys can be variables;
* ``${*}``, ``${?}`` and ``${$}`` stand for the literal characters ``*``, ``?`` and ``$``;
* a default is written ``${key, 'default'}`` and used when the key has no value;
* a variable without a value (and without default) is *null*: "There is no equal or like value",
  so a pattern containing it matches nothing.

The value of a variable is literal: a ``*`` inside a tag value is not a wildcard (substitution
happens before wildcard interpretation, docs/policy-evaluation.md 4.5).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rolegate.policy.wildcard import (
    ARN_FIXED_SEGMENTS,
    Piece,
    glob_chunks,
    glob_fullmatch,
    glob_regex,
)

VARIABLES_VERSION = "2012-10-17"
_VARIABLE = re.compile(r"\$\{([^{}]*)\}")
_KEY_WITH_DEFAULT = re.compile(r"\s*([^\s,'{}$]+)\s*(?:,\s*'([^']*)'\s*)?")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}

Context = Mapping[str, "str | Sequence[str]"]  # keys lower-cased


@dataclass(frozen=True, slots=True)
class Variable:
    key: str  # lower-cased
    default: str | None


TemplatePart = Piece | Variable


def parse_template(text: str, *, variables_enabled: bool) -> tuple[TemplatePart, ...]:
    """Split ``text`` into wildcard text, literal text and variables."""
    if not variables_enabled or "${" not in text:
        return ((text, False),)
    parts: list[TemplatePart] = []
    cursor = 0
    for found in _VARIABLE.finditer(text):
        inner = found.group(1)
        special = _SPECIAL.get(inner)
        key_match = None if special is not None else _KEY_WITH_DEFAULT.fullmatch(inner)
        if special is None and key_match is None:
            continue  # not a variable reference: stays text
        if found.start() > cursor:
            parts.append((text[cursor : found.start()], False))
        if special is not None:
            parts.append((special, True))
        elif key_match is not None:
            parts.append(Variable(key_match.group(1).lower(), key_match.group(2)))
        cursor = found.end()
    if cursor < len(text):
        parts.append((text[cursor:], False))
    return tuple(parts)


def has_variables(parts: Sequence[TemplatePart]) -> bool:
    return any(isinstance(part, Variable) for part in parts)


def is_plain(parts: Sequence[TemplatePart]) -> bool:
    """True when the template is one piece of ordinary text (no variables, no ``${*}``)."""
    return len(parts) == 1 and isinstance(parts[0], tuple) and not parts[0][1]


def variable_value(context: Context, variable: Variable) -> str | None:
    """Single value of the key, else its default, else ``None`` (null)."""
    value = context.get(variable.key)
    if isinstance(value, str):
        return value
    return variable.default  # missing, or multivalued (which cannot be a variable)


def substitute(parts: Sequence[TemplatePart], context: Context) -> list[Piece] | None:
    """Pieces with every variable replaced by its literal value; ``None`` if one is null."""
    pieces: list[Piece] = []
    for part in parts:
        if isinstance(part, Variable):
            value = variable_value(context, part)
            if value is None:
                return None
            pieces.append((value, True))
        else:
            pieces.append(part)
    return pieces


def renderer(parts: Sequence[TemplatePart]) -> Callable[[Context], str | None]:
    """``render(context)``: the template's text with its variables' values (``None`` if one is
    null): the substituted pieces' text, without building the pieces."""
    if len(parts) == 1 and isinstance(parts[0], Variable):  # the common "${aws:username}"
        only = parts[0]
        return lambda context: variable_value(context, only)
    chunks = tuple(part if isinstance(part, Variable) else part[0] for part in parts)
    return lambda context: fill(chunks, context)


def fill(
    chunks: Sequence[str | Variable], context: Context, escape: Callable[[str], str] | None = None
) -> str | None:
    """Text chunks and variables' values (passed through ``escape``) joined; ``None`` if a
    variable is null."""
    out: list[str] = []
    for chunk in chunks:
        if isinstance(chunk, str):
            out.append(chunk)
            continue
        value = variable_value(context, chunk)
        if value is None:
            return None
        out.append(value if escape is None else escape(value))
    return "".join(out)


class RegexTemplate:
    """A wildcard pattern with variables, turned into regex source per request.

    The pattern is translated once, variables left as holes that take their value escaped
    (literal). In ARN mode a variable inside the first five segments could shift them, so such a
    template is translated whole on every call.
    """

    __slots__ = ("arn", "chunks", "parts")

    def __init__(self, parts: Sequence[TemplatePart], *, arn: bool) -> None:
        self.parts = tuple(parts)
        self.arn = arn
        colons = 0
        translatable = True
        for part in parts:
            if isinstance(part, Variable):
                translatable = translatable and (not arn or colons >= ARN_FIXED_SEGMENTS)
            else:
                colons += part[0].count(":")
        self.chunks = tuple(glob_chunks(self.parts, arn=arn)) if translatable else None

    def source(self, context: Context) -> str | None:
        """Regex source for ``context``; ``None`` when a variable is null."""
        if self.chunks is None:
            pieces = substitute(self.parts, context)
            return None if pieces is None else glob_regex(pieces, arn=self.arn)
        return fill(self.chunks, context, re.escape)

    def matches(self, value: str, context: Context) -> bool:
        """Does ``value`` match the pattern with ``context``'s values (never when one is null)?"""
        source = self.source(context)
        return source is not None and glob_fullmatch(source, value)
