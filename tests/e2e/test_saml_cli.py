"""``rolegate provider add-saml`` against a running server's database, then used over the API."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from sts_helpers import trust

from saml_idp import AssertionSpec, SigningKey, metadata_document, signed_response

from harness import Server

ACCOUNT = "123456789012"
KEY = SigningKey.generate()


def test_add_saml_then_assume_a_role_with_it(
    server: Server, unique: Callable[[str], str], tmp_path: Path
) -> None:
    name = unique("CliIdp")
    issuer = f"https://{name}.example.com/saml"
    metadata = tmp_path / "idp.xml"
    metadata.write_text(metadata_document(issuer, [KEY]))
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
