"""What a signature covers (issue 13, findings 6 and 7), with botocore-signed requests.

6. The credential scope names a service and a region: IAM takes ``iam`` in ``us-east-1`` only
   (it is global), STS takes ``sts`` in any AWS region; anything else is AWS's
   ``SignatureDoesNotMatch`` (403) with AWS's message, before the key is looked up.
7. A presigned URL whose payload is ``UNSIGNED-PAYLOAD`` covers no body: parameters added in a
   body are refused instead of merged with the signed query.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from harness import ROOT_KEY_ID, ROOT_SECRET, Server
from signing import Reply, send, signed

LIST_ROLES = {"Action": "ListRoles", "Version": "2010-05-08"}
CALLER = {"Action": "GetCallerIdentity", "Version": "2011-06-15"}
MISMATCH = "The request signature we calculated does not match the signature you provided."


def post(server: Server, params: dict[str, str], **kw: Any) -> Reply:
    url, body, headers = signed(server.endpoint, params, **kw)
    return send(url, body=body, headers=headers)


@pytest.mark.parametrize(
    ("params", "service", "region", "message"),
    [
        (LIST_ROLES, "s3", "us-east-1", "Credential should be scoped to correct service: 'iam'. "),
        (LIST_ROLES, "ec2", "us-east-1", "Credential should be scoped to correct service: 'iam'. "),
        (CALLER, "s3", "us-east-1", "Credential should be scoped to correct service: 'sts'. "),
        (
            LIST_ROLES,
            "iam",
            "eu-west-1",
            "Credential should be scoped to a valid region, not 'eu-west-1'. ",
        ),
        (
            LIST_ROLES,
            "iam",
            "zz-fake-9",
            "Credential should be scoped to a valid region, not 'zz-fake-9'. ",
        ),
        (CALLER, "sts", "zz-fake-9", "Credential should be scoped to a valid region. "),
        (
            LIST_ROLES,
            "ec2",
            "zz-fake-9",
            "Credential should be scoped to a valid region, not 'zz-fake-9'. "
            "Credential should be scoped to correct service: 'iam'. ",
        ),
    ],
)
def test_a_scope_the_service_does_not_take_is_signature_does_not_match(
    server: Server, params: dict[str, str], service: str, region: str, message: str
) -> None:
    reply = post(server, params, service=service, region=region)
    assert (reply.status, reply.find("Code"), reply.find("Message")) == (
        403,
        "SignatureDoesNotMatch",
        message,
    )
    # The same for a key nobody knows: the scope is checked before the key is looked up.
    unknown = post(server, params, service=service, region=region, key_id="AKIANOBODYKNOWS00000")
    assert (unknown.status, unknown.find("Message")) == (403, message)


def test_iam_takes_us_east_1_and_sts_any_aws_region(server: Server) -> None:
    assert post(server, LIST_ROLES, region="us-east-1").status == 200
    for region in ("us-east-1", "eu-west-1", "ap-southeast-2", "me-central-1", "us-gov-west-1"):
        reply = post(server, CALLER, service="sts", region=region)
        assert (reply.status, reply.find("Account")) == (200, "123456789012"), region


def test_sdk_clients_sign_iam_in_their_own_region_so_iam_clients_use_us_east_1(
    server: Server,
) -> None:
    """With ``endpoint_url``, botocore signs IAM in the client's region (README.md,
    "Authentication")."""
    with pytest.raises(ClientError) as raised:
        server.client("iam", region_name="eu-west-1").list_roles()
    error = raised.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "SignatureDoesNotMatch",
        "Credential should be scoped to a valid region, not 'eu-west-1'. ",
    )
    sts = server.client("sts", region_name="eu-west-1")
    assert sts.get_caller_identity()["Account"] == "123456789012"


def unsigned_payload_url(server: Server, params: dict[str, str]) -> str:
    """A URL presigned by botocore's presigner for payloads unknown when it signs."""
    request = AWSRequest(method="POST", url=f"{server.endpoint}/?{urllib.parse.urlencode(params)}")
    S3SigV4QueryAuth(Credentials(ROOT_KEY_ID, ROOT_SECRET), "iam", "us-east-1", 300).add_auth(
        request
    )
    return str(request.url)


def test_parameters_added_in_the_body_of_an_unsigned_payload_url_are_refused(
    server: Server, unique: Any
) -> None:
    url = unsigned_payload_url(server, {**LIST_ROLES, "MaxItems": "1"})
    unsigned = {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}
    as_signed = send(url, method="POST", headers=unsigned)
    assert as_signed.status == 200, as_signed.body
    form = {**unsigned, "Content-Type": "application/x-www-form-urlencoded"}
    added = send(url, method="POST", body=b"PathPrefix=%2Fnowhere%2F", headers=form)
    assert (added.status, added.find("Code")) == (403, "SignatureDoesNotMatch")
    assert (added.find("Message") or "").startswith(MISMATCH)
    # A mutation gains nothing either: the user the URL names is not created with a new path.
    name = unique("presigned")
    create = unsigned_payload_url(
        server, {"Action": "CreateUser", "Version": "2010-05-08", "UserName": name}
    )
    refused = send(create, method="POST", body=b"Path=%2Fplanted%2F", headers=form)
    assert (refused.status, refused.find("Code")) == (403, "SignatureDoesNotMatch")
    iam = server.client("iam")
    assert name not in {user["UserName"] for user in iam.list_users()["Users"]}
