"""The Tag, Untag and List…Tags operations of every taggable IAM resource
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html): one implementation, driven by one
:class:`Taggable` per resource (``TAGGABLE``).

A spec says how the operations find the resource (its parameter and its family's loader, which
authorizes and answers AWS's NoSuchEntity text), what the store keys its tags by, and whether its
tag keys compare with regard to case. Tag and Untag load the resource as for a change (the loader's
``changing`` keyword): users and identity providers are then locked until the transaction ends, and
AWS managed policies judged in the ``aws`` account (``policies.managed.load_policy``). The tag rules
are ``services._tags``'.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rolegate.domain.entities import Tag
from rolegate.services._pagination import page_by_position
from rolegate.services._tags import merge_tags, remove_tags, tags_from_params, tags_to_wire
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam.certificates.server_certificates import load_server_certificate
from rolegate.services.iam.instance_profiles import load_instance_profile
from rolegate.services.iam.mfa.devices import load_device
from rolegate.services.iam.policies.managed import load_policy
from rolegate.services.iam.providers.oidc import load_oidc_provider
from rolegate.services.iam.providers.saml import load_saml_provider
from rolegate.services.iam.roles import load_role
from rolegate.services.iam.users import load_user


class TagWriter(Protocol):
    def set_tags(self, entity_id: str, tags: Sequence[Tag], /) -> None: ...


@dataclass(frozen=True, slots=True)
class Taggable:
    tag: str  # the three operations' names
    untag: str
    list_tags: str
    parameter: str  # the request parameter that names the resource
    load: Callable[..., Any]  # the family's loader: (ctx, name, action, **changing) -> entity
    repository: str  # the Tx attribute of the family's repository
    key: str  # the entity attribute its tags are stored under
    changing: str | None = None  # the loader's keyword Tag and Untag set: "lock", "change"
    case_sensitive: bool = False  # whether "Key" and "key" are two tags (services._tags)

    def _load(self, ctx: OperationContext, params: Params, operation: str, change: bool) -> Any:
        options = {self.changing: True} if change and self.changing else {}
        return self.load(ctx, params[self.parameter], f"iam:{operation}", **options)

    def _write(self, ctx: OperationContext, entity: Any, tags: Sequence[Tag]) -> None:
        writer: TagWriter = getattr(ctx.tx, self.repository)
        writer.set_tags(getattr(entity, self.key), tags)

    def tag_resource(self, ctx: OperationContext, params: Params) -> Result:
        entity = self._load(ctx, params, self.tag, change=True)
        exact = self.case_sensitive
        new = tags_from_params(params["Tags"], case_sensitive=exact)
        self._write(ctx, entity, merge_tags(entity.tags, new, case_sensitive=exact))
        return {}

    def untag_resource(self, ctx: OperationContext, params: Params) -> Result:
        entity = self._load(ctx, params, self.untag, change=True)
        keys = params["TagKeys"]
        self._write(ctx, entity, remove_tags(entity.tags, keys, case_sensitive=self.case_sensitive))
        return {}

    def list_resource_tags(self, ctx: OperationContext, params: Params) -> Result:
        entity = self._load(ctx, params, self.list_tags, change=False)
        return page_by_position(tags_to_wire(entity.tags), "Tags", params)

    def handlers(self) -> dict[str, Handler]:
        return {
            self.tag: self.tag_resource,
            self.untag: self.untag_resource,
            self.list_tags: self.list_resource_tags,
        }


TAGGABLE = (
    Taggable(
        tag="TagRole",
        untag="UntagRole",
        list_tags="ListRoleTags",
        parameter="RoleName",
        load=load_role,
        repository="roles",
        key="role_id",
    ),
    Taggable(
        tag="TagUser",
        untag="UntagUser",
        list_tags="ListUserTags",
        parameter="UserName",
        load=load_user,
        repository="users",
        key="user_id",
        changing="lock",
    ),
    Taggable(
        tag="TagInstanceProfile",
        untag="UntagInstanceProfile",
        list_tags="ListInstanceProfileTags",
        parameter="InstanceProfileName",
        load=load_instance_profile,
        repository="instance_profiles",
        key="instance_profile_id",
    ),
    Taggable(
        tag="TagPolicy",
        untag="UntagPolicy",
        list_tags="ListPolicyTags",
        parameter="PolicyArn",
        load=load_policy,
        repository="managed_policies",
        key="policy_id",
        changing="change",
        case_sensitive=True,
    ),
    Taggable(
        tag="TagOpenIDConnectProvider",
        untag="UntagOpenIDConnectProvider",
        list_tags="ListOpenIDConnectProviderTags",
        parameter="OpenIDConnectProviderArn",
        load=load_oidc_provider,
        repository="oidc_providers",
        key="provider_id",
        changing="lock",
    ),
    Taggable(
        tag="TagSAMLProvider",
        untag="UntagSAMLProvider",
        list_tags="ListSAMLProviderTags",
        parameter="SAMLProviderArn",
        load=load_saml_provider,
        repository="saml_providers",
        key="provider_id",
        changing="lock",
    ),
    Taggable(
        tag="TagMFADevice",
        untag="UntagMFADevice",
        list_tags="ListMFADeviceTags",
        parameter="SerialNumber",
        load=load_device,
        repository="mfa_devices",
        key="serial_number",
    ),
    Taggable(
        tag="TagServerCertificate",
        untag="UntagServerCertificate",
        list_tags="ListServerCertificateTags",
        parameter="ServerCertificateName",
        load=load_server_certificate,
        repository="server_certificates",
        key="server_certificate_id",
    ),
)

HANDLERS: dict[str, Handler] = {
    name: handler for spec in TAGGABLE for name, handler in spec.handlers().items()
}
