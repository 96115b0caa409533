"""Amazon Resource Names as rolegate builds and reads them.

Format (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html, "IAM ARNs"):
``arn:partition:service:region:account:resource``. IAM and STS ARNs have an empty region; IAM
resources carry their path: ``arn:aws:iam::123456789012:role/division/app`` for a role named ``app``
with path ``/division/``.
"""

from __future__ import annotations

from dataclasses import dataclass

PARTITION = "aws"


@dataclass(frozen=True, slots=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> Arn:
        """Split an ARN into its six segments; the resource keeps any further colons."""
        parts = text.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2]:
            raise ValueError(f"not an ARN: {text!r}")
        return cls(parts[1], parts[2], parts[3], parts[4], parts[5])

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def iam_arn(account: str, resource_type: str, path: str, name: str) -> str:
    """ARN of an IAM entity with a path: ``arn:aws:iam::ACCT:role/PATH/NAME``."""
    return f"arn:{PARTITION}:iam::{account}:{resource_type}{path}{name}"


def role_arn(account: str, path: str, name: str) -> str:
    return iam_arn(account, "role", path, name)


def user_arn(account: str, path: str, name: str) -> str:
    return iam_arn(account, "user", path, name)


def iam_principal_parts(text: str) -> tuple[str, str, str, str] | None:
    """(account, ``"user"`` or ``"role"``, path, name) of a user or role ARN, else None."""
    try:
        arn = Arn.parse(text)
    except ValueError:
        return None
    kind, slash, path_and_name = arn.resource.partition("/")
    if arn.service != "iam" or kind not in ("user", "role") or not slash:
        return None
    path, _, name = ("/" + path_and_name).rpartition("/")
    return arn.account, kind, path + "/", name


def root_arn(account: str) -> str:
    return f"arn:{PARTITION}:iam::{account}:root"


def assumed_role_arn(account: str, role_name: str, session_name: str) -> str:
    """Session ARN; it carries the role's name but never its path."""
    return f"arn:{PARTITION}:sts::{account}:assumed-role/{role_name}/{session_name}"


def federated_user_arn(account: str, name: str) -> str:
    return f"arn:{PARTITION}:sts::{account}:federated-user/{name}"
