"""Failed MFA codes are throttled per device (docs/iam.md, "MFA devices"): five wrong codes in a row
lock the
device, and while it is locked every code, even the right one, gets AWS's throttling answer. The
count lives in the database, so every node shares one budget, and concurrent guesses cannot
overshoot it."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyotp
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from mfa_helpers import (
    INVALID_AUTHENTICATION_CODE,
    INVALID_CODE,
    THROTTLED,
    answer_of,
    enable_virtual_mfa,
    next_code,
    wrong_code,
)
from sts_helpers import Account, User, trust

from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET, Node

FREE_FAILURES = 5  # wrong codes answered as wrong before the device locks
ONE_ATTEMPT = Config(retries={"total_max_attempts": 1})


@pytest.fixture
def home(node: Node) -> Account:
    return Account(node, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)


def guess(user: User, serial: str, code: str) -> tuple[str, str]:
    return answer_of(user.client().get_session_token, SerialNumber=serial, TokenCode=code)


def test_wrong_codes_in_a_row_lock_the_device_even_for_the_right_code(home: Account) -> None:
    """The reproduction: 50 wrong codes as fast as the client sends them. Only the first five
    are answered as wrong; the rest, and then the right code, are throttled."""
    user = home.user()
    serial, totp = enable_virtual_mfa(home, user)
    # One attempt per call: the harness's clients let botocore retry a throttled answer once,
    # after a sleep, which would send each of these guesses twice and take 25 s.
    sts = user.server.client("sts", user.key_id, user.secret, config=ONE_ATTEMPT)
    wrong = wrong_code(totp)
    answers = [
        answer_of(sts.get_session_token, SerialNumber=serial, TokenCode=wrong) for _ in range(50)
    ]
    assert answers == [INVALID_CODE] * FREE_FAILURES + [THROTTLED] * (50 - FREE_FAILURES)

    with pytest.raises(ClientError) as info:  # the right code, while the device is locked
        sts.get_session_token(SerialNumber=serial, TokenCode=next_code(totp))
    response = info.value.response
    assert (response["Error"]["Code"], response["Error"]["Message"]) == THROTTLED
    assert (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Type"]) == (
        400,
        "Sender",
    )
    # the lock is the device's, whichever operation checks its codes
    role = home.role(trust({"AWS": user.arn}))
    assumed = answer_of(
        sts.assume_role,
        RoleArn=role["Arn"],
        RoleSessionName="locked",
        SerialNumber=serial,
        TokenCode=next_code(totp),
    )
    assert assumed == THROTTLED
    now = time.time()
    resync = answer_of(
        home.client().resync_mfa_device,
        UserName=user.name,
        SerialNumber=serial,
        AuthenticationCode1=totp.at(now + 30),
        AuthenticationCode2=totp.at(now + 60),
    )
    assert resync == THROTTLED


def test_a_right_code_resets_the_count(home: Account) -> None:
    user = home.user()
    serial, totp = enable_virtual_mfa(home, user)
    wrong = wrong_code(totp)
    first = [guess(user, serial, wrong) for _ in range(FREE_FAILURES - 1)]
    assert first == [INVALID_CODE] * (FREE_FAILURES - 1)
    assert guess(user, serial, next_code(totp)) == ("ok", "")
    # the budget is whole again: five more wrong codes before the lock, not one
    second = [guess(user, serial, wrong) for _ in range(FREE_FAILURES + 1)]
    assert second == [INVALID_CODE] * FREE_FAILURES + [THROTTLED]


def test_enable_and_resync_count_their_wrong_codes(home: Account) -> None:
    """EnableMFADevice and ResyncMFADevice check codes too: their wrong pairs count, and a
    locked device refuses their right pairs."""
    iam = home.client()
    user = home.user()
    made = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"{user.name}-new")
    serial = made["VirtualMFADevice"]["SerialNumber"]
    totp = pyotp.TOTP(made["VirtualMFADevice"]["Base32StringSeed"].decode("ascii"))
    wrong = wrong_code(totp)

    def enable(first: str, second: str) -> tuple[str, str]:
        return answer_of(
            iam.enable_mfa_device,
            UserName=user.name,
            SerialNumber=serial,
            AuthenticationCode1=first,
            AuthenticationCode2=second,
        )

    answers = [enable(wrong, wrong) for _ in range(FREE_FAILURES + 1)]
    assert answers == [INVALID_AUTHENTICATION_CODE] * FREE_FAILURES + [THROTTLED]
    right = (totp.now(), next_code(totp))
    assert enable(*right) == THROTTLED
    assert iam.list_mfa_devices(UserName=user.name)["MFADevices"] == []

    other = home.user()
    serial, totp = enable_virtual_mfa(home, other)
    resyncs = [
        answer_of(
            iam.resync_mfa_device,
            UserName=other.name,
            SerialNumber=serial,
            AuthenticationCode1=wrong_code(totp),
            AuthenticationCode2=wrong_code(totp),
        )
        for _ in range(FREE_FAILURES + 1)
    ]
    assert resyncs == [INVALID_AUTHENTICATION_CODE] * FREE_FAILURES + [THROTTLED]
    assert guess(other, serial, next_code(totp)) == THROTTLED


def test_concurrent_wrong_codes_get_exactly_the_budget(home: Account) -> None:
    """Twenty guesses at once: checks of one device's codes take turns (its row lock), so
    exactly five are answered as wrong codes, never more."""
    user = home.user()
    serial, totp = enable_virtual_mfa(home, user)
    wrong = wrong_code(totp)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: guess(user, serial, wrong), range(20)))
    assert sorted(answers) == sorted([INVALID_CODE] * FREE_FAILURES + [THROTTLED] * 15)


def test_two_nodes_share_one_budget(two_nodes: tuple[Node, Node]) -> None:
    first, second = two_nodes
    on_first = Account(first, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    user = on_first.user()
    serial, totp = enable_virtual_mfa(on_first, user)
    on_second = User(second, user.name, user.arn, user.user_id, user.key_id, user.secret)
    wrong = wrong_code(totp)

    def attempt(index: int) -> tuple[str, str]:
        return guess(user if index % 2 else on_second, serial, wrong)

    with ThreadPoolExecutor(6) as pool:
        answers: list[Any] = list(pool.map(attempt, range(16)))
    assert sorted(answers) == sorted([INVALID_CODE] * FREE_FAILURES + [THROTTLED] * 11)
    code = next_code(totp)
    assert [guess(node_user, serial, code) for node_user in (user, on_second)] == [THROTTLED] * 2
