"""SAML identity providers end to end (boto3, one AWS CLI round trip) on SQLite and PostgreSQL.

Each bad input names the answer it gets: code, HTTP status and message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sts_helpers import new_account
from test_roles import error_of

from saml_idp import SigningKey, metadata_document

from harness import Node, Server

ACCOUNT = "123456789012"
KEY = SigningKey.generate()
OTHER_KEY = SigningKey.generate("other")
METADATA = metadata_document("https://idp.example.com/saml", [KEY], "2035-01-01T00:00:00Z")


def arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:saml-provider/{name}"


def test_create_get_list_update_delete(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("Corp")
    before = datetime.now(UTC) - timedelta(seconds=2)
    created = iam.create_saml_provider(
        Name=name, SAMLMetadataDocument=METADATA, Tags=[{"Key": "team", "Value": "id"}]
    )
    assert created["SAMLProviderArn"] == arn(name)
    assert created["Tags"] == [{"Key": "team", "Value": "id"}]

    got = iam.get_saml_provider(SAMLProviderArn=arn(name))
    assert got["SAMLMetadataDocument"] == METADATA
    assert before <= got["CreateDate"] <= datetime.now(UTC) + timedelta(seconds=2)
    assert got["ValidUntil"] == datetime(2035, 1, 1, tzinfo=UTC)
    assert got["Tags"] == [{"Key": "team", "Value": "id"}]
    assert len(got["SAMLProviderUUID"]) >= 22 and got["SAMLProviderUUID"].isupper()

    listed = {p["Arn"]: p for p in iam.list_saml_providers()["SAMLProviderList"]}
    assert listed[arn(name)]["ValidUntil"] == datetime(2035, 1, 1, tzinfo=UTC)
    assert listed[arn(name)]["CreateDate"] == got["CreateDate"]

    new_metadata = metadata_document("https://idp.example.com/saml", [OTHER_KEY])
    updated = iam.update_saml_provider(SAMLProviderArn=arn(name), SAMLMetadataDocument=new_metadata)
    assert updated["SAMLProviderArn"] == arn(name)
    got = iam.get_saml_provider(SAMLProviderArn=arn(name))
    assert got["SAMLMetadataDocument"] == new_metadata
    # the new document has no validUntil: 100 years after the provider's creation
    assert got["ValidUntil"].year == got["CreateDate"].year + 100

    iam.delete_saml_provider(SAMLProviderArn=arn(name))
    assert arn(name) not in {p["Arn"] for p in iam.list_saml_providers()["SAMLProviderList"]}
    with pytest.raises(ClientError) as caught:
        iam.get_saml_provider(SAMLProviderArn=arn(name))
    assert error_of(caught) == ("NoSuchEntity", 404, f"Manifest not found for arn {arn(name)}")


def test_tags(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("Tagged")
    iam.create_saml_provider(Name=name, SAMLMetadataDocument=METADATA)
    iam.tag_saml_provider(
        SAMLProviderArn=arn(name),
        Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}],
    )
    iam.tag_saml_provider(SAMLProviderArn=arn(name), Tags=[{"Key": "A", "Value": "3"}])
    tags = iam.list_saml_provider_tags(SAMLProviderArn=arn(name))
    assert tags["Tags"] == [{"Key": "A", "Value": "3"}, {"Key": "b", "Value": "2"}]
    assert tags["IsTruncated"] is False
    page = iam.list_saml_provider_tags(SAMLProviderArn=arn(name), MaxItems=1)
    assert page["IsTruncated"] is True and page["Tags"] == [{"Key": "A", "Value": "3"}]
    iam.untag_saml_provider(SAMLProviderArn=arn(name), TagKeys=["a", "missing"])
    assert iam.list_saml_provider_tags(SAMLProviderArn=arn(name))["Tags"] == [
        {"Key": "b", "Value": "2"}
    ]
    many = [{"Key": f"k{i}", "Value": "v"} for i in range(50)]
    with pytest.raises(ClientError) as caught:
        iam.tag_saml_provider(SAMLProviderArn=arn(name), Tags=many)
    assert error_of(caught) == (
        "LimitExceeded",
        409,
        "The number of tags has reached the maximum limit.",
    )
    with pytest.raises(ClientError) as caught:
        iam.tag_saml_provider(
            SAMLProviderArn=arn(name), Tags=[{"Key": "x", "Value": "1"}, {"Key": "X", "Value": "2"}]
        )
    assert error_of(caught)[:2] == ("InvalidInput", 400)


def test_documented_errors(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("Errors")
    iam.create_saml_provider(Name=name, SAMLMetadataDocument=METADATA)
    cases = [
        # the same name, any case
        (
            lambda: iam.create_saml_provider(Name=name.upper(), SAMLMetadataDocument=METADATA),
            ("EntityAlreadyExists", 409, f"SAMLProvider {name.upper()} already exists."),
        ),
        # a document that is long enough but no metadata
        (
            lambda: iam.create_saml_provider(Name=unique("x"), SAMLMetadataDocument="<a/>" * 300),
            ("InvalidInput", 400, "Could not parse metadata."),
        ),
        # a DTD with an external entity in metadata
        (
            lambda: iam.create_saml_provider(
                Name=unique("x"),
                SAMLMetadataDocument='<!DOCTYPE m [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                + METADATA.split("?>", 1)[1],
            ),
            ("InvalidInput", 400, "Could not parse metadata."),
        ),
        (
            lambda: iam.update_saml_provider(
                SAMLProviderArn=arn(name), SAMLMetadataDocument="<a/>" * 300
            ),
            ("InvalidInput", 400, "Could not parse metadata."),
        ),
        (
            lambda: iam.update_saml_provider(SAMLProviderArn=arn(name)),
            (
                "InvalidInput",
                400,
                "Unable to update identity provider. No updates are defined for metadata or "
                "encryption assertion.",
            ),
        ),
        (
            lambda: iam.delete_saml_provider(SAMLProviderArn=arn(unique("missing"))),
            ("NoSuchEntity", 404, None),
        ),
        (
            lambda: iam.get_saml_provider(SAMLProviderArn="arn:aws:iam::123456789012:role/x"),
            ("InvalidInput", 400, "ARN arn:aws:iam::123456789012:role/x is not valid."),
        ),
        # wire shape rules from the iam model
        (
            lambda: iam.create_saml_provider(Name=unique("x"), SAMLMetadataDocument="<a/>"),
            ("ValidationError", 400, None),
        ),
        (
            lambda: iam.create_saml_provider(Name="bad name", SAMLMetadataDocument=METADATA),
            ("ValidationError", 400, None),
        ),
    ]
    call: Callable[[], Any]
    for call, (code, status, message) in cases:
        with pytest.raises(ClientError) as caught:
            call()
        got = error_of(caught)
        assert got[:2] == (code, status), got
        if message is not None:
            assert got[2] == message
    # nothing half-written: the failed update left the document as it was
    assert iam.get_saml_provider(SAMLProviderArn=arn(name))["SAMLMetadataDocument"] == METADATA


def test_another_accounts_provider_is_not_found(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    other = new_account(node)
    name = unique("Theirs")
    other.client().create_saml_provider(Name=name, SAMLMetadataDocument=METADATA)
    theirs = f"arn:aws:iam::{other.account_id}:saml-provider/{name}"
    with pytest.raises(ClientError) as caught:
        iam.get_saml_provider(SAMLProviderArn=theirs)
    assert error_of(caught) == ("NoSuchEntity", 404, f"Manifest not found for arn {theirs}")


def test_aws_cli_create_and_list(
    server: Server, unique: Callable[[str], str], tmp_path: Path
) -> None:
    name = unique("Cli")
    path = tmp_path / "metadata.xml"
    path.write_text(METADATA)
    created = server.aws_json(
        "iam", "create-saml-provider", "--name", name, "--saml-metadata-document", f"file://{path}"
    )
    assert created["SAMLProviderArn"] == arn(name)
    listed = server.aws_json("iam", "list-saml-providers")["SAMLProviderList"]
    assert arn(name) in {p["Arn"] for p in listed}


def test_racing_creates_of_one_name_exactly_one_wins(
    iam: Any, unique: Callable[[str], str]
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    name = unique("Race")

    def create(_: int) -> str:
        try:
            iam.create_saml_provider(Name=name, SAMLMetadataDocument=METADATA)
            return "created"
        except ClientError as error:
            return str(error.response["Error"]["Code"])

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(create, range(4)))
    assert outcomes == ["EntityAlreadyExists"] * 3 + ["created"]
