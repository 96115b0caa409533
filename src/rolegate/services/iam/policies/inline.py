"""Inline policies of roles, users and groups
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html):
Put/Get/Delete{Role,User,Group}Policy and List{Role,User,Group}Policies, one implementation driven
by one :class:`InlinePolicies` per principal kind.

All inline policies of one principal together have a size quota by kind (role 10,240, user 2,048,
group 5,120 characters without whitespace;
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html). Names are unique
without regard to case, as the store keeps them. Each spec names its kind's loader, which authorizes
first and answers AWS's NoSuchEntity text; Put loads the principal locked where two puts must not
pass the size total together (users, groups), and Put and Delete refuse service-linked roles
(``protected_roles``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rolegate.domain.entities import InlinePolicy
from rolegate.domain.errors import NoSuchEntity
from rolegate.policy import check_inline_policies_size
from rolegate.policy.limits import EntityType
from rolegate.services._pagination import fetch_page
from rolegate.services._wire_format import url_encoded_policy
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam.groups import load_group
from rolegate.services.iam.policies.documents import check_identity_policy
from rolegate.services.iam.protected_roles import ensure_modifiable
from rolegate.services.iam.roles import load_role
from rolegate.services.iam.users import load_user
from rolegate.store import InlinePolicyRepo


def no_such_policy(kind: EntityType, policy_name: str) -> NoSuchEntity:
    return NoSuchEntity(f"The {kind} policy with name {policy_name} cannot be found.")


@dataclass(frozen=True, slots=True)
class InlinePolicies:
    put: str  # the four operations' names
    get: str
    list_names: str
    delete: str
    parameter: str  # the request parameter that names the principal
    kind: EntityType  # the quota's and the messages' name; the principal's {kind}_id, {kind}_name
    load: Callable[..., Any]  # the kind's loader: (ctx, name, action[, lock=True]) -> principal
    repository: str  # the Tx attribute of the kind's InlinePolicyRepo
    lock_on_put: bool = False  # two puts must not pass the size total together
    check_change: Callable[[Any], None] | None = None  # before Put and Delete

    def _owner(self, ctx: OperationContext, params: Params, operation: str, lock: bool) -> Any:
        options = {"lock": True} if lock and self.lock_on_put else {}
        return self.load(ctx, params[self.parameter], f"iam:{operation}", **options)

    def _repo(self, ctx: OperationContext) -> InlinePolicyRepo:
        repo: InlinePolicyRepo = getattr(ctx.tx, self.repository)
        return repo

    def _id(self, owner: Any) -> str:
        owner_id: str = getattr(owner, f"{self.kind}_id")
        return owner_id

    def put_policy(self, ctx: OperationContext, params: Params) -> Result:
        owner = self._owner(ctx, params, self.put, lock=True)
        if self.check_change is not None:
            self.check_change(owner)
        name, document = params["PolicyName"], params["PolicyDocument"]
        check_identity_policy(document)
        repo = self._repo(ctx)
        others = [
            p.policy_document
            for p in repo.list_all(self._id(owner))
            if p.policy_name.lower() != name.lower()  # replacing a policy does not add to the total
        ]
        owner_name = getattr(owner, f"{self.kind}_name")
        check_inline_policies_size(self.kind, owner_name, [*others, document])
        repo.put(self._id(owner), InlinePolicy(name, document))
        return {}

    def get_policy(self, ctx: OperationContext, params: Params) -> Result:
        """The owner's name, ``PolicyName`` and the URL-encoded ``PolicyDocument``."""
        owner = self._owner(ctx, params, self.get, lock=False)
        policy = self._repo(ctx).get(self._id(owner), params["PolicyName"])
        if policy is None:
            raise no_such_policy(self.kind, params["PolicyName"])
        return {
            self.parameter: getattr(owner, f"{self.kind}_name"),
            "PolicyName": policy.policy_name,
            "PolicyDocument": url_encoded_policy(policy.policy_document),
        }

    def list_policy_names(self, ctx: OperationContext, params: Params) -> Result:
        owner_id = self._id(self._owner(ctx, params, self.list_names, lock=False))
        repo = self._repo(ctx)
        names, paging = fetch_page(
            params,
            lambda marker, max_items: repo.list_names(owner_id, marker=marker, max_items=max_items),
        )
        return {"PolicyNames": names, **paging}

    def delete_policy(self, ctx: OperationContext, params: Params) -> Result:
        owner = self._owner(ctx, params, self.delete, lock=False)
        if self.check_change is not None:
            self.check_change(owner)
        if not self._repo(ctx).delete(self._id(owner), params["PolicyName"]):
            raise no_such_policy(self.kind, params["PolicyName"])
        return {}

    def handlers(self) -> dict[str, Handler]:
        return {
            self.put: self.put_policy,
            self.get: self.get_policy,
            self.list_names: self.list_policy_names,
            self.delete: self.delete_policy,
        }


INLINE_POLICIES = (
    InlinePolicies(
        put="PutRolePolicy",
        get="GetRolePolicy",
        list_names="ListRolePolicies",
        delete="DeleteRolePolicy",
        parameter="RoleName",
        kind="role",
        load=load_role,
        repository="role_policies",
        check_change=ensure_modifiable,  # service-linked roles' policies are AWS's
    ),
    InlinePolicies(
        put="PutUserPolicy",
        get="GetUserPolicy",
        list_names="ListUserPolicies",
        delete="DeleteUserPolicy",
        parameter="UserName",
        kind="user",
        load=load_user,
        repository="user_policies",
        lock_on_put=True,
    ),
    InlinePolicies(
        put="PutGroupPolicy",
        get="GetGroupPolicy",
        list_names="ListGroupPolicies",
        delete="DeleteGroupPolicy",
        parameter="GroupName",
        kind="group",
        load=load_group,
        repository="group_policies",
        lock_on_put=True,
    ),
)

HANDLERS: dict[str, Handler] = {
    name: handler for spec in INLINE_POLICIES for name, handler in spec.handlers().items()
}
