"""``Memoized`` structures (wire.xml_out): rendered once per key, then copied; the text is the
one the plain value gives."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rolegate.wire import Memoized, load_service

ROLE = {
    "Path": "/",
    "RoleName": "a&b",
    "RoleId": "AROAEXAMPLE000000001",
    "Arn": "arn:aws:iam::123456789012:role/a&b",
    "CreateDate": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    "AssumeRolePolicyDocument": "%7B%7D",
    "MaxSessionDuration": 3600,
}


def _page(roles: list[Any]) -> bytes:
    return load_service("iam").serialize_result(
        "ListRoles", {"Roles": roles, "IsTruncated": False}, "rid"
    )


def test_a_memoized_value_is_written_as_the_plain_value_and_built_once_per_key() -> None:
    builds: list[str] = []

    def build(name: str) -> dict[str, Any]:
        builds.append(name)
        return {**ROLE, "RoleName": name}

    key = ("test-memo", "first", id(builds))  # not shared with other tests' keys
    plain = _page([{**ROLE, "RoleName": "first"}, {**ROLE, "RoleName": "second"}])
    memoized = [
        Memoized(key, lambda: build("first")),
        Memoized((*key, 2), lambda: build("second")),
    ]
    assert _page(memoized) == plain
    assert _page(memoized) == plain
    assert builds == ["first", "second"]  # the second page was copied
    changed = [Memoized((*key, 3), lambda: build("third")), {**ROLE, "RoleName": "plain"}]
    assert b"<RoleName>third</RoleName>" in _page(changed)
    assert b"<RoleName>plain</RoleName>" in _page(changed)
    assert builds == ["first", "second", "third"]
    assert b"<RoleName>a&amp;b</RoleName>" in _page([ROLE])  # escaped as ever
