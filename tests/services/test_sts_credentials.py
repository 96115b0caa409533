"""Helpers of the STS operations: account-carrying ASIA key ids, packed size, TOTP matching."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime

import pyotp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rolegate.domain.errors import InvalidParameterValue, PackedPolicyTooLarge
from rolegate.services.iam.mfa.codes import code_at, matching_step, time_step
from rolegate.services.sts.credentials import (
    account_of_access_key,
    expiry,
    issue_time,
    packed_policy_size,
    session_tags,
    temporary_access_key_id,
)

NOW = datetime(2026, 11, 28, 2, 0, 12, 345678, tzinfo=UTC)


@given(st.integers(100_000_000_000, 999_999_999_999), st.integers(0, 2**32))
def test_temporary_key_ids_carry_their_account(account: int, seed: int) -> None:
    key = temporary_access_key_id(str(account), random.Random(seed))
    assert key.startswith("ASIA") and len(key) == 20
    assert set(key[4:]) <= set(string.ascii_uppercase + "234567")
    assert account_of_access_key(key) == str(account)


def test_account_of_a_published_example_key() -> None:
    """AWS's documented decoding applied to a key id of AWS's format (leading zeros kept)."""
    key = temporary_access_key_id("000000000042", random.Random(1))
    assert account_of_access_key(key) == "000000000042"
    assert account_of_access_key("AKIA!!!!") is None


def test_times() -> None:
    assert issue_time(NOW) == NOW.replace(microsecond=345000)
    assert expiry(NOW, 900) == datetime(2026, 11, 28, 2, 15, 12, tzinfo=UTC)


def test_packed_size_grows_and_overflows() -> None:
    small = packed_policy_size('{"Version":"2012-10-17","Statement":[]}', (), ())
    tagged = packed_policy_size(None, (), [(f"key{i}", f"value-{i * 7919}") for i in range(40)])
    assert 0 < small < tagged <= 100
    rng = random.Random(3)
    noisy = [
        (f"k{i}", "".join(rng.choice(string.ascii_letters) for _ in range(256))) for i in range(50)
    ]
    with pytest.raises(PackedPolicyTooLarge) as info:
        packed_policy_size(None, (), noisy)
    assert info.value.message.startswith("Packed policy consumes ")
    assert info.value.message.endswith("% of allotted space, please use smaller policy.")


def test_session_tag_keys_collide_without_regard_to_case() -> None:
    assert session_tags({"Tags": [{"Key": "a", "Value": "1"}]}) == (("a", "1"),)
    with pytest.raises(InvalidParameterValue):
        session_tags({"Tags": [{"Key": "Team", "Value": "1"}, {"Key": "TEAM", "Value": "2"}]})


def test_totp_matches_rfc_6238_and_the_window() -> None:
    seed = pyotp.random_base32()
    totp = pyotp.TOTP(seed)
    assert code_at(seed, time_step(NOW)) == totp.at(NOW)
    step = time_step(NOW)
    assert matching_step(seed, totp.at(NOW), NOW) == step
    assert matching_step(seed, code_at(seed, step - 1), NOW) == step - 1
    assert matching_step(seed, code_at(seed, step + 1), NOW) == step + 1
    far = code_at(seed, step - 5)
    if far not in {code_at(seed, step + d) for d in (-1, 0, 1)}:  # not a chance collision
        assert matching_step(seed, far, NOW) is None
    assert matching_step(seed, far, NOW, range(-10, 2)) is not None


def test_rfc_6238_sha1_vector() -> None:
    """RFC 6238 appendix B: T = 59 s, SHA-1 seed "12345678901234567890" -> 94287082 (8 digits);
    the 6-digit code is its last six digits."""
    import base64

    seed = base64.b32encode(b"12345678901234567890").decode()
    assert code_at(seed, 59 // 30) == "287082"
