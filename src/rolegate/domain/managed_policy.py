"""Managed policies
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html): entities
and ARNs.

A managed policy is a standalone policy with versions, one of which is the default (the one in
force). Customer managed policies live in an account; AWS managed policies belong to the pseudo
account ``aws`` (``arn:aws:iam::aws:policy/...``) and are shared by every account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from rolegate.domain.arn import PARTITION
from rolegate.domain.entities import Tag

AWS_ACCOUNT = "aws"  # the account part of AWS managed policy ARNs


class OwnerKind(StrEnum):
    """The principals a managed policy can be attached to (or set as boundary of)."""

    ROLE = "role"
    USER = "user"
    GROUP = "group"


class PolicyUsage(StrEnum):
    """How a principal uses a managed policy (the model's ``PolicyUsageType``)."""

    PERMISSIONS = "PermissionsPolicy"
    BOUNDARY = "PermissionsBoundary"


@dataclass(frozen=True, slots=True)
class ManagedPolicy:
    account_id: str  # 12 digits, or AWS_ACCOUNT
    policy_id: str  # ANPA…
    policy_name: str
    path: str
    arn: str
    create_date: datetime
    update_date: datetime  # creation of the newest version
    default_version: int  # n of "vn"
    latest_version: int  # the highest n ever issued (version ids are never reused)
    description: str | None = None
    is_attachable: bool = True
    tags: tuple[Tag, ...] = field(default=())

    @property
    def default_version_id(self) -> str:
        return version_id(self.default_version)


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    version: int
    document: str  # the JSON text as the client sent it
    create_date: datetime

    @property
    def version_id(self) -> str:
        return version_id(self.version)


@dataclass(frozen=True, slots=True)
class UsageCounts:
    """How many principals of one account use a policy, by usage."""

    attachments: int = 0
    boundaries: int = 0


def version_id(number: int) -> str:
    """Policy version ids are ``v1``, ``v2``, … (always lower-case ``v``)."""
    return f"v{number}"


def parse_version_id(text: str) -> int | None:
    """The number in ``vN``; None if ``text`` is not a version id."""
    if len(text) < 2 or text[0] != "v" or not text[1:].isdigit():
        return None
    return int(text[1:])


def policy_arn(account: str, path: str, name: str) -> str:
    return f"arn:{PARTITION}:iam::{account}:policy{path}{name}"


@dataclass(frozen=True, slots=True)
class PolicyArnParts:
    account: str
    path: str
    name: str


def split_policy_arn(arn: str) -> PolicyArnParts | None:
    """``arn:aws:iam::ACCOUNT:policy/PATH/NAME`` -> its parts; None if not a policy ARN."""
    prefix = f"arn:{PARTITION}:iam::"
    if not arn.startswith(prefix):
        return None
    account, _, resource = arn[len(prefix) :].partition(":")
    if not (account == AWS_ACCOUNT or (len(account) == 12 and account.isdigit())):
        return None
    if not resource.startswith("policy/"):
        return None
    path_and_name = resource[len("policy") :]
    slash = path_and_name.rfind("/")
    path, name = path_and_name[: slash + 1], path_and_name[slash + 1 :]
    if not name:
        return None
    return PolicyArnParts(account, path, name)
