"""No secret reaches the audit trail, on both backends: every operation that carries or issues
one is called with (or answers) a value that must then appear nowhere, neither in a stored
record nor in the JSON-lines stream (``--audit-log``). Passwords are canaries the test chooses;
secrets the server makes (secret keys, session tokens, service passwords, MFA seeds, tokens)
are taken from its answers; the private keys are the ones uploaded (a server certificate's, a
SAML provider's). docs/audit.md, "Secrets".
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from audit_helpers import lookup
from botocore.exceptions import ClientError
from in_process import InProcessNode
from server_cert_helpers import bundle
from sts_helpers import allow, document, temporary_client, trust

from rolegate.audit import HIDDEN
from rolegate.store.schema_audit import audit_events
from saml_idp import SigningKey, metadata_document

from harness import ACCOUNT_ID


def _canary(label: str) -> str:
    return f"Canary-{label}-{uuid.uuid4().hex}!Aa1"


def test_no_secret_is_recorded_or_streamed(
    start_node: Callable[..., InProcessNode], tmp_path: Path
) -> None:
    stream = tmp_path / "audit.jsonl"
    node = start_node(audit_log=str(stream))
    iam, sts = node.client("iam"), node.client("sts")
    secrets: list[str] = []

    # passwords: a login profile created and updated, then changed by its user
    iam.update_account_password_policy(MinimumPasswordLength=8, AllowUsersToChangePassword=True)
    iam.create_user(UserName="walter")
    first, second, third = _canary("create"), _canary("update"), _canary("change")
    secrets += [first, second, third]
    iam.create_login_profile(UserName="walter", Password=first)
    iam.update_login_profile(UserName="walter", Password=second)
    iam.put_user_policy(
        UserName="walter",
        PolicyName="p",
        PolicyDocument=document(
            allow(["iam:ChangePassword", "sts:AssumeRole", "sts:GetFederationToken"])
        ),
    )
    key = iam.create_access_key(UserName="walter")["AccessKey"]
    secrets.append(key["SecretAccessKey"])
    walter = node.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    walter.change_password(OldPassword=second, NewPassword=third)
    with pytest.raises(ClientError):  # refused calls keep their secrets out too
        walter.change_password(OldPassword=first, NewPassword=_canary("refused"))

    # credentials the server makes
    service = iam.create_service_specific_credential(
        UserName="walter", ServiceName="codecommit.amazonaws.com"
    )["ServiceSpecificCredential"]
    secrets.append(service["ServicePassword"])
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="walter-mfa")["VirtualMFADevice"]
    secrets.append(base64.b64encode(device["Base32StringSeed"]).decode())
    secrets.append(device["Base32StringSeed"].decode())
    certificate = bundle()
    iam.upload_server_certificate(
        ServerCertificateName="site", CertificateBody=certificate.body, PrivateKey=certificate.key
    )
    secrets.append(certificate.key.splitlines()[1])  # a line of the key's base64
    saml_keys = [SigningKey.generate().key_pem.decode() for _ in range(2)]
    saml_arn = iam.create_saml_provider(
        Name="encrypting",
        SAMLMetadataDocument=metadata_document("https://idp.example.com", [SigningKey.generate()]),
        AddPrivateKey=saml_keys[0],
    )["SAMLProviderArn"]
    iam.update_saml_provider(SAMLProviderArn=saml_arn, AddPrivateKey=saml_keys[1])
    secrets += [key.splitlines()[1] for key in saml_keys]

    # temporary credentials, every way they are issued
    role = iam.create_role(
        RoleName="visited",
        AssumeRolePolicyDocument=trust({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}),
    )["Role"]
    walter_sts = node.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    issued = [
        walter_sts.assume_role(RoleArn=role["Arn"], RoleSessionName="ss")["Credentials"],
        walter_sts.get_session_token()["Credentials"],
        walter_sts.get_federation_token(Name="fed", Policy=document(allow("iam:GetUser")))[
            "Credentials"
        ],
    ]
    for credentials in issued:
        secrets += [credentials["SecretAccessKey"], credentials["SessionToken"]]
    # a call signed with a session token: the token is in the request, never in the record
    temporary_client(node, issued[0], "sts").get_caller_identity()

    # tokens and assertions of the federation calls (refused: no such provider)
    web_token, assertion = _canary("jwt"), base64.b64encode(_canary("saml").encode()).decode()
    secrets += [web_token, assertion]
    unsigned = node.client("sts")
    with pytest.raises(ClientError):
        unsigned.assume_role_with_web_identity(
            RoleArn=role["Arn"], RoleSessionName="ww", WebIdentityToken=web_token
        )
    with pytest.raises(ClientError):
        unsigned.assume_role_with_saml(
            RoleArn=role["Arn"],
            PrincipalArn=f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/none",
            SAMLAssertion=assertion,
        )

    # an outbound web identity token
    iam.enable_outbound_web_identity_federation()
    token = sts.get_web_identity_token(Audience=["a"], SigningAlgorithm="ES384")
    secrets.append(token["WebIdentityToken"])

    node.flush_audit()
    with node.app.runtime.store.transaction(write=False) as tx:
        stored = [row.record for row in tx.connection.execute(audit_events.select())]
    streamed = stream.read_text().splitlines()
    names = {json.loads(line)["eventName"] for line in streamed}
    expected = {
        "CreateLoginProfile",
        "UpdateLoginProfile",
        "ChangePassword",
        "CreateAccessKey",
        "CreateServiceSpecificCredential",
        "CreateVirtualMFADevice",
        "UploadServerCertificate",
        "CreateSAMLProvider",
        "UpdateSAMLProvider",
        "AssumeRole",
        "GetSessionToken",
        "GetFederationToken",
        "AssumeRoleWithWebIdentity",
        "AssumeRoleWithSAML",
        "GetWebIdentityToken",
    }
    assert expected <= names
    assert len(stored) >= len(streamed) >= len(expected)
    everything = "\n".join(stored + streamed)
    for secret in secrets:
        assert secret not in everything
    # what stays: the ids that say which credentials were issued, the password hidden
    records = [json.loads(line) for line in streamed]
    changes = [r for r in records if r["eventName"] == "ChangePassword"]
    assert changes and all(r["requestParameters"] == HIDDEN for r in changes)
    (assumed,) = [r for r in records if r["eventName"] == "AssumeRole"]
    assert assumed["responseElements"]["credentials"]["accessKeyId"] == issued[0]["AccessKeyId"]
    (created,) = [r for r in records if r["eventName"] == "CreateAccessKey"]
    assert created["responseElements"]["accessKey"]["accessKeyId"] == key["AccessKeyId"]
    assert lookup(node.client("cloudtrail"), MaxResults=50)  # the trail is readable as ever
