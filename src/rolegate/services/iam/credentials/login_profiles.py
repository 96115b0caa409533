"""Console passwords: CreateLoginProfile, GetLoginProfile, UpdateLoginProfile,
DeleteLoginProfile and ChangePassword
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_admin-change-user.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_user-change-own.html).

An administrator sets a user's password (checked against the account password policy);
a user changes their own with ChangePassword, which also needs the old password, honours
PasswordReusePrevention and HardExpiry, and is allowed by the account policy's
AllowUsersToChangePassword without any identity policy. ``sign_in.verify_password`` is the
check a console makes with the password.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from rolegate.auth.passwords import hash_password, verify_password_hash
from rolegate.domain.credentials import LoginProfile
from rolegate.domain.entities import User
from rolegate.domain.errors import (
    AccessDenied,
    EntityAlreadyExists,
    InvalidInput,
    InvalidUserType,
    Throttling,
    ValidationError,
)
from rolegate.domain.mfa import MfaAttempts
from rolegate.services.context import Handler, OperationContext, Params, ResourcePolicy, Result
from rolegate.services.iam.credentials.passwords import (
    check_policy,
    check_reuse,
    expired,
    no_login_profile,
    with_new_password,
)
from rolegate.services.iam.mfa.attempts import RATE_EXCEEDED, after_failure, is_locked
from rolegate.services.iam.users import (
    NON_USER_CREDENTIALS,
    load_user,
    lock_user,
    target_user_name,
)
from rolegate.store import CommitAndRaise, Conflict

# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_user-change-own.html:
# only IAM users change their own password; the root user answers InvalidUserType.
ONLY_IAM_USERS = "Only IAM Users can change their own password."  # unverified wording
WRONG_OLD_PASSWORD = "The old password was incorrect."  # unverified wording
# HardExpiry: "IAM users cannot set a new password after theirs expired" until an administrator
# resets it (API_UpdateAccountPasswordPolicy).
HARD_EXPIRED = (
    "Your password has expired and cannot be changed; contact your administrator."  # unverified
)
MISSING_PASSWORD = (
    "1 validation error detected: Value null at 'password' failed to satisfy constraint: "
    "Member must not be null"
)  # unverified: Password is optional in the model only for AssumeRoot sessions
# unverified
BOTH_DURATIONS = (
    "MaxSigninSessionDuration and ResetMaxSigninSessionDuration cannot be specified together."
)


def _named_user(ctx: OperationContext, params: Params, action: str, *, lock: bool) -> User:
    """The user ``UserName`` names, or the calling user. The root user has no login profile
    the API manages without an AssumeRoot session (unverified answer)."""
    name = target_user_name(ctx, params)
    if name is None:
        raise ValidationError(NON_USER_CREDENTIALS)
    return load_user(ctx, name, action, lock=lock)


def _profile_of(ctx: OperationContext, user: User) -> LoginProfile:
    profile = ctx.tx.login_profiles.get(user.user_id)
    if profile is None:
        raise no_login_profile(user.user_name)
    return profile


def login_profile_to_wire(user: User, profile: LoginProfile) -> dict[str, Any]:
    out: dict[str, Any] = {
        "UserName": user.user_name,
        "CreateDate": profile.create_date,
        "PasswordResetRequired": profile.password_reset_required,
    }
    if profile.max_signin_session_duration is not None:
        out["MaxSigninSessionDuration"] = profile.max_signin_session_duration
    return out


def create_login_profile(ctx: OperationContext, params: Params) -> Result:
    user = _named_user(ctx, params, "iam:CreateLoginProfile", lock=True)
    password = params.get("Password")
    if password is None:
        raise ValidationError(MISSING_PASSWORD)
    if ctx.tx.login_profiles.get(user.user_id) is not None:
        raise EntityAlreadyExists(f"Login Profile for user {user.user_name} already exists.")
    check_policy(ctx.tx.account_settings.password_policy(ctx.account_id), password)
    profile = LoginProfile(
        account_id=ctx.account_id,
        user_id=user.user_id,
        password_hash=hash_password(password),
        create_date=ctx.now,
        password_changed=ctx.now,
        password_reset_required=bool(params.get("PasswordResetRequired")),
        max_signin_session_duration=params.get("MaxSigninSessionDuration"),
    )
    try:
        ctx.tx.login_profiles.create(profile)
    except Conflict:  # a concurrent create won (SQLite serialises; PostgreSQL holds the lock)
        raise EntityAlreadyExists(
            f"Login Profile for user {user.user_name} already exists."
        ) from None
    return {"LoginProfile": login_profile_to_wire(user, profile)}


def get_login_profile(ctx: OperationContext, params: Params) -> Result:
    user = _named_user(ctx, params, "iam:GetLoginProfile", lock=False)
    return {"LoginProfile": login_profile_to_wire(user, _profile_of(ctx, user))}


def update_login_profile(ctx: OperationContext, params: Params) -> Result:
    """A new password, PasswordResetRequired and/or the sign-in session duration; what is left
    out stays as it is."""
    user = load_user(ctx, params["UserName"], "iam:UpdateLoginProfile", lock=True)
    if params.get("MaxSigninSessionDuration") is not None and params.get(
        "ResetMaxSigninSessionDuration"
    ):
        raise InvalidInput(BOTH_DURATIONS)
    profile = _profile_of(ctx, user)
    password = params.get("Password")
    if password is not None:
        check_policy(ctx.tx.account_settings.password_policy(ctx.account_id), password)
        profile = with_new_password(profile, password, ctx.now)
    if params.get("PasswordResetRequired") is not None:
        profile = replace(profile, password_reset_required=params["PasswordResetRequired"])
    if params.get("MaxSigninSessionDuration") is not None:
        profile = replace(profile, max_signin_session_duration=params["MaxSigninSessionDuration"])
    elif params.get("ResetMaxSigninSessionDuration"):
        profile = replace(profile, max_signin_session_duration=None)
    ctx.tx.login_profiles.replace(profile)
    return {}


def delete_login_profile(ctx: OperationContext, params: Params) -> Result:
    user = _named_user(ctx, params, "iam:DeleteLoginProfile", lock=True)
    if not ctx.tx.login_profiles.delete(user.user_id):
        raise no_login_profile(user.user_name)
    return {}


def _own_password_grant(user: User) -> ResourcePolicy:
    """AllowUsersToChangePassword as a policy: the account lets each user change their own
    password (an explicit deny in the user's policies still wins)."""
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": user.user_id},
                    "Action": "iam:ChangePassword",
                    "Resource": user.arn,
                }
            ],
        }
    )
    return ResourcePolicy("AllowUsersToChangePassword", document)


def _check_old_password(ctx: OperationContext, profile: LoginProfile, old_password: str) -> None:
    """The old password, under a guessing limit: the console's sign-in throttle and MFA codes'
    (``services.iam.mfa.attempts``): five wrong ones in a row are free, each further one locks
    ChangePassword for the user for a minute, doubling up to a day; while locked every attempt
    is ``Throttling`` "Rate exceeded" without a look at the password, and does not count. AWS
    documents no such limit (its answer to a wrong password is kept). The count is kept in the
    login profile, under the user's row lock, so every node shares it; a wrong password's count
    is committed with its refusal. A right password, or any new password, clears it."""
    attempts = MfaAttempts(profile.failed_changes, profile.change_locked_until)
    if is_locked(attempts, ctx.now):
        raise Throttling(RATE_EXCEEDED)
    if not verify_password_hash(profile.password_hash, old_password):
        failed = after_failure(attempts, ctx.now)
        counted = replace(
            profile, failed_changes=failed.failures, change_locked_until=failed.locked_until
        )
        ctx.tx.login_profiles.replace(counted)
        raise CommitAndRaise(AccessDenied(WRONG_OLD_PASSWORD))


def change_password(ctx: OperationContext, params: Params) -> Result:
    caller = ctx.caller
    if caller.principal_type != "user" or caller.user_name is None:
        raise InvalidUserType(ONLY_IAM_USERS)
    user = ctx.tx.users.get(ctx.account_id, caller.user_name)
    if user is None:  # deleted while the request ran; its credentials end with it
        raise no_login_profile(caller.user_name)
    policy = ctx.tx.account_settings.password_policy(ctx.account_id)
    grant = _own_password_grant(user) if policy and policy.allow_users_to_change_password else None
    ctx.authorize("iam:ChangePassword", user.arn, resource_policy=grant)
    user = lock_user(ctx, user)
    profile = _profile_of(ctx, user)
    _check_old_password(ctx, profile, params["OldPassword"])
    if policy is not None and policy.hard_expiry and expired(policy, profile, ctx.now):
        raise AccessDenied(HARD_EXPIRED)
    new_password = params["NewPassword"]
    check_policy(policy, new_password)
    check_reuse(policy, profile, new_password)
    changed = with_new_password(profile, new_password, ctx.now)
    ctx.tx.login_profiles.replace(replace(changed, password_reset_required=False))
    return {}


HANDLERS: dict[str, Handler] = {
    "CreateLoginProfile": create_login_profile,
    "GetLoginProfile": get_login_profile,
    "UpdateLoginProfile": update_login_profile,
    "DeleteLoginProfile": delete_login_profile,
    "ChangePassword": change_password,
}
