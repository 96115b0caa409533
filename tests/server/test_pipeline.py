"""The request pipeline in-process, on a real store: the failure paths a live server cannot show."""

from __future__ import annotations

import random
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rolegate.auth.keyring import KeyRing
from rolegate.auth.sigv4 import HttpRequest
from rolegate.domain.entities import Role
from rolegate.server.authn import Authenticator
from rolegate.server.operations import operation_table
from rolegate.server.pipeline import Pipeline, may_wait_on_network
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.store import NeedsDatabase, Store

from conftest_db import BACKENDS, fresh_database_url

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with fresh_database_url(request.param, tmp_path) as url:
        opened = Store.open(url, sealer=KeyRing.from_master_key(b"k" * 32))
        try:
            yield opened
        finally:
            opened.close()


def _pipeline(
    store: Store,
    extra_ops: dict[tuple[str, str], Handler] | None = None,
    without: tuple[str, str] | None = None,
) -> Pipeline:
    table = operation_table()
    table.update(extra_ops or {})
    if without is not None:
        del table[without]
    return Pipeline(
        store=store,
        authenticator=Authenticator(True, "123456789012"),
        operations=table,
        clock=lambda: NOW,
        rng=random.Random(7),
        region="us-east-1",
    )


def _signed_form(params: dict[str, str]) -> HttpRequest:
    """A request signed with an unknown key: permissive mode takes it as the default root."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = urllib.parse.urlencode(params).encode()
    aws = AWSRequest(
        method="POST",
        url="http://127.0.0.1/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    SigV4Auth(Credentials("AKIAPIPELINETEST0000", "secret"), "iam", "us-east-1").add_auth(aws)
    return HttpRequest("POST", "/", "", tuple(aws.headers.items()), body)


def test_an_unexpected_exception_is_a_500_and_changes_nothing(store: Store) -> None:
    def write_then_fail(ctx: OperationContext, params: Params) -> Result:
        ctx.tx.roles.create(
            Role(
                "123456789012",
                "AROAPIPELINEFAILURE01",
                "half",
                "/",
                "arn:aws:iam::123456789012:role/half",
                NOW,
                "{}",
            )
        )
        raise RuntimeError("boom")

    pipeline = _pipeline(store, {("iam", "ListRoles"): write_then_fail})
    response = pipeline.handle(
        _signed_form({"Action": "ListRoles", "Version": "2010-05-08"}),
        "application/x-www-form-urlencoded",
        None,
    )
    assert response.status == 500
    assert b"<Code>InternalFailure</Code>" in response.body
    assert response.request_id.encode() in response.body
    with store.transaction() as tx:
        assert tx.roles.get("123456789012", "half") is None


def test_unimplemented_operations_are_validated_then_refused(store: Store) -> None:
    """An operation of the model without a handler (here one taken out of the table, so the
    test outlives the day every operation has one)."""
    action = "CreateServiceSpecificCredential"
    pipeline = _pipeline(store, without=("iam", action))
    request = _signed_form(
        {"Action": action, "Version": "2010-05-08", "UserName": "bob", "ServiceName": "x"}
    )
    response = pipeline.handle(request, "application/x-www-form-urlencoded", None)
    assert (response.status, b"<Code>NotImplemented</Code>" in response.body) == (501, True)
    bad = _signed_form({"Action": action, "Version": "2010-05-08", "UserName": "bob"})
    response = pipeline.handle(bad, "application/x-www-form-urlencoded", None)
    assert response.status == 400 and b"<Code>ValidationError</Code>" in response.body


def test_permissive_mode_creates_the_named_account_once(store: Store) -> None:
    pipeline = _pipeline(store)
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    for _ in range(2):
        body = b"Action=GetCallerIdentity&Version=2011-06-15"
        aws = AWSRequest(
            method="POST",
            url="http://127.0.0.1/",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        SigV4Auth(Credentials("444455556666", "x"), "sts", "us-east-1").add_auth(aws)
        response = pipeline.handle(
            HttpRequest("POST", "/", "", tuple(aws.headers.items()), body),
            "application/x-www-form-urlencoded",
            None,
        )
        assert response.status == 200, response.body
        assert b"<Arn>arn:aws:iam::444455556666:root</Arn>" in response.body
    with store.transaction() as tx:
        assert tx.accounts.get("444455556666") is not None


@pytest.mark.parametrize(
    ("body", "query", "expected"),
    [
        (b"Action=AssumeRoleWithWebIdentity&Version=2011-06-15", "", True),
        (b"Version=2011-06-15&Action=AssumeRoleWithWebIdentity", "", True),
        (b"", "Action=AssumeRoleWithWebIdentity&Version=2011-06-15", True),
        (b"Action=AssumeRole&Version=2011-06-15", "", False),
        (b"Action=GetCallerIdentity&Version=2011-06-15", "", False),
        (b"", "", False),
    ],
)
def test_requests_that_may_wait_on_an_issuer_are_told_apart_before_parsing(
    body: bytes, query: str, expected: bool
) -> None:
    assert may_wait_on_network(body, query) is expected


def test_a_cache_only_request_that_would_write_is_handed_back_unanswered(store: Store) -> None:
    """server.inline: a request that needs the database raises NeedsDatabase instead of being
    answered on the event loop, having changed nothing; permissive mode is never tried there."""
    pipeline = _pipeline(store)
    assert not pipeline.answers_inline  # permissive mode may create accounts: always a write
    trust = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
    )
    request = _signed_form(
        {
            "Action": "CreateRole",
            "Version": "2010-05-08",
            "RoleName": "inline",
            "AssumeRolePolicyDocument": trust,
        }
    )
    with pytest.raises(NeedsDatabase):
        pipeline.handle(request, "application/x-www-form-urlencoded", None, cache_only=True)
    with store.transaction() as tx:
        assert tx.roles.get("123456789012", "inline") is None
    response = pipeline.handle(request, "application/x-www-form-urlencoded", None)
    assert response.status == 200, response.body
