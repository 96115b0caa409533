"""Java regular expressions (as written in botocore's ``pattern`` traits) for the ``regex`` package.

The service models carry the patterns AWS validates with on the server, in ``java.util.regex``
syntax. Written by hand because no library translates Java patterns; it translates what the
pinned iam/sts patterns contain and refuses the rest, so that no construct is ever read with
another meaning (``tests/wire/test_model_coverage.py`` compiles every pattern of the models):

* ``\\w`` and ``\\d``, inside or outside ``[...]``, are ASCII-only in Java and Unicode in
  ``regex``: they become explicit ASCII sets (the ``ASCII`` flag would also shrink ``\\p{L}``).
* passed through, meaning the same in both: literals, ``[...]`` sets and ranges, groups,
  quantifiers (possessive too), look-arounds, anchors, escaped punctuation, ``\\uFFFF`` (exactly
  four hex digits), ``\\xFF`` and Unicode categories such as ``\\p{L}``.
* refused with ValueError: every other escape (``\\s``, ``\\W``, ``\\Q``, ``\\z``, ``\\x{...}``,
  the POSIX classes ``\\p{Alpha}``...: Java and ``regex`` read them differently), sets inside
  sets, set intersections (``&&``) and a ``]`` first in a set.

Note ``\\u10000`` in a Java pattern is ``\\u1000`` followed by ``0`` (as in the STS model); the
``regex`` package reads it the same way, so it is passed through unchanged.
"""

from __future__ import annotations

import functools

import regex

_ASCII_OUTSIDE_SET = {"w": "[a-zA-Z0-9_]", "d": "[0-9]"}
_ASCII_INSIDE_SET = {"w": "a-zA-Z0-9_", "d": "0-9"}
#: ``\p{..}`` names that are Unicode general categories in both (Java's POSIX names are not)
_UNICODE_CATEGORY = regex.compile(r"\\[pP]\{(?:[LMNPSZC][a-z]?)\}")
_HEX_ESCAPE = regex.compile(r"\\(?:u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2})")


def translate_java_regex(pattern: str) -> str:
    """Rewrite a ``java.util.regex`` pattern into ``regex`` (V0) syntax with the same meaning."""
    out: list[str] = []
    in_set = False
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char == "\\" and i + 1 < n:
            i = _translate_escape(pattern, i, in_set, out)
            continue
        if char == "[":
            if in_set:
                raise ValueError(f"a set inside a set is not supported: {pattern!r}")
            if pattern.startswith("]", i + 1) or pattern.startswith("^]", i + 1):
                raise ValueError(f"a ']' first in a set is not supported: {pattern!r}")
            in_set = True
        elif char == "]" and in_set:
            in_set = False
        elif char == "&" and in_set and pattern.startswith("&&", i):
            raise ValueError(f"set intersections are not supported: {pattern!r}")
        out.append(char)
        i += 1
    return "".join(out)


def _translate_escape(pattern: str, i: int, in_set: bool, out: list[str]) -> int:
    """Translate the escape starting at ``pattern[i] == '\\\\'``; return the index after it."""
    letter = pattern[i + 1]
    if letter in _ASCII_OUTSIDE_SET:
        out.append(_ASCII_INSIDE_SET[letter] if in_set else _ASCII_OUTSIDE_SET[letter])
        return i + 2
    if not letter.isalnum():  # escaped punctuation: the character itself in both
        out.append(pattern[i : i + 2])
        return i + 2
    for same in (_UNICODE_CATEGORY, _HEX_ESCAPE):
        if match := same.match(pattern, i):
            out.append(match.group())
            end: int = match.end()
            return end
    raise ValueError(f"\\{letter} (at {i}) is not in the pinned models' patterns: {pattern!r}")


@functools.cache
def compile_java_regex(pattern: str) -> regex.Pattern[str]:
    """Compile a Java pattern once per process; use ``.fullmatch`` (model patterns are anchored)."""
    return regex.compile(translate_java_regex(pattern), regex.V0)
