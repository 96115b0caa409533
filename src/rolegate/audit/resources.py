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

REQUEST_MEMBERS: dict[str, str] = {
    "RoleName": "AWS::IAM::Role",
    "RoleArn": "AWS::IAM::Role",
    "UserName": "AWS::IAM::User",
    "GroupName": "AWS::IAM::Group",
    "PolicyArn": "AWS::IAM::Policy",
    "InstanceProfileName": "AWS::IAM::InstanceProfile",
    "AccessKeyId": "AWS::IAM::AccessKey",
    "SerialNumber": "AWS::IAM::MFADevice",
    "ServerCertificateName": "AWS::IAM::ServerCertificate",
    "SAMLProviderArn": "AWS::IAM::SAMLProvider",
    "PrincipalArn": "AWS::IAM::SAMLProvider",
    "OpenIDConnectProviderArn": "AWS::IAM::OIDCProvider",
}
# the answer's member (a structure) -> (its member naming the resource, the resource's type)
RESPONSE_MEMBERS: dict[str, tuple[str, str]] = {
    "Credentials": ("AccessKeyId", "AWS::IAM::AccessKey"),
    "AssumedRoleUser": ("Arn", "AWS::STS::AssumedRole"),
    "FederatedUser": ("Arn", "AWS::STS::FederatedUser"),
    "Role": ("Arn", "AWS::IAM::Role"),
    "User": ("Arn", "AWS::IAM::User"),
    "AccessKey": ("AccessKeyId", "AWS::IAM::AccessKey"),
}


def resources_of(
    request: Mapping[str, Any] | None, response: Mapping[str, Any] | None
) -> tuple[Resource, ...]:
    """The request's resources, then those of the answer whose type the request named none of
    (CreateUser's user is named once). Called for every event: a walk of the top-level members
    only."""
    found: list[Resource] = []
    for member, value in (request or {}).items():
        kind = REQUEST_MEMBERS.get(member)
        if kind is not None and type(value) is str and value:
            found.append((kind, value))
    for member, value in (response or {}).items():
        named = RESPONSE_MEMBERS.get(member)
        if named is None or type(value) is not dict:
            continue
        name, kind = value.get(named[0]), named[1]
        if type(name) is str and name and all(kind != seen for seen, _ in found):
            found.append((kind, name))
    return tuple(found)
