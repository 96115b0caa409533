"""Wildcard patterns of the policy language, compiled to fast matchers that never backtrack far.

Patterns are escaped first, then ``*`` (any run of characters) and ``?`` (exactly one character)
are expanded ("IAM JSON policy elements: Resource", "IAM JSON policy elements: Condition
operators" -> *String condition operators*). Two flavours:

* plain globs (``Action``, ``StringLike``): ``*`` may match any character, including ``:`` and
  newlines;
* ARN globs (``Resource``, ``ArnLike``): the five colon-delimited segments after ``arn`` are matched
  separately, so a ``*`` in partition/service/region/account never swallows a ``:``; inside the
  resource part (after the fifth colon) ``*`` matches anything, including ``/`` and ``:``
  (docs/policy-evaluation.md 4.2, 4.5).

A pattern is a sequence of :data:`Piece` s: ``(text, literal)``; literal pieces (values of policy
variables, ``${*}``...) never contribute wildcards.

**No exponential case.** Anyone who may pass a session policy writes patterns, so the naive
translation (every ``*`` a ``.*``) is a denial of service: a backtracking engine tries every way
of sharing the value among the stars, and ``a*a*...a*b`` against ``aaa...a`` takes exponential
time. The translation here is the one CPython's ``fnmatch.translate`` uses for the same
problem (bpo-40480; atomic groups since Python 3.11): every ``*`` but the last becomes
``(?>.*?RUN)``, an atomic group that takes the *leftmost* place of the run of characters up to
the next ``*`` and never gives it back; the last ``*`` stays ``.*``, the only choice the engine
may revisit. That is the classic greedy
glob algorithm, and it is exact: when a value matches with a run at some place, it also matches
with the run at its leftmost place, the next ``*`` taking the characters in between.

In the fixed ARN segments a ``*`` is ``[^:]*`` and cannot cross a colon. A run holding a colon
then has only one possible place (its first colon is the value's next colon); a run without one
stays inside the segment, where the argument above holds; and a ``[^:]*`` just before a colon
can only end at that colon, so it is written possessive (``[^:]*+``) and is no choice at all.

Cost: each group scans forward from where the previous one ended and tries its run at each
position, so a match costs O(len(value) x len(pattern)) at worst and O(len(value)) for ordinary
patterns, in the stdlib's C engine: as fast as the naive translation where that one was fast
(docs/benchmarks.md, "Wildcards without backtracking"). RE2 (``google-re2``) has no better bound
(its NFA fallback is also O(value x pattern)) and would add a native dependency; a greedy
matcher written in Python would cost several times more per call on the hot path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar, cast

Matcher = Callable[[str], object]  # truthy when the value matches
Piece = tuple[str, bool]  # (text, literal): literal text never holds wildcards
Hole = TypeVar("Hole")  # a part whose (literal) text is filled in later: a policy variable

ARN_FIXED_SEGMENTS = 5  # colons before the resource part: arn:partition:service:region:account:

_ANY, _ANY_BUT_COLON = ".", "[^:]"
_COLON = re.escape(":")


class _Star:
    """A wildcard ``*`` among the translated atoms: ``any_char`` repeated."""

    __slots__ = ("any_char",)

    def __init__(self, any_char: str) -> None:
        self.any_char = any_char


_STAR, _STAR_IN_SEGMENT = _Star(_ANY), _Star(_ANY_BUT_COLON)


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def glob_regex(pieces: Iterable[Piece], *, arn: bool) -> str:
    """Regex source (for ``fullmatch`` with DOTALL) of a pattern made of ``pieces``."""
    return "".join(cast(list[str], glob_chunks(tuple(pieces), arn=arn)))


def glob_chunks(parts: Sequence[Piece | Hole], *, arn: bool) -> list[str | Hole]:
    """:func:`glob_regex` of a pattern with holes: regex text, and each hole (a part that is not
    a :data:`Piece`) in its place, to be filled with its value escaped. A hole must not sit in the
    fixed ARN segments, whose colons it could shift."""
    atoms = _atoms(parts, arn=arn)
    # The stars that are choices: all but the possessive ones (a [^:]* right before a colon).
    choices = {
        i
        for i, atom in enumerate(atoms)
        if isinstance(atom, _Star)
        and (atom is _STAR or i + 1 == len(atoms) or atoms[i + 1] != _COLON)
    }
    last = max(choices, default=-1)
    out: list[str | Hole] = []
    group_open = False
    for i, atom in enumerate(atoms):
        if not isinstance(atom, _Star):
            _append(out, atom)
        elif i not in choices:
            _append(out, atom.any_char + "*+")
        else:
            if group_open:
                _append(out, ")")
            group_open = i != last
            _append(out, f"(?>{atom.any_char}*?" if group_open else f"{atom.any_char}*")
    return out


def _atoms(parts: Sequence[Piece | Hole], *, arn: bool) -> list[str | _Star | Hole]:
    """One regex atom per character (``*`` as a :class:`_Star`), consecutive stars as one."""
    atoms: list[str | _Star | Hole] = []
    colons = 0
    for part in parts:
        if not isinstance(part, tuple):
            atoms.append(part)
            continue
        text, literal = cast(Piece, part)
        for char in text:
            in_fixed_segment = arn and colons < ARN_FIXED_SEGMENTS
            if char == ":":
                colons += 1
            if literal or char not in "*?":
                atoms.append(re.escape(char))
            elif char == "?":
                atoms.append(_ANY_BUT_COLON if in_fixed_segment else _ANY)
            else:
                star = _STAR_IN_SEGMENT if in_fixed_segment else _STAR
                if not atoms or atoms[-1] is not star:  # ** is *
                    atoms.append(star)
    return atoms


def _append(out: list[str | Hole], text: str | Hole) -> None:
    """Append, joining adjacent regex text (fewer chunks to join per request)."""
    if isinstance(text, str) and out and isinstance(out[-1], str):
        out[-1] += text
    else:
        out.append(text)


def compile_glob(pieces: Iterable[Piece], *, arn: bool) -> Matcher:
    """Matcher for a pattern without variables (no fast paths: see :func:`build_matcher`)."""
    return re.compile(glob_regex(pieces, arn=arn), re.DOTALL).fullmatch


def glob_fullmatch(source: str, value: str) -> bool:
    """Does ``value`` match the regex ``source`` of :func:`glob_regex` (compiled and cached by
    ``re``: templates with variables give a new source per request)?"""
    return re.fullmatch(source, value, re.DOTALL) is not None


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
    return compile_glob([(pattern, False)], arn=arn)


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
