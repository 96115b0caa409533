"""IAM OpenID Connect provider entities through boto3 and the AWS CLI, on both backends, with the
documented errors (id_roles_providers_create_oidc.md, reference_iam-quotas.md)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from harness import Node, Server

pytestmark = pytest.mark.e2e
ACCOUNT = "123456789012"
PRINT = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"


def error_of(call: Any, **kw: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call(**kw)
    err = caught.value.response
    return err["Error"]["Code"], err["Error"]["Message"], err["ResponseMetadata"]["HTTPStatusCode"]


def test_lifecycle(iam: Any, unique: Callable[[str], str]) -> None:
    host = f"{unique('idp')}.example.com/tenant"
    created = iam.create_open_id_connect_provider(
        Url=f"https://{host}",
        ClientIDList=["sts.amazonaws.com", "app", "app"],
        ThumbprintList=[PRINT.upper()],
        Tags=[{"Key": "team", "Value": "blue"}],
    )
    arn = created["OpenIDConnectProviderArn"]
    assert arn == f"arn:aws:iam::{ACCOUNT}:oidc-provider/{host}"
    assert created["Tags"] == [{"Key": "team", "Value": "blue"}]
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["Url"] == host
    assert got["ClientIDList"] == ["sts.amazonaws.com", "app"]
    assert got["ThumbprintList"] == [PRINT]
    assert got["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert got["CreateDate"].tzinfo is not None
    listed = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    assert {"Arn": arn} in listed

    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="new")
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="new")
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="app")
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="x")
    iam.update_open_id_connect_provider_thumbprint(
        OpenIDConnectProviderArn=arn, ThumbprintList=["a" * 40, "b" * 40]
    )
    iam.tag_open_id_connect_provider(
        OpenIDConnectProviderArn=arn,
        Tags=[{"Key": "TEAM", "Value": "red"}, {"Key": "k", "Value": ""}],
    )
    iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=["K"])
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["ClientIDList"] == ["sts.amazonaws.com", "new"]
    assert got["ThumbprintList"] == ["a" * 40, "b" * 40]
    tags = iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn)
    assert tags["Tags"] == [{"Key": "TEAM", "Value": "red"}] and not tags["IsTruncated"]

    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    missing = f"OpenId connect Provider {arn} cannot be found."
    for call in (
        iam.get_open_id_connect_provider,
        iam.delete_open_id_connect_provider,
        iam.list_open_id_connect_provider_tags,
    ):
        assert error_of(call, OpenIDConnectProviderArn=arn) == ("NoSuchEntity", missing, 404)
    assert error_of(
        iam.add_client_id_to_open_id_connect_provider, OpenIDConnectProviderArn=arn, ClientID="c"
    ) == ("NoSuchEntity", missing, 404)
    assert {"Arn": arn} not in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]


def test_url_rules_and_duplicates(iam: Any, unique: Callable[[str], str]) -> None:
    host = f"{unique('dup')}.example.com"
    iam.create_open_id_connect_provider(Url=f"https://{host}")
    assert error_of(iam.create_open_id_connect_provider, Url=f"https://{host}") == (
        "EntityAlreadyExists",
        f"Provider with url https://{host} already exists.",
        409,
    )
    # The URL is case-sensitive: another case is another provider.
    iam.create_open_id_connect_provider(Url=f"https://{host.upper()}")
    for bad in (
        f"http://{host}",
        host,
        f"HTTPS://{host}x",
        "https://",
        f"https://{host}/p?q=1",
        f"https://{host}/p#frag",
        f"https://user@{host}",
        f"https://{host}:notaport",
    ):
        code, message, status = error_of(iam.create_open_id_connect_provider, Url=bad)
        assert (code, message, status) == (
            "InvalidInput",
            "Invalid Open ID Connect Provider URL",
            400,
        ), bad


def test_limits(iam: Any, unique: Callable[[str], str]) -> None:
    url = f"https://{unique('lim')}.example.com"
    assert error_of(
        iam.create_open_id_connect_provider,
        Url=url,
        ClientIDList=[f"c{i}" for i in range(101)],
    ) == (
        "LimitExceeded",
        "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100",
        409,
    )
    assert error_of(
        iam.create_open_id_connect_provider, Url=url, ThumbprintList=[c * 40 for c in "abcdef"]
    ) == ("InvalidInput", "Thumbprint list must contain fewer than 5 entries.", 400)
    code, _, status = error_of(iam.create_open_id_connect_provider, Url=url, ThumbprintList=["a"])
    assert (code, status) == ("ValidationError", 400)  # the wire: exactly 40 characters
    assert error_of(iam.create_open_id_connect_provider, Url=url, ThumbprintList=["g" * 40]) == (
        "InvalidInput",
        f"Thumbprint {'g' * 40} is not a valid SHA-1 hex fingerprint.",
        400,
    )
    arn = iam.create_open_id_connect_provider(Url=url, ClientIDList=[f"c{i}" for i in range(100)])[
        "OpenIDConnectProviderArn"
    ]
    assert error_of(
        iam.add_client_id_to_open_id_connect_provider, OpenIDConnectProviderArn=arn, ClientID="x"
    ) == ("LimitExceeded", "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100", 409)
    assert (
        error_of(
            iam.update_open_id_connect_provider_thumbprint,
            OpenIDConnectProviderArn=arn,
            ThumbprintList=[c * 40 for c in "abcdef"],
        )[0]
        == "InvalidInput"
    )
    # Nothing was half-written.
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert len(got["ClientIDList"]) == 100 and got["ThumbprintList"] == []
    bad_arn = "arn:aws:iam::123456789012:role/not-a-provider"
    assert error_of(iam.get_open_id_connect_provider, OpenIDConnectProviderArn=bad_arn) == (
        "InvalidInput",
        f"ARN {bad_arn} is not valid.",
        400,
    )


def test_aws_cli(server: Server, unique: Callable[[str], str]) -> None:
    host = f"{unique('cli')}.example.com"
    created = server.aws_json(
        "iam",
        "create-open-id-connect-provider",
        "--url",
        f"https://{host}",
        "--client-id-list",
        "sts.amazonaws.com",
        "--thumbprint-list",
        PRINT,
    )
    arn = created["OpenIDConnectProviderArn"]
    got = server.aws_json(
        "iam", "get-open-id-connect-provider", "--open-id-connect-provider-arn", arn
    )
    assert got["Url"] == host and got["ThumbprintList"] == [PRINT]
    listed = server.aws_json("iam", "list-open-id-connect-providers")
    assert {"Arn": arn} in listed["OpenIDConnectProviderList"]


def test_concurrent_client_id_changes_lose_nothing(
    node: Node, unique: Callable[[str], str]
) -> None:
    """Client ids live in one row: concurrent adds must not overwrite each other (the row is
    locked for the change), and at the quota exactly the free places are filled."""
    iam = node.client("iam")
    arn = iam.create_open_id_connect_provider(
        Url=f"https://{unique('race')}.example.com",
        ClientIDList=[f"base{i}" for i in range(90)],
    )["OpenIDConnectProviderArn"]
    clients = [node.client("iam") for _ in range(8)]

    def add(i: int) -> str:
        try:
            clients[i % 8].add_client_id_to_open_id_connect_provider(
                OpenIDConnectProviderArn=arn, ClientID=f"new{i}"
            )
        except ClientError as error:
            return str(error.response["Error"]["Code"])
        return "ok"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(add, range(16)))
    assert outcomes.count("ok") == 10 and outcomes.count("LimitExceeded") == 6, outcomes
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ClientIDList"]
    added = {f"new{i}" for i, outcome in enumerate(outcomes) if outcome == "ok"}
    assert len(got) == 100 and added <= set(got)
