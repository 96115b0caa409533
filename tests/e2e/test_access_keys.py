"""Access keys of users end to end: the two-key quota, status, deletion, last use, and requests
signed with a user's key (the caller is the user), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from in_process import InProcessNode

from harness import ACCOUNT_ID, REGION, Node


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def _user_with_key(
    iam: Any, unique: Callable[[str], str], path: str = "/"
) -> tuple[str, dict[str, Any]]:
    name = unique("keyed")
    iam.create_user(UserName=name, Path=path)
    return name, iam.create_access_key(UserName=name)["AccessKey"]


def test_create_access_key_returns_a_secret_once_and_lists_metadata(
    iam: Any, unique: Callable[[str], str]
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=2)
    name, key = _user_with_key(iam, unique)
    assert key["UserName"] == name and key["Status"] == "Active"
    assert key["AccessKeyId"].startswith("AKIA") and len(key["AccessKeyId"]) == 20
    assert len(key["SecretAccessKey"]) == 40
    assert before <= key["CreateDate"] <= datetime.now(UTC) + timedelta(seconds=2)
    listed = iam.list_access_keys(UserName=name)
    assert listed["AccessKeyMetadata"] == [
        {k: key[k] for k in ("UserName", "AccessKeyId", "Status", "CreateDate")}
    ]
    assert listed["IsTruncated"] is False


def test_a_user_holds_at_most_two_keys(iam: Any, unique: Callable[[str], str]) -> None:
    name, first = _user_with_key(iam, unique)
    second = iam.create_access_key(UserName=name)["AccessKey"]
    with pytest.raises(ClientError) as excinfo:
        iam.create_access_key(UserName=name)
    assert error_of(excinfo) == (
        "LimitExceeded",
        409,
        "Cannot exceed quota for AccessKeysPerUser: 2",
    )
    ids = [k["AccessKeyId"] for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]]
    assert sorted(ids) == sorted([first["AccessKeyId"], second["AccessKeyId"]])
    page = iam.list_access_keys(UserName=name, MaxItems=1)
    assert page["IsTruncated"] is True and len(page["AccessKeyMetadata"]) == 1
    rest = iam.list_access_keys(UserName=name, MaxItems=1, Marker=page["Marker"])
    assert rest["IsTruncated"] is False
    assert {
        page["AccessKeyMetadata"][0]["AccessKeyId"],
        rest["AccessKeyMetadata"][0]["AccessKeyId"],
    } == set(ids)


def test_update_and_delete_need_the_key_of_that_user(
    iam: Any, unique: Callable[[str], str]
) -> None:
    name, key = _user_with_key(iam, unique)
    other, _ = _user_with_key(iam, unique)
    key_id = key["AccessKeyId"]
    missing = f"The Access Key with id {key_id} cannot be found."
    call: Callable[[], Any]
    for call in (
        lambda: iam.update_access_key(UserName=other, AccessKeyId=key_id, Status="Inactive"),
        lambda: iam.delete_access_key(UserName=other, AccessKeyId=key_id),
        lambda: iam.delete_access_key(AccessKeyId=key_id),  # root's own keys
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == ("NoSuchEntity", 404, missing)
    iam.update_access_key(UserName=name, AccessKeyId=key_id, Status="Inactive")
    assert iam.list_access_keys(UserName=name)["AccessKeyMetadata"][0]["Status"] == "Inactive"
    iam.delete_access_key(UserName=name, AccessKeyId=key_id)
    assert iam.list_access_keys(UserName=name)["AccessKeyMetadata"] == []
    with pytest.raises(ClientError) as excinfo:
        iam.delete_access_key(UserName=name, AccessKeyId=key_id)
    assert error_of(excinfo) == ("NoSuchEntity", 404, missing)


def test_invalid_status_is_a_validation_error(iam: Any, unique: Callable[[str], str]) -> None:
    name, key = _user_with_key(iam, unique)
    with pytest.raises(ClientError) as excinfo:
        iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Paused")
    assert error_of(excinfo)[:2] == ("ValidationError", 400)


def test_a_user_key_signs_as_the_user(node: Node, iam: Any, unique: Callable[[str], str]) -> None:
    """With no policy the user is denied, and the denial names the user's ARN with its path."""
    name, key = _user_with_key(iam, unique, path="/team/")
    user_iam = node.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(ClientError) as excinfo:
        user_iam.list_roles()
    code, status, message = error_of(excinfo)
    assert (code, status) == ("AccessDenied", 403)
    assert message.startswith(
        f"User: arn:aws:iam::{ACCOUNT_ID}:user/team/{name} is not authorized to perform: "
        f"iam:ListRoles on resource: arn:aws:iam::{ACCOUNT_ID}:role/"
    )


def test_inactive_deleted_and_forged_user_keys_are_refused(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    name, key = _user_with_key(iam, unique)
    invalid = (
        "InvalidClientTokenId",
        403,
        "The security token included in the request is invalid.",
    )
    user_sts = node.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    forged = node.client("sts", key["AccessKeyId"], key["SecretAccessKey"][:-1] + "x")
    with pytest.raises(ClientError) as excinfo:
        forged.get_caller_identity()
    assert error_of(excinfo)[:2] == ("SignatureDoesNotMatch", 403)
    iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    with pytest.raises(ClientError) as excinfo:
        user_sts.get_caller_identity()
    assert error_of(excinfo) == invalid
    iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    with pytest.raises(ClientError) as excinfo:
        user_sts.get_caller_identity()
    assert error_of(excinfo) == invalid


def test_last_used_is_n_a_until_the_key_signs_then_names_service_and_region(
    node: Node, iam: Any, unique: Callable[[str], str]
) -> None:
    name, key = _user_with_key(iam, unique)
    fresh = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
    assert fresh["UserName"] == name
    assert fresh["AccessKeyLastUsed"] == {"ServiceName": "N/A", "Region": "N/A"}
    before = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    user_sts = node.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    identity = user_sts.get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/{name}"
    assert identity["UserId"].startswith("AIDA") and identity["Account"] == ACCOUNT_ID
    used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
    assert (used["ServiceName"], used["Region"]) == ("sts", REGION)
    assert before <= used["LastUsedDate"] <= datetime.now(UTC)
    assert used["LastUsedDate"].second == 0  # kept to the minute, as AWS shows it


def test_root_manages_its_own_keys_without_a_user_name(node: Node, iam: Any) -> None:
    created = iam.create_access_key()["AccessKey"]
    try:
        assert "UserName" not in created and created["AccessKeyId"].startswith("AKIA")
        root_iam = node.client("iam", created["AccessKeyId"], created["SecretAccessKey"])
        ids = [k["AccessKeyId"] for k in root_iam.list_access_keys()["AccessKeyMetadata"]]
        assert created["AccessKeyId"] in ids
        assert root_iam.get_user()["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:root"
        # the root user holds two keys at most as well: the test key and this one
        with pytest.raises(ClientError) as excinfo:
            iam.create_access_key()
        assert error_of(excinfo)[0] == "LimitExceeded"
    finally:
        iam.delete_access_key(AccessKeyId=created["AccessKeyId"])
    ids = [k["AccessKeyId"] for k in iam.list_access_keys()["AccessKeyMetadata"]]
    assert created["AccessKeyId"] not in ids


def test_last_used_of_an_unknown_key_is_access_denied(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.get_access_key_last_used(AccessKeyId="AKIANOSUCHKEY0000000")
    assert error_of(excinfo) == (
        "AccessDenied",
        403,
        f"User: arn:aws:iam::{ACCOUNT_ID}:root is not authorized to perform "
        "iam:GetAccessKeyLastUsed on resource: access key AKIANOSUCHKEY0000000",
    )


def test_permissive_mode_still_knows_and_verifies_user_keys(
    start_node: Callable[..., InProcessNode],
) -> None:
    """Unknown keys act as the root user there; a user's real key is that user, and a wrong
    secret for it is still refused."""
    srv = start_node(auth="permissive")
    root = srv.client("iam", "AKIAMADEUPKEY0000001", "made-up-secret")
    root.create_user(UserName="dev")
    key = root.create_access_key(UserName="dev")["AccessKey"]
    identity = srv.client("sts", key["AccessKeyId"], key["SecretAccessKey"]).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/dev"
    wrong = srv.client("sts", key["AccessKeyId"], "not-the-secret")
    with pytest.raises(ClientError) as excinfo:
        wrong.get_caller_identity()
    assert error_of(excinfo)[:2] == ("SignatureDoesNotMatch", 403)
