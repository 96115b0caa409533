"""A trust policy's user and role principals, bound to unique ids when it is stored and shown
through them ("IAM JSON policy elements: Principal", *IAM role principals*:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).

"If your Principal element in a role trust policy contains an ARN that points to a specific IAM
role, then that ARN transforms to the role's unique principal ID when you save the policy ... IAM
uses a reverse transformation back to the role ARN when the trust policy is displayed. However,
if you delete the role, then you break the relationship. The policy no longer applies, even if
you recreate the role ... the principal ID appears in resource-based policies because AWS can no
longer map it back to a valid ARN." IAM users alike.

* Storing (CreateRole, UpdateAssumeRolePolicy): :func:`bind_principals` resolves each user and
  role ARN of an account this server holds to the principal's unique id (one that does not exist
  is AWS's ``MalformedPolicyDocument`` "Invalid principal in policy"); the role keeps the text
  as submitted plus these bindings (``Role.trust_principal_ids``). ARNs of other accounts are
  not checked and stay unbound: they are matched as written. A unique id written as principal
  must be one of a user or role that exists (so a deleted principal's id, as GetRole shows it,
  cannot be written back: S3 answers that "Invalid principal in policy" too, e.g.
  ministryofjustice/analytical-platform#4932), and is bound to itself.
* Deciding (``authz.evaluate_trust``): the engine gets the bindings with the text, and a bound
  ARN names only the principal with that id (``rolegate.policy.principals``).
* Showing (GetRole, ListRoles, UpdateRoleDescription, the instance profile operations,
  GetAccountAuthorizationDetails): :func:`shown_trust_policies` returns the text exactly as
  submitted while each bound principal still has its ARN; a deleted one's ARN is replaced by its
  unique id, a renamed user's (UpdateUser) by its ARN now, a written id by its principal's ARN
  (IAM maps ids back). That costs one statement for all the roles shown, and none when no role
  shown names a user or role.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from rolegate.domain.arn import iam_principal_parts
from rolegate.domain.entities import PrincipalIds, Role
from rolegate.domain.errors import MalformedPolicyDocument
from rolegate.domain.instance_profile import InstanceProfile
from rolegate.policy import (
    PolicyDocument,
    iam_principal_arns,
    replace_principals,
    unique_id_principals,
)
from rolegate.policy.messages import invalid_principal
from rolegate.store import Tx


def bind_principals(tx: Tx, document: PolicyDocument) -> PrincipalIds:
    """The unique id of each user and role the (valid) ``document`` names in an account this
    server holds, or by unique id; raises ``MalformedPolicyDocument`` for one that does not
    exist. The path must be the principal's (unverified: AWS's strictness about paths)."""
    bound = []
    for arn in iam_principal_arns(document):
        parts = iam_principal_parts(arn)
        assert parts is not None  # iam_principal_arns keeps user and role ARNs only
        account_id, kind, path, name = parts
        if tx.accounts.get(account_id) is None:
            continue  # another deployment's account, perhaps
        found = tx.roles.get(account_id, name) if kind == "role" else tx.users.get(account_id, name)
        if found is None or found.path != path:
            raise MalformedPolicyDocument(invalid_principal("AWS", arn))
        bound.append((arn, found.role_id if isinstance(found, Role) else found.user_id))
    written_ids = unique_id_principals(document)
    existing = tx.principals.arns(written_ids) if written_ids else {}
    for unique_id in written_ids:
        if unique_id not in existing:
            raise MalformedPolicyDocument(invalid_principal("AWS", unique_id))
        bound.append((unique_id, unique_id))
    return tuple(bound)


def shown_trust_policies(tx: Tx, roles: Iterable[Role]) -> dict[str, str]:
    """Each role's trust policy as IAM shows it, by role id."""
    roles = list(roles)
    ids = {unique_id for role in roles for _, unique_id in role.trust_principal_ids if unique_id}
    current = tx.principals.arns(ids) if ids else {}
    return {role.role_id: _shown(role, current) for role in roles}


def with_trust_shown(tx: Tx, roles: Sequence[Role]) -> list[Role]:
    """The roles with their trust policies as shown (for the output only: never store them)."""
    return _with_documents(roles, shown_trust_policies(tx, roles))


def profiles_with_trust_shown(
    tx: Tx, profiles: Sequence[InstanceProfile], shown: Mapping[str, str] | None = None
) -> list[InstanceProfile]:
    """Instance profiles whose roles carry their trust policies as shown (``shown``: known
    already, by role id)."""
    if shown is None:
        shown = shown_trust_policies(tx, (role for p in profiles for role in p.roles))
    return [replace(p, roles=tuple(_with_documents(p.roles, shown))) for p in profiles]


def _with_documents(roles: Iterable[Role], shown: Mapping[str, str]) -> list[Role]:
    return [
        role
        if shown[role.role_id] is role.assume_role_policy_document
        else replace(role, assume_role_policy_document=shown[role.role_id])
        for role in roles
    ]


def _shown(role: Role, current: Mapping[str, str]) -> str:
    """``role``'s trust policy with each bound ARN that no longer names its principal replaced:
    by the principal's ARN now (renamed), else by its unique id (deleted). An ARN bound to ""
    (gone before its id was recorded, see migration r0010) has no id to show and stays."""
    changed = {}
    for arn, unique_id in role.trust_principal_ids:
        now = current.get(unique_id)
        if now is not None and now != arn:
            changed[arn] = now
        elif now is None and unique_id and unique_id != arn:
            changed[arn] = unique_id
    return replace_principals(role.assume_role_policy_document, changed)
