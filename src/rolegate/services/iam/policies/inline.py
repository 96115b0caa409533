"""Inline policies of one principal, whatever its kind (access_policies_managed-vs-inline.md).

The role and user services authorize and load their principal, then call these. All inline
policies of one principal together have a size quota by kind (role 10,240, user 2,048, group
5,120 characters without whitespace; reference_iam-quotas.md). Names are unique without regard
to case, as the store keeps them.
"""

from __future__ import annotations

from rolegate.domain.entities import InlinePolicy
from rolegate.domain.errors import NoSuchEntity
from rolegate.policy import check_inline_policies_size
from rolegate.policy.limits import EntityType
from rolegate.services._pagination import fetch_page
from rolegate.services._wire_format import url_encoded_policy
from rolegate.services.context import Params, Result
from rolegate.services.iam.policies.documents import check_identity_policy
from rolegate.store import InlinePolicyRepo


def no_such_policy(kind: EntityType, policy_name: str) -> NoSuchEntity:
    return NoSuchEntity(f"The {kind} policy with name {policy_name} cannot be found.")


def put_policy(
    repo: InlinePolicyRepo, kind: EntityType, owner_id: str, owner_name: str, params: Params
) -> Result:
    name, document = params["PolicyName"], params["PolicyDocument"]
    check_identity_policy(document)
    others = [
        p.policy_document
        for p in repo.list_all(owner_id)
        if p.policy_name.lower() != name.lower()  # replacing a policy does not add to the total
    ]
    check_inline_policies_size(kind, owner_name, [*others, document])
    repo.put(owner_id, InlinePolicy(name, document))
    return {}


def get_policy(repo: InlinePolicyRepo, kind: EntityType, owner_id: str, params: Params) -> Result:
    """``PolicyName`` and the URL-encoded ``PolicyDocument``; the caller adds the owner's name."""
    policy = repo.get(owner_id, params["PolicyName"])
    if policy is None:
        raise no_such_policy(kind, params["PolicyName"])
    return {
        "PolicyName": policy.policy_name,
        "PolicyDocument": url_encoded_policy(policy.policy_document),
    }


def list_policy_names(repo: InlinePolicyRepo, owner_id: str, params: Params) -> Result:
    names, paging = fetch_page(
        params,
        lambda marker, max_items: repo.list_names(owner_id, marker=marker, max_items=max_items),
    )
    return {"PolicyNames": names, **paging}


def delete_policy(
    repo: InlinePolicyRepo, kind: EntityType, owner_id: str, params: Params
) -> Result:
    if not repo.delete(owner_id, params["PolicyName"]):
        raise no_such_policy(kind, params["PolicyName"])
    return {}
