"""AssumeRole's parameter rules as pure functions: role ARNs, durations, tags through chains,
source identity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rolegate.domain.caller import Caller
from rolegate.domain.entities import Role
from rolegate.domain.errors import AccessDenied, InvalidParameterValue, ValidationError
from rolegate.domain.session import SessionClaims, SessionKind
from rolegate.services.sts.assume_role import (
    EXCEEDS_CHAIN,
    _duration,
    _session_tags,
    _source_identity,
)
from rolegate.services.sts.role_session import EXCEEDS_MAX, INVALID_ARN
from rolegate.services.sts.role_session import parse_role_arn as _parse_role_arn

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
USER = Caller("111111111111", "user", "arn:aws:iam::111111111111:user/u", "AIDAXXXXXXXXXXXXXXXXX")
ROLE_ARN = "arn:aws:iam::222222222222:role/team/app"


def role(max_session: int = 3600) -> Role:
    return Role("222222222222", "AROAX", "app", "/team/", ROLE_ARN, NOW, "{}", None, max_session)


def chained(**claims: object) -> Caller:
    session = SessionClaims(
        kind=SessionKind.ROLE,
        account_id="111111111111",
        access_key_id="ASIAXXXXXXXXXXXXXXXX",
        secret_access_key="s" * 40,
        issued_at=NOW,
        expires_at=NOW + timedelta(hours=1),
        principal_arn="arn:aws:sts::111111111111:assumed-role/first/s",
        principal_id="AROAY:s",
        **claims,  # type: ignore[arg-type]
    )
    return Caller("111111111111", "role_session", session.principal_arn, "AROAY:s", session=session)


def test_role_arns() -> None:
    assert _parse_role_arn(ROLE_ARN) == ("222222222222", "app")
    for bad in (
        "arn:aws:iam::222222222222:user/app",
        "arn:aws:s3:::bucket/role/app",
        "arn:aws:iam:us-east-1:222222222222:role/app",
        "arn:aws:iam::2222:role/app",
        "arn:aws:iam::222222222222:role/",
    ):
        with pytest.raises(ValidationError) as info:
            _parse_role_arn(bad)
        assert info.value.message == INVALID_ARN
    with pytest.raises(ValidationError) as info:  # not an ARN at all
        _parse_role_arn("role/app")
    assert info.value.message == "role/app is invalid"


@given(st.integers(900, 43200), st.integers(3600, 43200))
def test_durations_from_long_term_credentials(requested: int, maximum: int) -> None:
    if requested > maximum:
        with pytest.raises(ValidationError) as info:
            _duration(USER, role(maximum), requested)
        assert info.value.message == EXCEEDS_MAX
    else:
        assert _duration(USER, role(maximum), requested) == requested


@given(st.integers(900, 43200), st.integers(3600, 43200))
def test_durations_when_chaining(requested: int, maximum: int) -> None:
    if requested > 3600:
        with pytest.raises(ValidationError) as info:
            _duration(chained(), role(maximum), requested)
        assert info.value.message == EXCEEDS_CHAIN
    else:
        assert _duration(chained(), role(maximum), requested) == requested
    assert _duration(chained(), role(maximum), None) == 3600
    assert _duration(USER, role(maximum), None) == 3600


def test_transitive_tags_are_inherited_and_cannot_be_set_again() -> None:
    caller = chained(tags=(("Team", "blue"), ("cost", "1")), transitive_tag_keys=("Team",))
    tags = _session_tags(caller, {"Tags": [{"Key": "project", "Value": "x"}]})
    assert tags.tags == (("Team", "blue"), ("project", "x"))
    assert tags.transitive_keys == ("Team",)
    assert tags.passed == (("project", "x"),)
    with pytest.raises(InvalidParameterValue):
        _session_tags(caller, {"Tags": [{"Key": "team", "Value": "red"}]})
    with pytest.raises(InvalidParameterValue):
        _session_tags(USER, {"Tags": [{"Key": "a", "Value": "1"}], "TransitiveTagKeys": ["b"]})
    passed = _session_tags(USER, {"Tags": [{"Key": "a", "Value": "1"}], "TransitiveTagKeys": ["A"]})
    assert passed.transitive_keys == ("A",)


def test_source_identity_is_immutable() -> None:
    assert _source_identity(USER, None, ROLE_ARN) is None
    assert _source_identity(USER, "alice", ROLE_ARN) == "alice"
    with pytest.raises(ValidationError):
        _source_identity(USER, "aws:alice", ROLE_ARN)
    caller = chained(source_identity="alice")
    assert _source_identity(caller, None, ROLE_ARN) == "alice"
    assert _source_identity(caller, "alice", ROLE_ARN) == "alice"
    with pytest.raises(AccessDenied) as info:
        _source_identity(caller, "bob", ROLE_ARN)
    assert info.value.message == (
        f"User: {caller.arn} is not authorized to perform: sts:SetSourceIdentity on resource: "
        f"{ROLE_ARN}"
    )
