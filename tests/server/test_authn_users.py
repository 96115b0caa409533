"""Authentication of IAM users' long-term keys, in-process on a real store (both backends)."""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from rolegate.auth.keyring import KeyRing
from rolegate.auth.sigv4 import HttpRequest, SigV4Claim, parse_sigv4
from rolegate.domain.entities import AccessKey, User
from rolegate.domain.errors import InvalidClientTokenId, SignatureDoesNotMatch
from rolegate.server.authn import Authenticator
from rolegate.store import Store
from rolegate.wire.regions import signing_regions

from conftest_db import BACKENDS, fresh_database_url

ACCOUNT = "123456789012"
KEY_ID = "AKIAUSERKEY000000001"
SECRET = "user/secret/key/0123456789abcdefghijklmn"
NOW = datetime.now(UTC).replace(microsecond=0)  # set again before each test (_fresh_now)
USER = User(
    ACCOUNT, "AIDAUSERUNDERTEST0001", "Bob", "/team/", f"arn:aws:iam::{ACCOUNT}:user/team/Bob", NOW
)


@pytest.fixture(autouse=True)
def _fresh_now() -> None:
    """The time each test's requests are signed at (botocore signs with the real clock), so a
    long run does not push them past SigV4's 15 minutes."""
    global NOW
    NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module", params=BACKENDS)
def opened_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    with fresh_database_url(request.param, tmp_path_factory.mktemp("authn")) as url:
        opened = Store.open(url, sealer=KeyRing.from_master_key(b"u" * 32))
        try:
            yield opened
        finally:
            opened.close()


@pytest.fixture
def store(opened_store: Store) -> Store:
    """One user with one active key, in a database shared by the module's tests."""
    opened_store.reset()
    with opened_store.transaction() as tx:
        tx.users.create(USER)
        tx.access_keys.create(AccessKey(KEY_ID, SECRET, ACCOUNT, "Bob", "Active", NOW))
    return opened_store


def _signed(
    secret: str = SECRET,
    token: str | None = None,
    service: str = "sts",
    region: str = "eu-west-1",
) -> tuple[SigV4Claim, HttpRequest]:
    body = urllib.parse.urlencode({"Action": "GetCallerIdentity", "Version": "2011-06-15"}).encode()
    aws = AWSRequest(
        method="POST",
        url="http://127.0.0.1/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    SigV4Auth(Credentials(KEY_ID, secret, token), service, region).add_auth(aws)
    headers = (("Host", "127.0.0.1"), *aws.headers.items())  # added on the wire, signed
    request = HttpRequest("POST", "/", "", headers, body)
    claim = parse_sigv4(request)
    assert claim is not None
    return claim, request


def test_a_user_key_resolves_to_the_user(store: Store) -> None:
    claim, request = _signed()
    with store.transaction() as tx:
        caller = Authenticator(False, ACCOUNT).caller_for(tx, claim, request, NOW, "sts")
    assert (caller.principal_type, caller.arn, caller.user_id, caller.user_name) == (
        "user",
        USER.arn,
        USER.user_id,
        "Bob",
    )
    assert (caller.account_id, caller.access_key_id, caller.session) == (ACCOUNT, KEY_ID, None)
    with store.transaction(write=False) as tx:
        key = tx.access_keys.get(KEY_ID)
    assert key is not None
    assert (key.last_used_service, key.last_used_region) == ("sts", "eu-west-1")
    assert key.last_used_date == NOW.replace(second=0)


def test_a_wrong_secret_is_signature_does_not_match(store: Store) -> None:
    claim, request = _signed(secret=SECRET[:-1] + "x")
    with store.transaction() as tx, pytest.raises(SignatureDoesNotMatch):
        Authenticator(False, ACCOUNT).caller_for(tx, claim, request, NOW, "sts")


@pytest.mark.parametrize("permissive", [False, True])
def test_a_long_term_key_with_a_session_token_is_invalid(store: Store, permissive: bool) -> None:
    claim, request = _signed(token="not-a-session-token")
    with store.transaction() as tx, pytest.raises(InvalidClientTokenId):
        Authenticator(permissive, ACCOUNT).caller_for(tx, claim, request, NOW, "sts")


def test_an_inactive_key_is_invalid_even_in_permissive_mode(store: Store) -> None:
    with store.transaction() as tx:
        tx.access_keys.set_status(KEY_ID, "Inactive")
    claim, request = _signed()
    for permissive in (False, True):
        with store.transaction() as tx, pytest.raises(InvalidClientTokenId):
            Authenticator(permissive, ACCOUNT).caller_for(tx, claim, request, NOW, "sts")


def test_a_key_whose_user_is_gone_is_invalid(store: Store) -> None:
    with store.transaction() as tx:
        tx.users.delete(USER.user_id)  # the service refuses this while keys exist; the store not
    claim, request = _signed()
    with store.transaction() as tx, pytest.raises(InvalidClientTokenId):
        Authenticator(False, ACCOUNT).caller_for(
            tx, claim, request, NOW + timedelta(seconds=1), "sts"
        )


@pytest.mark.parametrize(
    ("service", "region", "routed_to", "message"),
    [
        (
            "iam",
            "eu-west-1",
            "iam",
            "Credential should be scoped to a valid region, not 'eu-west-1'. ",
        ),
        ("sts", "zz-fake-9", "sts", "Credential should be scoped to a valid region. "),
        ("s3", "us-east-1", "iam", "Credential should be scoped to correct service: 'iam'. "),
        ("iam", "us-east-1", "sts", "Credential should be scoped to correct service: 'sts'. "),
    ],
)
def test_a_scope_the_service_does_not_take_is_refused_before_the_key_is_looked_up(
    store: Store, service: str, region: str, routed_to: str, message: str
) -> None:
    """In strict mode, for a known key and for an unknown one alike."""
    claim, request = _signed(service=service, region=region)
    unknown = dataclasses.replace(claim, access_key_id="AKIAUNKNOWNKEY000000")
    for signed in (claim, unknown):
        with store.transaction() as tx, pytest.raises(SignatureDoesNotMatch) as raised:
            Authenticator(False, ACCOUNT).caller_for(tx, signed, request, NOW, routed_to)
        assert (raised.value.status, raised.value.message) == (403, message)


def test_iam_takes_us_east_1_and_sts_every_region() -> None:
    assert signing_regions("iam") == {"us-east-1"}
    sts = signing_regions("sts")
    assert {"us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1"} <= sts
    assert not {"aws-global", "us-east-1-fips", "zz-fake-9"} & sts
