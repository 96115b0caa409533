"""Access keys of IAM users and of the root user: CreateAccessKey, ListAccessKeys,
UpdateAccessKey, DeleteAccessKey, GetAccessKeyLastUsed
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html).

Without ``UserName`` these act on the caller's own keys: an IAM user's, or the root user's when
the root user calls. A user holds at most two keys
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
"""

from __future__ import annotations

from typing import Any

from rolegate.catalog.quotas import ACCESS_KEYS_PER_USER
from rolegate.domain.arn import root_arn, user_arn
from rolegate.domain.entities import AccessKey, User
from rolegate.domain.errors import AccessDenied, NoSuchEntity, ValidationError
from rolegate.domain.ids import IdPrefix, access_key_id, secret_access_key
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam._quotas import check_quota
from rolegate.services.iam.users import load_user, lock_user, target_user_name
from rolegate.store import Conflict

NOT_AVAILABLE = "N/A"  # GetAccessKeyLastUsed's ServiceName/Region for a key never used


def _owner(ctx: OperationContext, user_name: str | None, action: str) -> User | None:
    """The user whose keys are meant, once the caller may perform ``action`` on it.

    ``user_name`` None is the root user (returned as None): its own keys, decided on its ARN.
    """
    if user_name is None:
        ctx.authorize(action, root_arn(ctx.account_id))
        return None
    return load_user(ctx, user_name, action)


def _no_such_key(key_id: str) -> NoSuchEntity:
    return NoSuchEntity(f"The Access Key with id {key_id} cannot be found.")


def _owned_key(ctx: OperationContext, params: Params, action: str) -> AccessKey:
    """The key named by ``AccessKeyId`` if it belongs to the target user (or the root user)."""
    owner = _owner(ctx, target_user_name(ctx, params), action)
    key = ctx.tx.access_keys.get(params["AccessKeyId"])
    owner_name = owner.user_name if owner is not None else None
    if key is None or key.account_id != ctx.account_id or key.user_name != owner_name:
        raise _no_such_key(params["AccessKeyId"])
    return key


def _metadata(key: AccessKey) -> dict[str, Any]:
    """``AccessKeyMetadata``; root keys carry no UserName (unverified against AWS)."""
    out: dict[str, Any] = {
        "AccessKeyId": key.access_key_id,
        "Status": key.status,
        "CreateDate": key.create_date,
    }
    if key.user_name is not None:
        out["UserName"] = key.user_name
    return out


def _insert_new_key(ctx: OperationContext, owner_name: str | None) -> AccessKey:
    """A fresh key for ``owner_name`` (None: the root user), stored. An id drawn twice (one
    chance in 32**16) is drawn again; a generator that keeps repeating itself is a fault."""
    for _ in range(3):
        key = AccessKey(
            access_key_id=access_key_id(IdPrefix.ACCESS_KEY, ctx.rng),
            secret_access_key=secret_access_key(ctx.rng),
            account_id=ctx.account_id,
            user_name=owner_name,
            status="Active",
            create_date=ctx.now,
        )
        try:
            ctx.tx.access_keys.create(key)
        except Conflict:
            continue
        return key
    raise RuntimeError("the random generator repeats access key ids")


def create_access_key(ctx: OperationContext, params: Params) -> Result:
    owner = _owner(ctx, target_user_name(ctx, params), "iam:CreateAccessKey")
    if owner is not None:
        owner = lock_user(ctx, owner)  # two concurrent creates must not make three keys
    owner_name = owner.user_name if owner is not None else None
    existing = (
        ctx.tx.access_keys.count_for(ctx.account_id, owner_name)
        if owner_name is not None
        else len(ctx.tx.access_keys.list_for(ctx.account_id, None))
    )
    check_quota(ctx, ACCESS_KEYS_PER_USER, existing)
    key = _insert_new_key(ctx, owner_name)
    return {"AccessKey": {**_metadata(key), "SecretAccessKey": key.secret_access_key}}


def list_access_keys(ctx: OperationContext, params: Params) -> Result:
    """At most two keys per user, so one page holds them all unless MaxItems is 1."""
    owner = _owner(ctx, target_user_name(ctx, params), "iam:ListAccessKeys")
    keys = ctx.tx.access_keys.list_for(
        ctx.account_id, owner.user_name if owner is not None else None
    )
    marker = params.get("Marker")
    start = 0
    if marker is not None:
        if not marker.isdigit() or int(marker) > len(keys):
            raise ValidationError("Invalid Marker.")
        start = int(marker)
    max_items = params.get("MaxItems") or 100
    out: Result = {"AccessKeyMetadata": [_metadata(k) for k in keys[start : start + max_items]]}
    out["IsTruncated"] = start + max_items < len(keys)
    if out["IsTruncated"]:
        out["Marker"] = str(start + max_items)
    return out


def update_access_key(ctx: OperationContext, params: Params) -> Result:
    key = _owned_key(ctx, params, "iam:UpdateAccessKey")
    ctx.tx.access_keys.set_status(key.access_key_id, params["Status"])
    return {}


def delete_access_key(ctx: OperationContext, params: Params) -> Result:
    key = _owned_key(ctx, params, "iam:DeleteAccessKey")
    ctx.tx.access_keys.delete(key.access_key_id)
    return {}


def get_access_key_last_used(ctx: OperationContext, params: Params) -> Result:
    """Decided on the ARN of the key's owner. A key that does not exist in the caller's account
    is refused as IAM refuses it: AccessDenied naming the key, so that the answer does not tell
    a missing key from another account's."""
    key_id = params["AccessKeyId"]
    key = ctx.tx.access_keys.get(key_id)
    if key is None or key.account_id != ctx.account_id:
        raise AccessDenied(
            f"User: {ctx.caller.arn} is not authorized to perform iam:GetAccessKeyLastUsed on "
            f"resource: access key {key_id}"
        )
    if key.user_name is None:
        ctx.authorize("iam:GetAccessKeyLastUsed", root_arn(ctx.account_id))
    else:
        user = ctx.tx.users.get(ctx.account_id, key.user_name)
        arn = user.arn if user is not None else user_arn(ctx.account_id, "/", key.user_name)
        ctx.authorize("iam:GetAccessKeyLastUsed", arn)
    last_used: dict[str, Any] = {
        "ServiceName": key.last_used_service or NOT_AVAILABLE,
        "Region": key.last_used_region or NOT_AVAILABLE,
    }
    if key.last_used_date is not None:
        last_used["LastUsedDate"] = key.last_used_date
    out: Result = {"AccessKeyLastUsed": last_used}
    if key.user_name is not None:
        out["UserName"] = key.user_name
    return out


HANDLERS: dict[str, Handler] = {
    "CreateAccessKey": create_access_key,
    "ListAccessKeys": list_access_keys,
    "UpdateAccessKey": update_access_key,
    "DeleteAccessKey": delete_access_key,
    "GetAccessKeyLastUsed": get_access_key_last_used,
}
