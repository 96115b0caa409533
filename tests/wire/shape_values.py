"""Deterministic example values for botocore shapes, valid under the shape's constraints.

Strings that must match a pattern are built from a pool of "interesting" characters (ones that
need URL-encoding or XML-escaping, non-ASCII letters) filtered by the pattern itself; patterns
that are not a repeated character class get a known-good literal from ``KNOWN_GOOD``.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from rolegate.wire.java_regex import compile_java_regex

POOL = "aZ9_+=,.@-:/ é{}~!&%<>'\"\t日?#"

KNOWN_GOOD = {
    "((/[A-Za-z0-9\\.,\\+@=_-]+)*)/": ["/division_abc/sub+1/", "/"],
    "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)": ["/a&b/", "/"],
    "/[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*/": ["/p é/"],
    "\\u002F[\\u0021-\\u007F]*": ["/prefix&x"],
    "\\d{12}": ["123456789012"],
    "^o-[0-9a-z]{10,32}\\/r-[0-9a-z]{4,32}[0-9a-z-\\/]*": ["o-abcdefghij/r-abcd/ou-ab12"],
    "^o-[a-z0-9]{10,32}$": ["o-abcdefghij"],
    "^p-[0-9a-zA-Z_]{8,128}$": ["p-abcdefgh"],
    "v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?": ["v12", "v1.a-b"],
    "^http(s?)://[a-zA-Z0-9._/-]*(\\?[a-zA-Z0-9._=&-]*)?(#[a-zA-Z0-9._/-]*)?$": [
        "https://example.com/x?a=1&b=2#frag"
    ],
}

BASE_TIME = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


class ValueGenerator:
    """Generates values; ``variant`` shifts choices so repeated runs cover other branches."""

    def __init__(self, *, variant: int = 0, only_required: bool = False, max_depth: int = 4):
        self._counter = itertools.count(variant)
        self._only_required = only_required
        self._max_depth = max_depth

    def value(self, shape: Shape, depth: int = 0) -> Any:
        kind = shape.type_name
        tick = next(self._counter)
        if isinstance(shape, StructureShape):
            return self._structure(shape, depth)
        if isinstance(shape, ListShape):
            count = _size(shape, default=2)
            return [self.value(shape.member, depth + 1) for _ in range(count)]
        if isinstance(shape, MapShape):
            return self._map(shape, depth)
        if kind == "string":
            return self.string(shape, tick)
        if kind in ("integer", "long"):
            low = shape.metadata.get("min")
            high = shape.metadata.get("max")
            value = int(low) + tick % 3 if low is not None else 7 + tick % 5
            return min(value, int(high)) if high is not None else value
        if kind in ("float", "double"):
            return 1.5 + tick
        if kind == "boolean":
            return tick % 2 == 0
        if kind == "timestamp":
            return BASE_TIME + timedelta(days=tick, seconds=tick)
        if kind == "blob":
            data = bytes([0, 1, 2, 250, 255]) + b"blob" * 2
            high = shape.metadata.get("max")
            return data[: int(high)] if high is not None else data
        raise AssertionError(f"no generator for {kind}")

    def _structure(self, shape: StructureShape, depth: int) -> dict[str, Any]:
        required = set(shape.required_members)
        members = shape.members
        if shape.is_tagged_union:
            name = sorted(members)[next(self._counter) % len(members)]
            return {name: self.value(members[name], depth + 1)}
        result: dict[str, Any] = {}
        for name, member in members.items():
            if name not in required and (self._only_required or depth >= self._max_depth):
                continue
            result[name] = self.value(member, depth + 1)
        if not result and members:
            # The Query protocol cannot send an empty structure; give it one member.
            name = next(iter(members))
            result[name] = self.value(members[name], depth + 1)
        return result

    def _map(self, shape: MapShape, depth: int) -> dict[Any, Any]:
        count = _size(shape, default=2)
        result: dict[Any, Any] = {}
        for _ in range(count * 10):
            if len(result) >= count:
                break
            key = self.value(shape.key, depth + 1)
            result.setdefault(key, self.value(shape.value, depth + 1))
        return result

    def string(self, shape: Shape, tick: int) -> str:
        metadata = shape.metadata
        enum = metadata.get("enum")
        if enum:
            return str(enum[tick % len(enum)])
        low = int(metadata.get("min", 0))
        high = metadata.get("max")
        length = max(low, 1, min(8, int(high) if high is not None else 8))
        pattern = metadata.get("pattern")
        if pattern is None:
            text = _cycle(POOL, length, tick)
        else:
            text = _matching_string(pattern, length, tick)
        assert low <= len(text) and (high is None or len(text) <= high), (shape.name, text)
        return text


def _size(shape: Shape, *, default: int) -> int:
    low = int(shape.metadata.get("min", 0))
    high = shape.metadata.get("max")
    count = max(low, default)
    return min(count, int(high)) if high is not None else count


def _cycle(pool: str, length: int, offset: int) -> str:
    return "".join(pool[(offset + i) % len(pool)] for i in range(length))


def _matching_string(pattern: str, length: int, tick: int) -> str:
    compiled = compile_java_regex(pattern)
    if pattern in KNOWN_GOOD:
        options = KNOWN_GOOD[pattern]
        text = options[tick % len(options)]
    else:
        allowed = "".join(c for c in POOL if compiled.fullmatch(c * 3) is not None)
        assert allowed, f"no pool character fits {pattern!r}; add it to KNOWN_GOOD"
        text = _cycle(allowed, length, tick)
    assert compiled.fullmatch(text) is not None, (pattern, text)
    return text
