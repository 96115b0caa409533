"""What an audit event never holds: the secrets of each operation, as data.

CloudTrail leaves secrets out of its records: credentials' secret access keys and session
tokens, passwords, SAML assertions, web identity tokens, private keys, service-specific
credential passwords, virtual MFA seeds
(https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html). Each rule below
names, for one operation, the members (by the model's member names, a dotted path through
structures and the items of lists) that are dropped from ``requestParameters`` or
``responseElements``, or the whole ``requestParameters`` replaced by
``HIDDEN_DUE_TO_SECURITY_REASONS``, the marker CloudTrail writes where a request is nothing but
secrets (ChangePassword).

Every member botocore's models mark ``sensitive`` is covered (``tests/audit/test_redaction.py``
checks it against the models), and more: session tokens, and the one-time MFA codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"

_CREDENTIALS = ("Credentials.SecretAccessKey", "Credentials.SessionToken")


@dataclass(frozen=True, slots=True)
class Rule:
    request: tuple[str, ...] = ()  # members dropped from requestParameters
    response: tuple[str, ...] = ()  # members dropped from responseElements
    hide_request: bool = False  # requestParameters is HIDDEN as a whole


RULES: Mapping[tuple[str, str], Rule] = {
    # IAM
    ("iam", "ChangePassword"): Rule(hide_request=True),
    ("iam", "CreateLoginProfile"): Rule(request=("Password",)),
    ("iam", "UpdateLoginProfile"): Rule(request=("Password",)),
    ("iam", "CreateAccessKey"): Rule(response=("AccessKey.SecretAccessKey",)),
    ("iam", "UploadServerCertificate"): Rule(request=("PrivateKey",)),
    ("iam", "CreateSAMLProvider"): Rule(request=("AddPrivateKey",)),
    ("iam", "UpdateSAMLProvider"): Rule(request=("AddPrivateKey",)),
    ("iam", "CreateServiceSpecificCredential"): Rule(
        response=(
            "ServiceSpecificCredential.ServicePassword",
            "ServiceSpecificCredential.ServiceCredentialSecret",
        )
    ),
    ("iam", "ResetServiceSpecificCredential"): Rule(
        response=(
            "ServiceSpecificCredential.ServicePassword",
            "ServiceSpecificCredential.ServiceCredentialSecret",
        )
    ),
    ("iam", "CreateVirtualMFADevice"): Rule(
        response=("VirtualMFADevice.Base32StringSeed", "VirtualMFADevice.QRCodePNG")
    ),
    ("iam", "ListVirtualMFADevices"): Rule(
        response=("VirtualMFADevices.Base32StringSeed", "VirtualMFADevices.QRCodePNG")
    ),
    ("iam", "EnableMFADevice"): Rule(request=("AuthenticationCode1", "AuthenticationCode2")),
    ("iam", "ResyncMFADevice"): Rule(request=("AuthenticationCode1", "AuthenticationCode2")),
    # STS: every credential issued keeps its access key id and expiry, never the secret half
    ("sts", "AssumeRole"): Rule(request=("TokenCode",), response=_CREDENTIALS),
    ("sts", "AssumeRoleForWorkload"): Rule(response=_CREDENTIALS),
    ("sts", "AssumeRoleWithSAML"): Rule(
        request=("SAMLAssertion",), response=(*_CREDENTIALS, "TrustedIdentityPropagationContext")
    ),
    ("sts", "AssumeRoleWithWebIdentity"): Rule(
        request=("WebIdentityToken",),
        response=(*_CREDENTIALS, "TrustedIdentityPropagationContext"),
    ),
    ("sts", "AssumeRoot"): Rule(response=_CREDENTIALS),
    ("sts", "GetDelegatedAccessToken"): Rule(request=("TradeInToken",), response=_CREDENTIALS),
    ("sts", "GetFederationToken"): Rule(response=_CREDENTIALS),
    ("sts", "GetScopedCredentials"): Rule(response=_CREDENTIALS),
    ("sts", "GetSessionToken"): Rule(request=("TokenCode",), response=_CREDENTIALS),
    ("sts", "GetWebIdentityToken"): Rule(response=("WebIdentityToken",)),
}
_NONE = Rule()


def rule_for(service: str, operation: str) -> Rule:
    return RULES.get((service, operation), _NONE)


def redacted(value: Mapping[str, Any], paths: tuple[str, ...]) -> dict[str, Any]:
    """A copy of ``value`` without the members ``paths`` name (the input is not changed)."""
    out = dict(value)
    for path in paths:
        out = _drop(out, path.split("."))
    return out


def _drop(node: Any, steps: list[str]) -> Any:
    if isinstance(node, list):
        return [_drop(item, steps) for item in node]
    if not isinstance(node, Mapping) or steps[0] not in node:
        return node
    copy = dict(node)
    if len(steps) == 1:
        del copy[steps[0]]
    else:
        copy[steps[0]] = _drop(copy[steps[0]], steps[1:])
    return copy
