"""Java regular expressions (as written in botocore's ``pattern`` traits) for the ``regex`` package.

The service models carry the patterns AWS validates with on the server, in ``java.util.regex``
syntax. Most of it means the same in ``regex`` (``\\p{L}``, ``\\uFFFF`` with exactly four hex
digits, possessive quantifiers, look-arounds); the differences handled here are:

* ``\\w``, ``\\d``, ``\\s`` (and their negations) are ASCII-only in Java, Unicode in ``regex``. They
  are rewritten to explicit ASCII sets (the ``ASCII`` flag cannot be used: it would also shrink
  ``\\p{L}`` to ASCII letters).
* ``\\x{h..h}`` (a code point) becomes ``\\U`` with eight digits; ``\\Q...\\E`` quotes literally.
* ``\\z`` (absolute end) becomes ``\\Z``; Java's ``\\Z`` (end before a final line terminator)
  becomes a look-ahead.
* POSIX classes (``\\p{Alpha}``, ``\\p{Digit}``, ...) are US-ASCII in Java.

Note ``\\u10000`` in a Java pattern is ``\\u1000`` followed by ``0`` (as in the STS model); the
``regex`` package reads it the same way, so it is passed through unchanged.
"""

from __future__ import annotations

import functools

import regex

_ASCII_CLASSES_OUTSIDE_SET = {
    "w": "[a-zA-Z0-9_]",
    "W": "[^a-zA-Z0-9_]",
    "d": "[0-9]",
    "D": "[^0-9]",
    "s": "[ \\t\\n\\x0B\\f\\r]",
    "S": "[^ \\t\\n\\x0B\\f\\r]",
}
_ASCII_CLASSES_INSIDE_SET = {"w": "a-zA-Z0-9_", "d": "0-9", "s": " \\t\\n\\x0B\\f\\r"}

_POSIX_CLASSES = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7F",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1F\\x7F",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0B\\f\\r",
}


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
        if char == "[" and not in_set:
            in_set = True
            out.append(char)
            # A ']' right after '[' or '[^' is a literal in Java as well; copy it verbatim.
            if pattern.startswith("^", i + 1):
                out.append("^")
                i += 1
            if pattern.startswith("]", i + 1):
                out.append("\\]")
                i += 1
        elif char == "[" and in_set:
            raise ValueError(f"nested character classes are not supported: {pattern!r}")
        elif char == "]" and in_set:
            in_set = False
            out.append(char)
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _translate_escape(pattern: str, i: int, in_set: bool, out: list[str]) -> int:
    """Translate the escape starting at ``pattern[i] == '\\\\'``; return the index after it."""
    letter = pattern[i + 1]
    if letter in _ASCII_CLASSES_OUTSIDE_SET:
        if not in_set:
            out.append(_ASCII_CLASSES_OUTSIDE_SET[letter])
        elif letter in _ASCII_CLASSES_INSIDE_SET:
            out.append(_ASCII_CLASSES_INSIDE_SET[letter])
        else:
            raise ValueError(f"negated class \\{letter} inside [...] is not supported")
        return i + 2
    if letter == "Q":
        end = pattern.find("\\E", i + 2)
        literal = pattern[i + 2 :] if end < 0 else pattern[i + 2 : end]
        out.append(regex.escape(literal))
        return _index_after_quote(pattern, end)
    if letter == "x" and pattern.startswith("{", i + 2):
        close = pattern.index("}", i + 3)
        out.append(f"\\U{int(pattern[i + 3 : close], 16):08X}")
        return close + 1
    if letter in "pP" and pattern.startswith("{", i + 2):
        close = pattern.index("}", i + 3)
        name = pattern[i + 3 : close]
        if name in _POSIX_CLASSES:
            body = _POSIX_CLASSES[name]
            negate = "^" if letter == "P" else ""
            if in_set and negate:
                raise ValueError(f"\\P{{{name}}} inside [...] is not supported")
            out.append(body if in_set else f"[{negate}{body}]")
            return close + 1
        out.append(pattern[i : close + 1])
        return close + 1
    if letter == "z" and not in_set:
        out.append("\\Z")
        return i + 2
    if letter == "Z" and not in_set:
        out.append("(?=\\n?\\Z)")
        return i + 2
    out.append(pattern[i : i + 2])
    return i + 2


def _index_after_quote(pattern: str, end: int) -> int:
    """Index after a ``\\Q...\\E`` quote whose ``\\E`` is at ``end`` (or -1: runs to the end)."""
    return len(pattern) if end < 0 else end + 2


@functools.cache
def compile_java_regex(pattern: str) -> regex.Pattern[str]:
    """Compile a Java pattern once per process; use ``.fullmatch`` (model patterns are anchored)."""
    return regex.compile(translate_java_regex(pattern), regex.V0)
