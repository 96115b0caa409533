"""Wildcard patterns of the policy language, compiled to fast matchers.

Patterns are escaped first, then ``*`` (any run of characters) and ``?`` (exactly one character)
are expanded ("IAM JSON policy elements: Resource", "IAM JSON policy elements: Condition
operators" -> *String condition operators*). Two flavours:

* plain globs (``Action``, ``StringLike``): ``*`` may match any character, including ``:`` and
  newlines;
* ARN globs (``Resource``, ``ArnLike``): the five colon-delimited segments after ``arn`` are matched
  separately, so a ``*`` in partition/service/region/account never swallows a ``:``; inside the
  resource part (after the fifth colon) ``*`` matches anything, including ``/`` and ``:``
  (POLICY-EVALUATION.md 4.2, 4.5).

A pattern is a sequence of :data:`Piece` s: ``(text, literal)``; literal pieces (values of policy
variables, ``${*}``...) never contribute wildcards.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

Matcher = Callable[[str], object]  # truthy when the value matches
Piece = tuple[str, bool]  # (text, literal): literal text never holds wildcards

ARN_FIXED_SEGMENTS = 5  # colons before the resource part: arn:partition:service:region:account:


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def glob_regex(pieces: Iterable[Piece], *, arn: bool, colons: int = 0) -> str:
    """Regex source (for ``fullmatch`` with DOTALL) of a pattern made of ``pieces``.

    ``colons``: how many ARN colons precede the pieces (for a fragment of a longer pattern).
    """
    out: list[str] = []
    for text, literal in pieces:
        for char in text:
            in_fixed_segment = arn and colons < ARN_FIXED_SEGMENTS
            if char == ":":
                colons += 1
            if literal or char not in "*?":
                out.append(re.escape(char))
            elif char == "*":
                out.append("[^:]*" if in_fixed_segment else ".*")
            else:
                out.append("[^:]" if in_fixed_segment else ".")
    return "".join(out)


def _always(_value: str) -> bool:
    return True


def _starts_with(prefix: str) -> Matcher:
    def match(value: str) -> bool:
        return value.startswith(prefix)

    return match


def _is_arn_prefix_safe(prefix: str) -> bool:
    """A trailing ``*`` may become ``startswith`` when it sits in the resource part of an ARN."""
    return prefix.count(":") >= ARN_FIXED_SEGMENTS


def build_matcher(pattern: str, *, arn: bool) -> Matcher:
    """Matcher for one pattern without variables (case-sensitive; lower-case both for actions)."""
    if pattern == "*":
        return _always
    if not has_wildcard(pattern):
        return pattern.__eq__
    body = pattern[:-1]
    if pattern.endswith("*") and not has_wildcard(body) and (not arn or _is_arn_prefix_safe(body)):
        return _starts_with(body)
    return re.compile(glob_regex([(pattern, False)], arn=arn), re.DOTALL).fullmatch


def pad_short_arn(pattern: str) -> str:
    """``arn:aws:s3`` -> ``arn:aws:s3:*:*:*`` ([undocumented]; what iam-simulate does)."""
    if not pattern.startswith("arn:"):
        return pattern
    missing = ARN_FIXED_SEGMENTS - pattern.count(":")
    return pattern + ":*" * missing if missing > 0 else pattern


class MatcherCache:
    """Interns matchers by pattern so that equal patterns across policies share one object."""

    __slots__ = ("_arn", "_limit", "_plain")

    def __init__(self, limit: int = 100_000) -> None:
        self._plain: dict[str, Matcher] = {}
        self._arn: dict[str, Matcher] = {}
        self._limit = limit

    def get(self, pattern: str, *, arn: bool) -> Matcher:
        table = self._arn if arn else self._plain
        matcher = table.get(pattern)
        if matcher is None:
            if len(table) >= self._limit:  # bounded: matchers in use stay owned by their policies
                table.clear()
            matcher = table[pattern] = build_matcher(pattern, arn=arn)
        return matcher

    def __len__(self) -> int:
        return len(self._plain) + len(self._arn)
