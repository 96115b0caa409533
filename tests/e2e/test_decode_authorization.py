"""DecodeAuthorizationMessage: every policy denial's encoded message is in the server log next
to its request id; a caller allowed sts:DecodeAuthorizationMessage in the same account gets
AWS's JSON decision document back."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sessions import mint_role_session

from conftest_db import fresh_database_url
from harness import ACCOUNT_ID, Node, Server


@dataclass
class VerboseServer(Server):
    def command(self) -> list[str]:
        return [*super().command(), "--log-level", "info"]


@pytest.fixture(scope="module")
def verbose(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp(f"decode-{backend}")
    with fresh_database_url(backend, directory) as url:
        server = VerboseServer(directory / "data", url).start()
        try:
            yield server
        finally:
            server.stop()


TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT_ID}, "Action": "sts:AssumeRole"}
        ],
    }
)


def session_with(node: Node, *statements: dict[str, Any]) -> Any:
    root = node.client("iam")
    name = f"decoder-{uuid.uuid4().hex[:8]}"
    role = root.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]
    document = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    root.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=document)
    return mint_role_session(node, role)


def denied_request_id(call: Callable[[], Any]) -> str:
    with pytest.raises(ClientError) as info:
        call()
    assert info.value.response["Error"]["Code"] == "AccessDenied"
    return str(info.value.response["ResponseMetadata"]["RequestId"])


def encoded_message(server: Server, request_id: str) -> str:
    found = re.search(
        rf"{re.escape(request_id)} \S+ denied; encoded authorization message: (\S+)",
        server.output(),
    )
    assert found, f"no encoded message logged for {request_id}"
    return found.group(1)


def test_decoded_message_explains_the_denial(verbose: Server) -> None:
    creds = session_with(
        verbose,
        {"Sid": "ReadOnly", "Effect": "Allow", "Action": "iam:Get*", "Resource": "*"},
        {"Sid": "NoSecrets", "Effect": "Deny", "Action": "iam:GetRolePolicy", "Resource": "*"},
    )
    iam = creds.client(verbose)
    rid = denied_request_id(lambda: iam.get_role_policy(RoleName="anything", PolicyName="p"))
    decoded = verbose.client("sts").decode_authorization_message(
        EncodedMessage=encoded_message(verbose, rid)
    )
    document = json.loads(decoded["DecodedMessage"])
    assert document["allowed"] is False
    assert document["explicitDeny"] is True
    (statement,) = document["matchedStatements"]["items"]
    assert statement["statementId"] == "NoSecrets"
    assert statement["effect"] == "DENY"
    context = document["context"]
    assert context["principal"]["arn"] == creds.arn
    assert context["action"] == "iam:GetRolePolicy"
    assert context["resource"] == f"arn:aws:iam::{ACCOUNT_ID}:role/anything"
    keys = {item["key"] for item in context["conditions"]["items"]}
    assert {"aws:PrincipalArn", "aws:CurrentTime", "aws:SourceIp"} <= keys

    # An implicit deny: no statement matched, the identity policies lacked an Allow.
    rid = denied_request_id(lambda: iam.delete_role(RoleName="anything"))
    decoded = verbose.client("sts").decode_authorization_message(
        EncodedMessage=encoded_message(verbose, rid)
    )
    document = json.loads(decoded["DecodedMessage"])
    assert (document["allowed"], document["explicitDeny"]) == (False, False)
    assert document["matchedStatements"]["items"] == []
    assert document["failures"]["items"] == [{"policyType": "identity"}]


def test_decoding_needs_the_permission(verbose: Server) -> None:
    creds = session_with(verbose, {"Effect": "Allow", "Action": "iam:GetRole", "Resource": "*"})
    rid = denied_request_id(lambda: creds.client(verbose).delete_role(RoleName="x"))
    message = encoded_message(verbose, rid)
    with pytest.raises(ClientError) as info:
        creds.client(verbose, "sts").decode_authorization_message(EncodedMessage=message)
    assert info.value.response["Error"] == {
        "Type": "Sender",
        "Code": "AccessDenied",
        "Message": (
            f"User: {creds.arn} is not authorized to perform: sts:DecodeAuthorizationMessage "
            "because no identity-based policy allows the sts:DecodeAuthorizationMessage action"
        ),
    }
    allowed = session_with(
        verbose, {"Effect": "Allow", "Action": "sts:DecodeAuthorizationMessage", "Resource": "*"}
    )
    decoded = allowed.client(verbose, "sts").decode_authorization_message(EncodedMessage=message)
    assert json.loads(decoded["DecodedMessage"])["context"]["principal"]["arn"] == creds.arn


def test_forged_messages_are_invalid(verbose: Server) -> None:
    sts = verbose.client("sts")
    for forged in ("not-a-message", "A" * 200):
        with pytest.raises(ClientError) as info:
            sts.decode_authorization_message(EncodedMessage=forged)
        assert info.value.response["Error"]["Code"] == "InvalidAuthorizationMessageException"
