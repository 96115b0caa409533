"""The resources an event names, for the record's ``resources`` and LookupEvents'
``ResourceType``/``ResourceName`` (types as CloudTrail and AWS Config name them,
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-template-resource-type-ref.html).

Data: which request member (or member of the answer) names which kind of resource. Names are
kept as given (an IAM name, or an ARN).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rolegate.domain.audit_event import AuditResource

Resource = AuditResource

REQUEST_MEMBERS: tuple[tuple[str, str], ...] = (
    ("RoleName", "AWS::IAM::Role"),
    ("RoleArn", "AWS::IAM::Role"),
    ("UserName", "AWS::IAM::User"),
    ("GroupName", "AWS::IAM::Group"),
    ("PolicyArn", "AWS::IAM::Policy"),
    ("InstanceProfileName", "AWS::IAM::InstanceProfile"),
    ("AccessKeyId", "AWS::IAM::AccessKey"),
    ("SerialNumber", "AWS::IAM::MFADevice"),
    ("ServerCertificateName", "AWS::IAM::ServerCertificate"),
    ("SAMLProviderArn", "AWS::IAM::SAMLProvider"),
    ("PrincipalArn", "AWS::IAM::SAMLProvider"),
    ("OpenIDConnectProviderArn", "AWS::IAM::OIDCProvider"),
)
RESPONSE_MEMBERS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("Credentials", "AccessKeyId"), "AWS::IAM::AccessKey"),
    (("AssumedRoleUser", "Arn"), "AWS::STS::AssumedRole"),
    (("FederatedUser", "Arn"), "AWS::STS::FederatedUser"),
    (("Role", "Arn"), "AWS::IAM::Role"),
    (("User", "Arn"), "AWS::IAM::User"),
    (("AccessKey", "AccessKeyId"), "AWS::IAM::AccessKey"),
)


def resources_of(
    request: Mapping[str, Any] | None, response: Mapping[str, Any] | None
) -> tuple[Resource, ...]:
    found: list[Resource] = []
    for member, kind in REQUEST_MEMBERS:
        value = (request or {}).get(member)
        if isinstance(value, str) and value:
            found.append((kind, value))
    for path, kind in RESPONSE_MEMBERS:
        node: Any = response or {}
        for step in path:
            node = node.get(step) if isinstance(node, Mapping) else None
        # the answer's resource when the request named none of that type (CreateUser's user)
        if isinstance(node, str) and node and all(kind != seen for seen, _ in found):
            found.append((kind, node))
    return tuple(found)
