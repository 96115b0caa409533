"""Input built to exhaust a parser, against a real server on both backends: policies nested
deeper than the JSON decoder recurses, on every way a policy comes in; SAML responses nested past
the XML parser's limit or flooded with attributes and namespace declarations (unsigned calls);
IdP metadata alike. Each gets AWS's answer for malformed input (code, status, message), never a
500, and changes nothing. (Web identity tokens: ``test_web_identity_attacks``.)
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from botocore.exceptions import ClientError
from lxml import etree
from sts_helpers import Account, allow, document, trust
from test_assume_role_with_saml import INVALID_RESPONSE, KEY, Idp, make_idp
from test_roles import error_of

from saml_idp import DS, assertion_element, metadata_document, response_element, sign

from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET, Node

MALFORMED = ("MalformedPolicyDocument", 400, "Syntax errors in policy.")
# json.loads raises RecursionError on this (the grammar never nests more than five levels) ...
NESTED = '{"Version":"2012-10-17","Statement":' + "[" * 5000 + "]" * 5000 + "}"
# ... takes this one, which the grammar then refuses ...
CONDITION = {"StringEquals": {"aws:username": "a"}}
NESTED_VALUE = document(allow("s3:*", Condition=CONDITION)).replace('"a"', "[" * 600 + "]" * 600)
# ... and this fits a session policy's 2,048 characters and never closes.
UNCLOSED = '{"Version":"2012-10-17","Statement":' + "[" * 2000
BAD_METADATA = ("InvalidInput", 400, "Could not parse metadata.")


def refused(call: Callable[[], Any]) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        call()
    return error_of(caught)


def test_nested_policies_written_through_iam(node: Node, unique: Callable[[str], str]) -> None:
    iam = node.client("iam")
    name = unique("nested")
    trusted = trust({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"})
    for text in (NESTED, NESTED_VALUE):
        assert (
            refused(partial(iam.create_role, RoleName=name, AssumeRolePolicyDocument=text))
            == MALFORMED
        )
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trusted)
    iam.create_user(UserName=name)
    for text in (NESTED, NESTED_VALUE):
        calls = (
            lambda t=text: iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=t),
            lambda t=text: iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=t),
            lambda t=text: iam.update_assume_role_policy(RoleName=name, PolicyDocument=t),
            lambda t=text: iam.create_policy(PolicyName=name, PolicyDocument=t),
        )
        for call in calls:
            assert refused(call) == MALFORMED
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == []
    assert iam.list_user_policies(UserName=name)["PolicyNames"] == []
    assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]["Statement"][0][
        "Principal"
    ] == {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_policy(PolicyArn=f"arn:aws:iam::{ACCOUNT_ID}:policy/{name}")


def test_nested_session_policies(node: Node) -> None:
    account = Account(node, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    user = account.user(document(allow(["sts:AssumeRole", "sts:GetFederationToken"])))
    role = account.role(trust({"AWS": user.arn}))
    sts = user.client()
    for text in (UNCLOSED, NESTED_VALUE):
        assert (
            refused(
                partial(sts.assume_role, RoleArn=role["Arn"], RoleSessionName="deep", Policy=text)
            )
            == MALFORMED
        )
        assert refused(partial(sts.get_federation_token, Name="deep", Policy=text)) == (MALFORMED)


@pytest.fixture
def idp(node: Node) -> Idp:
    return make_idp(node)


def _signed_response(idp: Idp, change: Callable[[etree._Element], None]) -> bytes:
    spec = idp.spec()
    assertion = sign(assertion_element(spec), KEY)
    change(assertion)
    return bytes(etree.tostring(response_element(spec, assertion)))


def _signed_info(assertion: etree._Element) -> etree._Element:
    found = assertion.find(f"{{{DS}}}Signature/{{{DS}}}SignedInfo")
    assert found is not None
    return found


def test_saml_responses_built_to_exhaust_the_parser(idp: Idp) -> None:
    """Unsigned calls, each fitting the SAMLAssertion parameter (100,000 characters). Work on
    an element grows with the square of its attributes: the 7,000 on SignedInfo cost 0.13 s of
    CPU before the bound, ~8 ms now (``saml_xml``)."""

    def flood_attributes(assertion: etree._Element) -> None:
        for number in range(7_000):
            _signed_info(assertion).set(f"a{number}", "")

    namespaces = " ".join(f'xmlns:p{number}="u"' for number in range(4_000)).encode()
    flooded_namespaces = _signed_response(idp, lambda _: None).replace(
        b"<ds:SignedInfo", b"<ds:SignedInfo " + namespaces, 1
    )
    plain = _signed_response(idp, lambda _: None)
    deep = b"<x>" * 300 + b"</x>" * 300  # libxml2 stops at 256 levels (signxml signs no deeper)
    for label, data in {
        "attributes": _signed_response(idp, flood_attributes),
        "namespaces": flooded_namespaces,
        "nested": plain.replace(b"</saml:Issuer>", b"</saml:Issuer>" + deep, 1),
        "never closed": b"<x>" * 24_000,
        "deflated": zlib.compress(plain)[2:-4],
    }.items():
        encoded = base64.b64encode(data).decode()
        assert len(encoded) <= 100_000, label
        assert idp.refused(encoded) == INVALID_RESPONSE, label
    idp.assume(base64.b64encode(plain).decode())  # the genuine response still works


def test_saml_metadata_built_to_exhaust_the_parser(
    node: Node, unique: Callable[[str], str]
) -> None:
    iam = node.client("iam")
    metadata = metadata_document(f"https://{unique('idp')}.example.com", [KEY])
    flooded = metadata.replace(
        "<md:EntityDescriptor ",
        "<md:EntityDescriptor " + " ".join(f'a{n}=""' for n in range(100_000)) + " ",
        1,
    )
    nested = metadata.replace("</md:IDPSSODescriptor>", "<x>" * 300 + "</md:IDPSSODescriptor>")
    for text in (flooded, nested, "<x>" * 300_000):
        assert (
            refused(partial(iam.create_saml_provider, Name=unique("p"), SAMLMetadataDocument=text))
            == BAD_METADATA
        )
    assert iam.create_saml_provider(Name=unique("p"), SAMLMetadataDocument=metadata)
