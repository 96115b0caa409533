"""IAM groups (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups.html): a named set of
users whose policies every member receives.

A group is not a principal: nothing signs as a group and no policy names one as ``Principal``.
Its ARN carries its path like other IAM entities: ``arn:aws:iam::ACCT:group/PATH/NAME``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rolegate.domain.arn import iam_arn


@dataclass(frozen=True, slots=True)
class Group:
    account_id: str
    group_id: str  # AGPA…
    group_name: str
    path: str
    arn: str
    create_date: datetime


def group_arn(account: str, path: str, name: str) -> str:
    return iam_arn(account, "group", path, name)
