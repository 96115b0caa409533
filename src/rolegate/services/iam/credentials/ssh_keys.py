"""SSH public keys of IAM users (for CodeCommit): UploadSSHPublicKey, GetSSHPublicKey,
ListSSHPublicKeys, UpdateSSHPublicKey, DeleteSSHPublicKey
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_ssh-keys.html).

A user holds at most five keys, each once (by fingerprint); ids are ``APKA`` and 16 characters.
"""

from __future__ import annotations

from typing import Any

from rolegate.domain.arn import root_arn
from rolegate.domain.credentials import SshPublicKey
from rolegate.domain.entities import User
from rolegate.domain.errors import DuplicateSSHPublicKey, LimitExceeded, NoSuchEntity
from rolegate.domain.ids import IdPrefix, access_key_id
from rolegate.services._pagination import page_by_position
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam.credentials._owned import insert_with_fresh_id
from rolegate.services.iam.credentials.ssh_key_format import (
    md5_fingerprint,
    openssh_line,
    parse_public_key,
    pem,
)
from rolegate.services.iam.users import load_user, target_user_name

# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html: "SSH public keys
# per IAM user: 5".
KEYS_PER_USER = 5
TOO_MANY = f"Cannot exceed quota for SSHPublicKeysPerUser: {KEYS_PER_USER}"  # unverified name
DUPLICATE = "The Public key already exists."  # unverified wording


def _no_such_key(key_id: str) -> NoSuchEntity:
    return NoSuchEntity(f"The Public Key with id {key_id} cannot be found.")


def _owned_key(ctx: OperationContext, params: Params, action: str) -> tuple[User, SshPublicKey]:
    user = load_user(ctx, params["UserName"], action)
    key = ctx.tx.ssh_public_keys.get(params["SSHPublicKeyId"])
    if key is None or key.user_id != user.user_id:
        raise _no_such_key(params["SSHPublicKeyId"])
    return user, key


def _to_wire(user: User, key: SshPublicKey, body: str) -> dict[str, Any]:
    return {
        "UserName": user.user_name,
        "SSHPublicKeyId": key.ssh_public_key_id,
        "Fingerprint": key.fingerprint,
        "SSHPublicKeyBody": body,
        "Status": key.status,
        "UploadDate": key.upload_date,
    }


def _metadata(user_name: str, key: SshPublicKey) -> dict[str, Any]:
    return {
        "UserName": user_name,
        "SSHPublicKeyId": key.ssh_public_key_id,
        "Status": key.status,
        "UploadDate": key.upload_date,
    }


def upload_ssh_public_key(ctx: OperationContext, params: Params) -> Result:
    user = load_user(ctx, params["UserName"], "iam:UploadSSHPublicKey", lock=True)
    body = params["SSHPublicKeyBody"]
    fingerprint = md5_fingerprint(parse_public_key(body))
    existing = ctx.tx.ssh_public_keys.list_for_user(user.user_id)
    if any(k.fingerprint == fingerprint for k in existing):
        raise DuplicateSSHPublicKey(DUPLICATE)
    if len(existing) >= KEYS_PER_USER:
        raise LimitExceeded(TOO_MANY)
    key = insert_with_fresh_id(
        lambda: SshPublicKey(
            ssh_public_key_id=access_key_id(IdPrefix.SSH_PUBLIC_KEY, ctx.rng),
            account_id=ctx.account_id,
            user_id=user.user_id,
            body=body,
            fingerprint=fingerprint,
            status="Active",
            upload_date=ctx.now,
        ),
        ctx.tx.ssh_public_keys.create,
    )
    return {"SSHPublicKey": _to_wire(user, key, body)}


def get_ssh_public_key(ctx: OperationContext, params: Params) -> Result:
    user, key = _owned_key(ctx, params, "iam:GetSSHPublicKey")
    parsed = parse_public_key(key.body)
    body = pem(parsed) if params["Encoding"] == "PEM" else openssh_line(parsed)
    return {"SSHPublicKey": _to_wire(user, key, body)}


def list_ssh_public_keys(ctx: OperationContext, params: Params) -> Result:
    """Without UserName, the calling user's keys; the root user has none."""
    name = target_user_name(ctx, params)
    if name is None:
        ctx.authorize("iam:ListSSHPublicKeys", root_arn(ctx.account_id))
        return page_by_position([], "SSHPublicKeys", params)
    user = load_user(ctx, name, "iam:ListSSHPublicKeys")
    keys = ctx.tx.ssh_public_keys.list_for_user(user.user_id)
    return page_by_position([_metadata(user.user_name, k) for k in keys], "SSHPublicKeys", params)


def update_ssh_public_key(ctx: OperationContext, params: Params) -> Result:
    _, key = _owned_key(ctx, params, "iam:UpdateSSHPublicKey")
    ctx.tx.ssh_public_keys.set_status(key.ssh_public_key_id, params["Status"])
    return {}


def delete_ssh_public_key(ctx: OperationContext, params: Params) -> Result:
    _, key = _owned_key(ctx, params, "iam:DeleteSSHPublicKey")
    ctx.tx.ssh_public_keys.delete(key.ssh_public_key_id)
    return {}


HANDLERS: dict[str, Handler] = {
    "UploadSSHPublicKey": upload_ssh_public_key,
    "GetSSHPublicKey": get_ssh_public_key,
    "ListSSHPublicKeys": list_ssh_public_keys,
    "UpdateSSHPublicKey": update_ssh_public_key,
    "DeleteSSHPublicKey": delete_ssh_public_key,
}
