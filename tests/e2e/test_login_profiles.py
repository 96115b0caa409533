"""Login profiles and ChangePassword end to end on SQLite and PostgreSQL: the lifecycle, the
account password policy (and AWS's default one) applied to every new password, ChangePassword's
rules for the calling user (the old password, reuse prevention, HardExpiry, the reset flag) and
who may call it, and DeleteUser refusing while a password remains.

Tests that need an account password policy share an account of this module's own
(``rolegate account create``: the shared account's policy never changes under other tests); each
sets the policy it needs first (UpdateAccountPasswordPolicy replaces the whole policy) and names
its users uniquely.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from account_helpers import Account, new_account
from credential_helpers import OTHER_PASSWORD, STRONG_PASSWORD
from policy_helpers import fails

from harness import Server


@pytest.fixture(scope="module")
def account(server: Server) -> Account:
    return new_account(server)


def without_policy(account: Account) -> None:
    try:
        account.iam.delete_account_password_policy()
    except account.iam.exceptions.NoSuchEntityException:
        pass


def no_profile(name: str) -> tuple[str, int, str]:
    return ("NoSuchEntity", 404, f"Login Profile for User {name} cannot be found.")


def user_client(server: Server, account: Account, name: str, *statements: dict[str, Any]) -> Any:
    """A user of ``account`` with a password, an access key and the given policy statements, and
    an IAM client signed with that key."""
    account.iam.create_user(UserName=name)
    account.iam.create_login_profile(UserName=name, Password=STRONG_PASSWORD)
    if statements:
        document = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
        account.iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=document)
    key = account.iam.create_access_key(UserName=name)["AccessKey"]
    return server.client("iam", key["AccessKeyId"], key["SecretAccessKey"])


def test_lifecycle(iam: Any, unique: Any) -> None:
    name = unique("console")
    iam.create_user(UserName=name)
    assert fails(iam.get_login_profile, UserName=name) == no_profile(name)
    made = iam.create_login_profile(
        UserName=name, Password=STRONG_PASSWORD, PasswordResetRequired=True
    )["LoginProfile"]
    assert set(made) == {"UserName", "CreateDate", "PasswordResetRequired"}
    assert (made["UserName"], made["PasswordResetRequired"]) == (name, True)
    got = iam.get_login_profile(UserName=name)["LoginProfile"]
    assert got == made
    iam.update_login_profile(
        UserName=name,
        Password=OTHER_PASSWORD,
        PasswordResetRequired=False,
        MaxSigninSessionDuration=7200,
    )
    got = iam.get_login_profile(UserName=name)["LoginProfile"]
    assert (got["PasswordResetRequired"], got["MaxSigninSessionDuration"]) == (False, 7200)
    assert got["CreateDate"] == made["CreateDate"]  # the first password's date
    iam.update_login_profile(UserName=name, ResetMaxSigninSessionDuration=True)
    assert "MaxSigninSessionDuration" not in iam.get_login_profile(UserName=name)["LoginProfile"]
    assert fails(iam.delete_user, UserName=name) == (
        "DeleteConflict",
        409,
        "Cannot delete entity, must delete login profile first.",
    )
    iam.delete_login_profile(UserName=name)
    assert fails(iam.get_login_profile, UserName=name) == no_profile(name)
    assert fails(iam.delete_login_profile, UserName=name) == no_profile(name)
    assert fails(iam.update_login_profile, UserName=name, Password=STRONG_PASSWORD) == no_profile(
        name
    )
    iam.delete_user(UserName=name)


def test_bad_input(iam: Any, unique: Any) -> None:
    name = unique("console")
    missing = unique("nobody")
    iam.create_user(UserName=name)
    assert fails(iam.create_login_profile, UserName=missing, Password=STRONG_PASSWORD) == (
        "NoSuchEntity",
        404,
        f"The user with name {missing} cannot be found.",
    )
    assert fails(iam.create_login_profile, UserName=name) == (
        "ValidationError",
        400,
        "1 validation error detected: Value null at 'password' failed to satisfy constraint: "
        "Member must not be null",
    )
    assert fails(
        iam.create_login_profile,
        UserName=name,
        Password=STRONG_PASSWORD,
        MaxSigninSessionDuration=3599,
    ) == (
        "ValidationError",
        400,
        "1 validation error detected: Value at 'maxSigninSessionDuration' failed to satisfy "
        "constraint: Member must have value greater than or equal to 3600",
    )
    # nothing was made by the refused calls
    assert fails(iam.get_login_profile, UserName=name) == no_profile(name)
    iam.create_login_profile(UserName=name, Password=STRONG_PASSWORD)
    assert fails(iam.create_login_profile, UserName=name, Password=STRONG_PASSWORD) == (
        "EntityAlreadyExists",
        409,
        f"Login Profile for user {name} already exists.",
    )
    assert fails(
        iam.update_login_profile,
        UserName=name,
        MaxSigninSessionDuration=3600,
        ResetMaxSigninSessionDuration=True,
    ) == (
        "InvalidInput",
        400,
        "MaxSigninSessionDuration and ResetMaxSigninSessionDuration cannot be specified together.",
    )


def test_default_policy_without_an_account_policy(account: Account, unique: Any) -> None:
    """AWS's default: 8 characters and three of the four kinds."""
    iam = account.iam
    without_policy(account)
    name = unique("default")
    iam.create_user(UserName=name)
    violation = (
        "PasswordPolicyViolation",
        400,
        "Password does not conform to the account password policy.",
    )
    assert fails(iam.create_login_profile, UserName=name, Password="Ab1!") == violation
    assert fails(iam.create_login_profile, UserName=name, Password="abcdefgh12") == violation
    assert fails(iam.get_login_profile, UserName=name) == no_profile(name)
    iam.create_login_profile(UserName=name, Password="abcdefG12")


RULES: list[tuple[dict[str, Any], str, str]] = [
    ({"MinimumPasswordLength": 12}, "Short-Pa55!", "Password should have a minimum length of 12"),
    ({"RequireSymbols": True}, "NoSymbols123", "Password should have at least one symbol"),
    ({"RequireNumbers": True}, "No-Numbers!!", "Password should have at least one number"),
    (
        {"RequireUppercaseCharacters": True},
        "no-upper-123",
        "Password should have at least one uppercase letter",
    ),
    (
        {"RequireLowercaseCharacters": True},
        "NO-LOWER-123",
        "Password should have at least one lowercase letter",
    ),
]


def test_account_policy_rules(account: Account, unique: Any) -> None:
    """Each rule of the account's policy, on CreateLoginProfile and UpdateLoginProfile."""
    iam = account.iam
    for policy, password, message in RULES:
        iam.update_account_password_policy(**policy)
        name = unique("rule")
        iam.create_user(UserName=name)
        expected = ("PasswordPolicyViolation", 400, message)
        assert fails(iam.create_login_profile, UserName=name, Password=password) == expected
        iam.create_login_profile(UserName=name, Password=STRONG_PASSWORD)
        assert fails(iam.update_login_profile, UserName=name, Password=password) == expected


def test_change_password(server: Server, account: Account, unique: Any) -> None:
    account.iam.update_account_password_policy(
        MinimumPasswordLength=10, AllowUsersToChangePassword=True, PasswordReusePrevention=2
    )
    name = unique("me")
    me = user_client(server, account, name)
    account.iam.update_login_profile(UserName=name, PasswordResetRequired=True)
    wrong = ("AccessDenied", 403, "The old password was incorrect.")
    assert fails(me.change_password, OldPassword="wrong-old-pass", NewPassword=OTHER_PASSWORD) == (
        wrong
    )
    assert fails(me.change_password, OldPassword=STRONG_PASSWORD, NewPassword="short") == (
        "PasswordPolicyViolation",
        400,
        "Password should have a minimum length of 10",
    )
    reused = (
        "PasswordPolicyViolation",
        400,
        "Password was used too recently. Please choose a different password.",
    )
    assert fails(me.change_password, OldPassword=STRONG_PASSWORD, NewPassword=STRONG_PASSWORD) == (
        reused
    )
    me.change_password(OldPassword=STRONG_PASSWORD, NewPassword=OTHER_PASSWORD)
    profile = account.iam.get_login_profile(UserName=name)["LoginProfile"]
    assert profile["PasswordResetRequired"] is False  # a changed password clears the flag
    # the old password no longer opens it; it is still remembered (2 passwords)
    assert fails(me.change_password, OldPassword=STRONG_PASSWORD, NewPassword="Third-Pass0!") == (
        wrong
    )
    assert fails(me.change_password, OldPassword=OTHER_PASSWORD, NewPassword=STRONG_PASSWORD) == (
        reused
    )
    me.change_password(OldPassword=OTHER_PASSWORD, NewPassword="Third-Pass0!")
    me.change_password(OldPassword="Third-Pass0!", NewPassword=STRONG_PASSWORD)


def test_change_password_needs_permission_or_the_account_setting(
    server: Server, account: Account, unique: Any
) -> None:
    """Without AllowUsersToChangePassword a user needs iam:ChangePassword on itself; with it no
    policy is needed, but an explicit deny still wins."""
    account.iam.update_account_password_policy(AllowUsersToChangePassword=False)
    names = {kind: unique(kind) for kind in ("alone", "allowed", "denied")}
    alone = user_client(server, account, names["alone"])
    arn = f"arn:aws:iam::{account.account_id}:user/{names['alone']}"
    assert fails(
        alone.change_password, OldPassword=STRONG_PASSWORD, NewPassword=OTHER_PASSWORD
    ) == (
        "AccessDenied",
        403,
        f"User: {arn} is not authorized to perform: iam:ChangePassword on resource: {arn} "
        "because no identity-based policy allows the iam:ChangePassword action",
    )
    own_arn = "arn:aws:iam::*:user/${aws:username}"
    allowed = user_client(
        server,
        account,
        names["allowed"],
        {"Effect": "Allow", "Action": "iam:ChangePassword", "Resource": own_arn},
    )
    allowed.change_password(OldPassword=STRONG_PASSWORD, NewPassword=OTHER_PASSWORD)
    denied = user_client(
        server,
        account,
        names["denied"],
        {"Effect": "Deny", "Action": "iam:ChangePassword", "Resource": "*"},
    )
    account.iam.update_account_password_policy(AllowUsersToChangePassword=True)
    alone.change_password(OldPassword=STRONG_PASSWORD, NewPassword=OTHER_PASSWORD)
    denied_arn = f"arn:aws:iam::{account.account_id}:user/{names['denied']}"
    assert fails(
        denied.change_password, OldPassword=STRONG_PASSWORD, NewPassword=OTHER_PASSWORD
    ) == (
        "AccessDenied",
        403,
        f"User: {denied_arn} is not authorized to perform: iam:ChangePassword on resource: "
        f"{denied_arn} with an explicit deny in an identity-based policy",
    )


def test_change_password_is_for_iam_users_only(iam: Any) -> None:
    assert fails(iam.change_password, OldPassword=STRONG_PASSWORD, NewPassword=OTHER_PASSWORD) == (
        "InvalidUserType",
        400,
        "Only IAM Users can change their own password.",
    )


def test_change_password_without_a_profile(server: Server, account: Account, unique: Any) -> None:
    account.iam.update_account_password_policy(AllowUsersToChangePassword=True)
    name = unique("me")
    me = user_client(server, account, name)
    account.iam.delete_login_profile(UserName=name)
    assert fails(me.change_password, OldPassword=STRONG_PASSWORD, NewPassword=OTHER_PASSWORD) == (
        no_profile(name)
    )


def test_the_calling_user_is_the_default(server: Server, account: Account, unique: Any) -> None:
    without_policy(account)
    name = unique("self")
    me = user_client(
        server,
        account,
        name,
        {
            "Effect": "Allow",
            "Action": "iam:*LoginProfile",
            "Resource": "arn:aws:iam::*:user/${aws:username}",
        },
    )
    assert me.get_login_profile()["LoginProfile"]["UserName"] == name
    me.delete_login_profile()
    assert fails(me.get_login_profile) == no_profile(name)
    me.create_login_profile(Password=STRONG_PASSWORD)
    assert me.get_login_profile()["LoginProfile"]["UserName"] == name


def test_change_password_limits_guessing(server: Server, account: Account, unique: Any) -> None:
    """Five wrong old passwords in a row are answered as wrong; the fifth locks ChangePassword
    for the user, and while locked even the right password gets AWS's throttling answer. The
    lock is the user's alone, and a new password set by an administrator ends it."""
    without_policy(account)
    name, other = unique("guessed"), unique("bystander")
    own = {"Effect": "Allow", "Action": "iam:ChangePassword", "Resource": "*"}
    me = user_client(server, account, name, own)
    bystander = user_client(server, account, other, own)
    wrong = ("AccessDenied", 403, "The old password was incorrect.")
    throttled = ("Throttling", 400, "Rate exceeded")
    for _ in range(5):
        assert fails(me.change_password, OldPassword="not-it", NewPassword=OTHER_PASSWORD) == wrong
    assert (
        fails(me.change_password, OldPassword=STRONG_PASSWORD, NewPassword=OTHER_PASSWORD)
        == throttled
    )
    assert fails(me.change_password, OldPassword="not-it", NewPassword=OTHER_PASSWORD) == throttled
    # another user of the account is not locked
    bystander.change_password(OldPassword=STRONG_PASSWORD, NewPassword=OTHER_PASSWORD)
    # a wrong guess is counted even though its request fails; a right one clears the count
    assert fails(bystander.change_password, OldPassword="nope", NewPassword=STRONG_PASSWORD) == (
        wrong
    )
    bystander.change_password(OldPassword=OTHER_PASSWORD, NewPassword=STRONG_PASSWORD)
    account.iam.update_login_profile(UserName=name, Password="Admin-Set-9!")
    me.change_password(OldPassword="Admin-Set-9!", NewPassword=OTHER_PASSWORD)
