"""SAML encrypted assertions end to end (boto3, SQLite and PostgreSQL): a provider's private keys
(at most two, for rotation; never answered) and its mode, then AssumeRoleWithSAML with
assertions the test IdP encrypts (RSA-OAEP + AES-GCM or AES-CBC). Every refusal names the code,
HTTP status and message it gets.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree
from test_assume_role_with_saml import INVALID_RESPONSE, KEY, Idp, make_idp
from test_roles import error_of

from saml_idp import (
    SAML,
    XENC,
    Encryption,
    encode,
    encrypted_response,
    metadata_document,
    signed_response,
)

from harness import Node, Server

ACCOUNT = "123456789012"
FIRST = rsa.generate_private_key(public_exponent=65537, key_size=2048)
SECOND = rsa.generate_private_key(public_exponent=65537, key_size=2048)
THIRD = rsa.generate_private_key(public_exponent=65537, key_size=2048)
METADATA = metadata_document("https://idp.example.com/saml", [KEY])
NO_PRIVATE_KEY = (
    "InvalidInput",
    400,
    "Unable to set assertion encryption mode to Required because no private key is provided.",
)


def pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def refused(call: Callable[[], Any]) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        call()
    return error_of(caught)


def key_ids(iam: Any, arn: str) -> list[str]:
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert "PRIVATE KEY" not in repr(got)  # never the key itself
    return [entry["KeyId"] for entry in got["PrivateKeyList"]]


def test_private_keys_rotation_and_mode(iam: Any, unique: Callable[[str], str]) -> None:
    name = unique("Encrypted")
    arn = iam.create_saml_provider(
        Name=name,
        SAMLMetadataDocument=METADATA,
        AssertionEncryptionMode="Required",
        AddPrivateKey=pem(FIRST),
    )["SAMLProviderArn"]
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["AssertionEncryptionMode"] == "Required"
    [entry] = got["PrivateKeyList"]
    assert set(entry) == {"KeyId", "Timestamp"}
    assert 22 <= len(entry["KeyId"]) <= 64 and entry["KeyId"].isalnum()
    assert entry["KeyId"].isupper() and entry["KeyId"] != got["SAMLProviderUUID"]
    assert abs((entry["Timestamp"] - got["CreateDate"]).total_seconds()) < 5
    first_id = entry["KeyId"]

    iam.update_saml_provider(SAMLProviderArn=arn, AddPrivateKey=pem(SECOND))
    ids = key_ids(iam, arn)
    assert len(ids) == 2 and ids[0] == first_id
    assert refused(lambda: iam.update_saml_provider(SAMLProviderArn=arn, AddPrivateKey=pem(THIRD)))[
        :2
    ] == ("LimitExceeded", 409)
    unknown = "X" * 26
    assert refused(lambda: iam.update_saml_provider(SAMLProviderArn=arn, RemovePrivateKey=unknown))[
        :2
    ] == ("InvalidInput", 400)
    assert refused(
        lambda: iam.update_saml_provider(
            SAMLProviderArn=arn, AddPrivateKey=pem(THIRD), RemovePrivateKey=first_id
        )
    )[:2] == ("InvalidInput", 400)
    assert key_ids(iam, arn) == ids  # nothing changed

    iam.update_saml_provider(SAMLProviderArn=arn, RemovePrivateKey=first_id)
    assert key_ids(iam, arn) == ids[1:]
    # the last key cannot go while the mode is Required; with Allowed it can
    assert refused(lambda: iam.update_saml_provider(SAMLProviderArn=arn, RemovePrivateKey=ids[1]))[
        :2
    ] == ("InvalidInput", 400)
    iam.update_saml_provider(
        SAMLProviderArn=arn, AssertionEncryptionMode="Allowed", RemovePrivateKey=ids[1]
    )
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert (got["AssertionEncryptionMode"], got["PrivateKeyList"]) == ("Allowed", [])
    assert (
        refused(
            lambda: iam.update_saml_provider(
                SAMLProviderArn=arn, AssertionEncryptionMode="Required"
            )
        )
        == NO_PRIVATE_KEY
    )
    iam.delete_saml_provider(SAMLProviderArn=arn)


def test_refused_keys_and_modes(iam: Any, unique: Callable[[str], str]) -> None:
    assert (
        refused(
            lambda: iam.create_saml_provider(
                Name=unique("x"), SAMLMetadataDocument=METADATA, AssertionEncryptionMode="Required"
            )
        )
        == NO_PRIVATE_KEY
    )
    for bad in (pem(ec.generate_private_key(ec.SECP256R1())), "-----BEGIN PRIVATE KEY-----"):
        assert (
            refused(
                lambda bad=bad: iam.create_saml_provider(  # type: ignore[misc]
                    Name=unique("x"), SAMLMetadataDocument=METADATA, AddPrivateKey=bad
                )
            )[:2]
            == ("InvalidInput", 400)
        )
    # wire rules of the model: a KeyId of 22 to 64 upper-case letters and digits
    name = unique("Plain")
    arn = iam.create_saml_provider(Name=name, SAMLMetadataDocument=METADATA)["SAMLProviderArn"]
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert (got["AssertionEncryptionMode"], got["PrivateKeyList"]) == ("Allowed", [])
    assert refused(lambda: iam.update_saml_provider(SAMLProviderArn=arn, RemovePrivateKey="short"))[
        :2
    ] == ("ValidationError", 400)
    # a private key alone is an update
    iam.update_saml_provider(SAMLProviderArn=arn, AddPrivateKey=pem(FIRST))
    assert len(key_ids(iam, arn)) == 1


@pytest.fixture
def encrypted_idp(node: Node) -> Idp:
    idp = make_idp(node)
    node.client("iam").update_saml_provider(
        SAMLProviderArn=idp.provider_arn, AddPrivateKey=pem(FIRST)
    )
    return idp


@pytest.mark.parametrize(
    "how",
    [
        Encryption(data="aes128-gcm"),
        Encryption(data="aes256-gcm", transport="rsa-oaep", digest="sha256", mgf="sha256"),
        Encryption(data="aes128-cbc", digest="sha256"),
        Encryption(data="aes256-cbc", key_inside=False),
    ],
    ids=lambda how: how.data,
)
def test_encrypted_assertions_are_accepted(encrypted_idp: Idp, how: Encryption) -> None:
    idp = encrypted_idp
    spec = idp.spec()
    result = idp.assume(encrypted_response(spec, KEY, FIRST.public_key(), how))
    assert result["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert result["Subject"] == spec.subject and result["Issuer"] == idp.issuer
    # signed at the Response, over the encrypted assertion
    idp.assume(encrypted_response(idp.spec(), KEY, FIRST.public_key(), how, where="response"))


def test_modes_and_wrong_keys(node: Node, encrypted_idp: Idp) -> None:
    idp, iam = encrypted_idp, node.client("iam")
    # Allowed: plain and encrypted
    idp.assume(signed_response(idp.spec(), KEY))
    idp.assume(encrypted_response(idp.spec(), KEY, FIRST.public_key()))
    # a key the provider does not hold
    assert idp.refused(encrypted_response(idp.spec(), KEY, THIRD.public_key())) == INVALID_RESPONSE
    # Required: plain refused, encrypted accepted
    iam.update_saml_provider(SAMLProviderArn=idp.provider_arn, AssertionEncryptionMode="Required")
    assert idp.refused(signed_response(idp.spec(), KEY)) == INVALID_RESPONSE
    idp.assume(encrypted_response(idp.spec(), KEY, FIRST.public_key()))
    # rotation: either key while both are held, then only the new one
    iam.update_saml_provider(SAMLProviderArn=idp.provider_arn, AddPrivateKey=pem(SECOND))
    idp.assume(encrypted_response(idp.spec(), KEY, SECOND.public_key()))
    idp.assume(encrypted_response(idp.spec(), KEY, FIRST.public_key()))
    first_id = key_ids(iam, idp.provider_arn)[0]
    iam.update_saml_provider(SAMLProviderArn=idp.provider_arn, RemovePrivateKey=first_id)
    assert idp.refused(encrypted_response(idp.spec(), KEY, FIRST.public_key())) == INVALID_RESPONSE
    idp.assume(encrypted_response(idp.spec(), KEY, SECOND.public_key()))


@pytest.mark.parametrize("data", ["aes256-gcm", "aes128-cbc"])
def test_a_tampered_ciphertext_is_refused(encrypted_idp: Idp, data: str) -> None:
    idp = encrypted_idp
    encoded = encrypted_response(idp.spec(), KEY, FIRST.public_key(), Encryption(data=data))
    response = etree.fromstring(base64.b64decode(encoded))
    value = response.find(
        f"{{{SAML}}}EncryptedAssertion/{{{XENC}}}EncryptedData/{{{XENC}}}CipherData/"
        f"{{{XENC}}}CipherValue"
    )
    assert value is not None and value.text is not None
    ciphertext = bytearray(base64.b64decode(value.text))
    ciphertext[-20] ^= 0x80
    value.text = base64.b64encode(bytes(ciphertext)).decode("ascii")
    # GCM: the tag fails; CBC: the changed plaintext breaks the XML or the signature; one answer
    assert idp.refused(encode(response)) == INVALID_RESPONSE


def test_through_a_serve_process_and_the_aws_cli(server: Server, tmp_path: Path) -> None:
    """The key uploaded with the AWS CLI to a ``rolegate serve`` process, sealed there, decrypts
    the assertion boto3 then sends to it."""
    idp = make_idp(server)
    key_file = tmp_path / "decrypt.pem"
    key_file.write_text(pem(SECOND))
    server.aws_json(
        "iam",
        "update-saml-provider",
        "--saml-provider-arn",
        idp.provider_arn,
        "--add-private-key",
        f"file://{key_file}",
        "--assertion-encryption-mode",
        "Required",
    )
    got = server.aws_json("iam", "get-saml-provider", "--saml-provider-arn", idp.provider_arn)
    assert got["AssertionEncryptionMode"] == "Required" and len(got["PrivateKeyList"]) == 1
    assert "PRIVATE KEY" not in repr(got)
    spec = idp.spec(session_name="cli-user")
    result = idp.assume(encrypted_response(spec, KEY, SECOND.public_key(), where="both"))
    assert result["AssumedRoleUser"]["Arn"].endswith(f"/{idp.role_name}/cli-user")
    assert idp.refused(signed_response(idp.spec(), KEY)) == INVALID_RESPONSE
