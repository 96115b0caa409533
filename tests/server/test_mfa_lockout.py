"""An MFA device's lock ends with time, on the request's clock: the pipeline in-process with a
clock the test moves, on a real store of each backend (a live server would have to wait). The
lock itself, its answer and its sharing between nodes are tested end to end in
tests/e2e/test_mfa_throttling.py."""

from __future__ import annotations

import random
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import botocore.session
import pyotp
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.parsers import create_parser

from rolegate.auth.keyring import KeyRing
from rolegate.auth.session_token import SessionTokenCodec
from rolegate.auth.sigv4 import HttpRequest
from rolegate.server.authn import Authenticator
from rolegate.server.operations import operation_table
from rolegate.server.pipeline import Pipeline
from rolegate.services.iam.mfa.attempts import FIRST_LOCK, FREE_FAILURES
from rolegate.store import Store

from conftest_db import BACKENDS, fresh_database_url

VERSIONS = {"iam": "2010-05-08", "sts": "2011-06-15"}
ROOT = ("AKIAPIPELINETEST0000", "secret")  # unknown: permissive mode's default root
INVALID_CODE = (
    "AccessDenied",
    "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
)
THROTTLED = ("Throttling", "Rate exceeded")
_MODELS = botocore.session.get_session()


class Node:
    """A pipeline whose clock stands wherever the test puts it (``at``)."""

    def __init__(self, store: Store) -> None:
        ring = KeyRing.from_master_key(b"k" * 32)
        self.now = datetime.now(UTC)  # near the signatures' real time (15 minutes of skew)
        self.pipeline = Pipeline(
            store=store,
            authenticator=Authenticator(
                True, "123456789012", session_tokens=SessionTokenCodec(ring)
            ),
            operations=operation_table(),
            clock=lambda: self.now,
            rng=random.Random(7),
            region="us-east-1",
        )

    def call(
        self, service: str, action: str, key: tuple[str, str] = ROOT, **params: str
    ) -> dict[str, Any]:
        """The answer as botocore parses it (``Error`` for a refusal)."""
        body = urllib.parse.urlencode(
            {"Action": action, "Version": VERSIONS[service], **params}
        ).encode()
        aws = AWSRequest(
            method="POST",
            url="http://127.0.0.1/",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Host": "127.0.0.1"},
        )
        SigV4Auth(Credentials(*key), service, "us-east-1").add_auth(aws)
        request = HttpRequest("POST", "/", "", tuple(aws.headers.items()), body)
        response = self.pipeline.handle(request, "application/x-www-form-urlencoded", None)
        shape = _MODELS.get_service_model(service).operation_model(action).output_shape
        raw = {"body": response.body, "headers": {}, "status_code": response.status}
        parsed: dict[str, Any] = create_parser("query").parse(raw, shape)
        return parsed

    def answer(self, service: str, action: str, key: tuple[str, str], **params: str) -> Any:
        parsed = self.call(service, action, key, **params)
        error = parsed.get("Error")
        return ("ok", "") if error is None else (error["Code"], error["Message"])


@pytest.fixture(params=BACKENDS)
def node(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Node]:
    with fresh_database_url(request.param, tmp_path) as url:
        store = Store.open(url, sealer=KeyRing.from_master_key(b"k" * 32))
        try:
            yield Node(store)
        finally:
            store.close()


def user_with_device(node: Node) -> tuple[tuple[str, str], str, pyotp.TOTP]:
    """An IAM user's access key, and the serial and codes of the device enabled for it."""
    node.call("iam", "CreateUser", UserName="alice")
    key = node.call("iam", "CreateAccessKey", UserName="alice")["AccessKey"]
    device = node.call("iam", "CreateVirtualMFADevice", VirtualMFADeviceName="alice")
    serial = device["VirtualMFADevice"]["SerialNumber"]
    totp = pyotp.TOTP(device["VirtualMFADevice"]["Base32StringSeed"].decode("ascii"))
    enabled = node.call(
        "iam",
        "EnableMFADevice",
        UserName="alice",
        SerialNumber=serial,
        AuthenticationCode1=totp.at(node.now - timedelta(seconds=30)),
        AuthenticationCode2=totp.at(node.now),
    )
    assert "Error" not in enabled, enabled
    return (key["AccessKeyId"], key["SecretAccessKey"]), serial, totp


def test_the_lock_passes_with_time_and_doubles_with_each_further_failure(node: Node) -> None:
    key, serial, totp = user_with_device(node)
    start = node.now
    wrong = next(
        code
        for code in (f"{digit}" * 6 for digit in "0123456789")
        if code not in {totp.at(start + timedelta(seconds=30 * k)) for k in range(-2, 12)}
    )

    def token(code: str) -> Any:
        return node.answer("sts", "GetSessionToken", key, SerialNumber=serial, TokenCode=code)

    def at(seconds: float) -> str:
        """Move the clock ``seconds`` past the start; the right code for then."""
        node.now = start + timedelta(seconds=seconds)
        return totp.at(node.now)

    assert [token(wrong) for _ in range(FREE_FAILURES)] == [INVALID_CODE] * FREE_FAILURES
    locked_for = FIRST_LOCK.total_seconds()
    assert token(at(locked_for - 1)) == THROTTLED  # the right code, a second before the end
    right = at(locked_for)
    assert token(right) == ("ok", "")  # the lock has passed; the count starts again
    assert token(right) == INVALID_CODE  # its step stays spent (and counts as a failure)
    assert [token(wrong) for _ in range(FREE_FAILURES - 1)] == [INVALID_CODE] * 4
    # five failures again: locked for a minute; one more after it, and the lock is two minutes
    assert token(at(2 * locked_for - 1)) == THROTTLED
    at(2 * locked_for)
    assert token(wrong) == INVALID_CODE
    assert token(at(4 * locked_for - 1)) == THROTTLED
    assert token(at(4 * locked_for)) == ("ok", "")
