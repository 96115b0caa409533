"""``rolegate provider add-saml`` against a running server's database, then used over the API."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sts_helpers import trust
from test_assume_role_with_saml import INVALID_RESPONSE
from test_roles import error_of
from test_saml_encryption import pem

from saml_idp import (
    AssertionSpec,
    SigningKey,
    encrypted_response,
    metadata_document,
    signed_response,
)

from harness import Server

ACCOUNT = "123456789012"
KEY = SigningKey.generate()


def _metadata(tmp_path: Path, name: str) -> tuple[str, Path]:
    """The issuer of an IdP named ``name`` and a file with its metadata."""
    issuer = f"https://{name}.example.com/saml"
    metadata = tmp_path / "idp.xml"
    metadata.write_text(metadata_document(issuer, [KEY]))
    return issuer, metadata


def test_add_saml_then_assume_a_role_with_it(
    server: Server, unique: Callable[[str], str], tmp_path: Path
) -> None:
    name = unique("CliIdp")
    issuer, metadata = _metadata(tmp_path, name)
    done = server.admin("provider", "add-saml", "--name", name, "--metadata-file", str(metadata))
    assert done.returncode == 0, done.stderr
    provider_arn = f"arn:aws:iam::{ACCOUNT}:saml-provider/{name}"
    assert json.loads(done.stdout) == {"SAMLProviderArn": provider_arn}

    iam = server.client("iam")
    assert iam.get_saml_provider(SAMLProviderArn=provider_arn)["SAMLMetadataDocument"] == (
        metadata.read_text()
    )
    role = iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=trust({"Federated": provider_arn}, "sts:AssumeRoleWithSAML"),
    )["Role"]
    spec = AssertionSpec(issuer=issuer, role_arn=role["Arn"], provider_arn=provider_arn)
    result = server.client("sts").assume_role_with_saml(
        RoleArn=role["Arn"], PrincipalArn=provider_arn, SAMLAssertion=signed_response(spec, KEY)
    )
    assert result["Issuer"] == issuer

    again = server.admin("provider", "add-saml", "--name", name, "--metadata-file", str(metadata))
    assert again.returncode == 1
    assert f"EntityAlreadyExists: SAMLProvider {name} already exists." in again.stderr


def test_add_saml_refuses_bad_input(
    server: Server, unique: Callable[[str], str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<EntityDescriptor/>" * 60)
    done = server.admin("provider", "add-saml", "--name", unique("x"), "--metadata-file", str(bad))
    assert (done.returncode, done.stderr.strip()) == (
        1,
        "rolegate: InvalidInput: Could not parse metadata.",
    )
    done = server.admin("provider", "add-saml", "--name", "bad name", "--metadata-file", str(bad))
    assert done.returncode == 2
    missing = tmp_path / "missing.xml"
    done = server.admin("provider", "add-saml", "--name", "ok", "--metadata-file", str(missing))
    assert done.returncode == 2 and "cannot read" in done.stderr
    done = server.admin(
        "provider", "add-saml", "--name", "ok", "--metadata-file", str(bad),
        "--account-id", "999999999999",
    )  # fmt: skip
    assert (done.returncode, done.stderr.strip()) == (1, "rolegate: no account 999999999999")


def test_add_saml_with_a_private_key_for_encrypted_assertions(
    server: Server, unique: Callable[[str], str], tmp_path: Path
) -> None:
    name = unique("CliEncIdp")
    issuer, metadata = _metadata(tmp_path, name)
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "sp-key.pem"
    key_file.write_text(pem(private))
    done = server.admin(
        "provider", "add-saml", "--name", name, "--metadata-file", str(metadata),
        "--private-key-file", str(key_file), "--assertion-encryption-mode", "Required",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    provider_arn = json.loads(done.stdout)["SAMLProviderArn"]
    iam = server.client("iam")
    got = iam.get_saml_provider(SAMLProviderArn=provider_arn)
    assert got["AssertionEncryptionMode"] == "Required" and len(got["PrivateKeyList"]) == 1
    role = iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=trust({"Federated": provider_arn}, "sts:AssumeRoleWithSAML"),
    )["Role"]
    spec = AssertionSpec(issuer=issuer, role_arn=role["Arn"], provider_arn=provider_arn)
    sts = server.client("sts")
    encrypted = encrypted_response(spec, KEY, private.public_key())
    assumed = sts.assume_role_with_saml(
        RoleArn=role["Arn"], PrincipalArn=provider_arn, SAMLAssertion=encrypted
    )
    assert assumed["Issuer"] == issuer
    with pytest.raises(ClientError) as plain:  # Required: an assertion in the clear is refused
        sts.assume_role_with_saml(
            RoleArn=role["Arn"], PrincipalArn=provider_arn, SAMLAssertion=signed_response(spec, KEY)
        )
    assert error_of(plain) == INVALID_RESPONSE


def test_add_saml_refuses_bad_keys_and_modes(
    server: Server, unique: Callable[[str], str], tmp_path: Path
) -> None:
    _, metadata = _metadata(tmp_path, "refused")
    add = ("provider", "add-saml", "--metadata-file", str(metadata))
    done = server.admin(*add, "--name", unique("x"), "--assertion-encryption-mode", "Required")
    assert (done.returncode, done.stderr.strip()) == (
        1,
        "rolegate: InvalidInput: Unable to set assertion encryption mode to Required because no "
        "private key is provided.",
    )
    not_rsa = tmp_path / "ec.pem"
    not_rsa.write_text(pem(ec.generate_private_key(ec.SECP256R1())))
    done = server.admin(*add, "--name", unique("x"), "--private-key-file", str(not_rsa))
    assert done.returncode == 1 and done.stderr.startswith("rolegate: InvalidInput: ")
    missing = tmp_path / "missing.pem"
    done = server.admin(*add, "--name", unique("x"), "--private-key-file", str(missing))
    assert done.returncode == 2 and f"cannot read {missing}" in done.stderr
    done = server.admin(*add, "--name", unique("x"), "--assertion-encryption-mode", "Sometimes")
    assert done.returncode == 2 and "invalid choice" in done.stderr
