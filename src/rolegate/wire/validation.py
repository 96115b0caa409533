"""AWS's shape-constraint validation messages.

AWS validates every request against the same constraints botocore's model carries (required,
length, range, pattern, enum) and answers one ``ValidationError`` listing every failure::

    1 validation error detected: Value at 'roleName' failed to satisfy constraint: Member must
    satisfy regular expression pattern: [\\w+=,.@-]+

    2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must
    not be null; Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have
    length greater than or equal to 2

Paths are the member names in lowerCamelCase; items of a list of structures are
``'tags.1.member.key'`` (1-based). STS quotes the offending value ("Value 'Session1:2' at
'roleSessionName'"), except for ``sensitive`` members (tokens, assertions), which are never
echoed. IAM quotes no value, numbers included ("Value at 'minimumPasswordLength'", as IAM's
recorded answers show). A missing required member is "Value null at 'x'" in both. Several
failures on one member are each listed, in the order length, range, pattern, enum; a list's or
map's own size comes before its items' failures. A list of scalars with a failing item gets one
failure at the list's path naming every constraint of its members ("Value at 'tagKeys' failed to
satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal
to 128, ...]"); maps follow AWS's wording for maps ("Map keys must satisfy constraint: [...]").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from rolegate.domain.errors import ValidationError
from rolegate.wire.shapes import ShapeSpec

# Shapes whose pattern failure, when it is the request's only failure, IAM answers with a sentence
# of its own instead of the list: a path that does not begin and end with "/" (e.g. CreateRole
# with Path "test/"). With other failures the list stands (unverified: what AWS does then).
PATTERN_MESSAGES = {
    "pathType": (
        "The specified value for path is invalid. It must begin and end with / and contain only "
        "alphanumeric characters and/or / characters."
    ),
}
_PATTERN = "Member must satisfy regular expression pattern"


class ViolationCollector:
    """Accumulates constraint failures while a request is parsed; raises them all at once."""

    __slots__ = ("echo_strings", "messages", "whole_message")

    def __init__(self, *, echo_strings: bool) -> None:
        #: STS style (quote every value) when True, IAM style (quote none) when False
        self.echo_strings = echo_strings
        self.messages: list[str] = []
        self.whole_message: str | None = None  # PATTERN_MESSAGES' answer, when one applies

    def missing(self, path: str) -> None:
        self.messages.append(
            f"Value null at '{path}' failed to satisfy constraint: Member must not be null"
        )

    def failed(
        self, path: str, value: Any, spec: ShapeSpec, constraint: str, *, position: int = -1
    ) -> None:
        """Record a failure; ``position`` puts it before failures already found inside it."""
        if constraint.startswith(_PATTERN) and spec.name in PATTERN_MESSAGES:
            self.whole_message = self.whole_message or PATTERN_MESSAGES[spec.name]
        if self.echo_strings and not spec.sensitive:
            shown = f"Value '{render_java_value(value)}' at '{path}'"
        else:
            shown = f"Value at '{path}'"
        message = f"{shown} failed to satisfy constraint: {constraint}"
        if position < 0:
            self.messages.append(message)
        else:
            self.messages.insert(position, message)

    def raise_if_any(self) -> None:
        if self.whole_message is not None and len(self.messages) == 1:
            raise ValidationError(self.whole_message)
        if self.messages:
            raise ValidationError(validation_message(self.messages))


def validation_message(messages: Sequence[str]) -> str:
    count = len(messages)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(messages)


def scalar_violations(spec: ShapeSpec, value: Any) -> list[str]:
    """The constraint sentences a scalar (or a container's size) fails, in AWS's order."""
    found: list[str] = []
    kind = spec.kind
    if kind in ("string", "blob", "list", "map"):
        size = len(value)
        if spec.min is not None and size < spec.min:
            found.append(f"Member must have length greater than or equal to {int(spec.min)}")
        if spec.max is not None and size > spec.max:
            found.append(f"Member must have length less than or equal to {int(spec.max)}")
    elif kind in ("integer", "long", "float", "double"):
        if spec.min is not None and value < spec.min:
            found.append(f"Member must have value greater than or equal to {_number(spec.min)}")
        if spec.max is not None and value > spec.max:
            found.append(f"Member must have value less than or equal to {_number(spec.max)}")
    if kind == "string":
        if spec.regex is not None and spec.regex.fullmatch(value) is None:
            found.append(f"Member must satisfy regular expression pattern: {spec.pattern}")
        if spec.enum and value not in spec.enum:
            found.append(f"Member must satisfy enum value set: [{', '.join(spec.enum)}]")
    return found


def member_constraints(spec: ShapeSpec) -> str:
    """How AWS words a failing member of a list of scalars: every constraint of the member
    shape (not only the one that failed), largest bound first, then "not null"."""
    parts: list[str] = []
    noun = "length" if spec.kind in ("string", "blob") else "value"
    if spec.max is not None:
        parts.append(f"Member must have {noun} less than or equal to {_number(spec.max)}")
    if spec.min is not None:
        parts.append(f"Member must have {noun} greater than or equal to {_number(spec.min)}")
    if spec.pattern is not None:
        parts.append(f"Member must satisfy regular expression pattern: {spec.pattern}")
    if spec.enum:
        parts.append(f"Member must satisfy enum value set: [{', '.join(spec.enum)}]")
    parts.append("Member must not be null")
    return f"Member must satisfy constraint: [{', '.join(parts)}]"


def _number(bound: int | float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def render_java_value(value: Any) -> str:
    """A value as Java's ``toString`` shows it in AWS messages (lists as ``[a, b]``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]"
    if isinstance(value, datetime):
        return value.strftime("%a %b %d %H:%M:%S UTC %Y")
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}={render_java_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render_java_value(item) for item in value) + "]"
    return str(value)
