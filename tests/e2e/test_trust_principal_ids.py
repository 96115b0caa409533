"""Trust policies name users and roles by unique id (issue 13, finding 3b).

"If your Principal element in a role trust policy contains an ARN that points to a specific IAM
role, then that ARN transforms to the role's unique principal ID when you save the policy ... if
you delete the role, then you break the relationship. The policy no longer applies, even if you
recreate the role ... the principal ID appears in resource-based policies because AWS can no
longer map it back to a valid ARN" (reference_policies_elements_principal.md; users alike).
Every output that carries a trust policy shows it: the text as submitted while its principals
exist, the unique id in place of a deleted one's ARN.
"""

from __future__ import annotations

import json
import urllib.parse
import uuid
from typing import Any

import pytest
from policy_helpers import fails
from sts_helpers import (
    Account,
    User,
    allow,
    delete_role,
    delete_user,
    document,
    recreated_user,
    temporary_client,
    trust,
)

from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET, Server
from signing import send, signed

# Spacing and order as a client might write them; a Condition naming the same ARN keeps it.
TRUST_TEXT = """{
  "Version": "2012-10-17",
  "Statement": [ {"Effect": "Allow",
      "Principal": {"AWS": [ "PRINCIPAL" ]},
      "Action": "sts:AssumeRole",
      "Condition": {"StringEquals": {"aws:PrincipalArn": "PRINCIPAL"}} } ]
}"""


@pytest.fixture
def home(server: Server) -> Account:
    return Account(server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)


def trust_naming(arn: str) -> str:
    return TRUST_TEXT.replace("PRINCIPAL", arn)


def shown_after_deletion(arn: str, unique_id: str) -> str:
    """The text with the Principal's ARN replaced by the unique id (the Condition keeps it)."""
    return TRUST_TEXT.replace('[ "PRINCIPAL" ]', f'[ "{unique_id}" ]').replace("PRINCIPAL", arn)


def trust_texts(server: Server, action: str, **params: str) -> list[str]:
    """Every AssumeRolePolicyDocument of a raw IAM answer, exactly as sent (URL-decoded)."""
    url, body, headers = signed(
        server.endpoint, {"Action": action, "Version": "2010-05-08", **params}
    )
    reply = send(url, body=body, headers=headers)
    assert reply.status == 200, reply.body
    return [
        urllib.parse.unquote(element.text or "")
        for element in reply.xml.iter()
        if element.tag.endswith("}AssumeRolePolicyDocument")
    ]


def every_view(server: Server, role_name: str, path: str, profile: str) -> list[str]:
    """The role's trust policy as each operation that returns it shows it."""
    return [
        *trust_texts(server, "GetRole", RoleName=role_name),
        *trust_texts(server, "ListRoles", PathPrefix=path),
        *trust_texts(server, "GetInstanceProfile", InstanceProfileName=profile),
        *trust_texts(server, "ListInstanceProfiles", PathPrefix=path),
        *trust_texts(server, "ListInstanceProfilesForRole", RoleName=role_name),
        *trust_texts(
            server, "UpdateRoleDescription", RoleName=role_name, Description=uuid.uuid4().hex
        ),
    ]


def role_in_profile(home: Account, trust_policy: str) -> tuple[dict[str, Any], str, str]:
    """A role alone on its own path, in an instance profile of that path (so listings by path
    show it once per view)."""
    path = f"/ids-{uuid.uuid4().hex[:10]}/"
    role = home.role(trust_policy, Path=path)
    iam = home.client()
    profile = f"profile-{uuid.uuid4().hex[:10]}"
    iam.create_instance_profile(InstanceProfileName=profile, Path=path)
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role["RoleName"])
    return role, path, profile


def details_trust(server: Server, role_name: str) -> list[str]:
    """The role's trust policy in GetAccountAuthorizationDetails (its RoleDetailList entry and
    the role inside the entry's instance profile)."""
    iam = server.client("iam")
    found = []
    for page in iam.get_paginator("get_account_authorization_details").paginate(Filter=["Role"]):
        found += [d for d in page["RoleDetailList"] if d["RoleName"] == role_name]
    assert len(found) == 1
    detail = found[0]
    return [
        detail["AssumeRolePolicyDocument"],
        *(r["AssumeRolePolicyDocument"] for p in detail["InstanceProfileList"] for r in p["Roles"]),
    ]


def assume(user: User, role: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = user.client().assume_role(RoleArn=role["Arn"], RoleSessionName="ss")
    return answer


def denied(user: User, role: dict[str, Any]) -> tuple[str, int, str]:
    return fails(user.client().assume_role, RoleArn=role["Arn"], RoleSessionName="ss")


def test_a_trust_policy_naming_a_user_trusts_that_user_only(home: Account, server: Server) -> None:
    bob = home.user()
    text = trust_naming(bob.arn)
    role, path, profile = role_in_profile(home, text)
    assert every_view(server, role["RoleName"], path, profile) == [text] * 6
    assume(bob, role)

    delete_user(home, bob)
    shown = shown_after_deletion(bob.arn, bob.user_id)
    assert every_view(server, role["RoleName"], path, profile) == [shown] * 6
    new_bob = recreated_user(home, bob)
    assert denied(new_bob, role) == (
        "AccessDenied",
        403,
        f"User: {bob.arn} is not authorized to perform: sts:AssumeRole on resource: {role['Arn']}",
    )
    assert every_view(server, role["RoleName"], path, profile) == [shown] * 6
    assert details_trust(server, role["RoleName"]) == [json.loads(shown)] * 2

    # UpdateAssumeRolePolicy binds the ARN to the user that holds it now
    home.client().update_assume_role_policy(RoleName=role["RoleName"], PolicyDocument=text)
    assert every_view(server, role["RoleName"], path, profile) == [text] * 6
    assume(new_bob, role)


def test_a_trust_policy_naming_a_role_trusts_that_role_only(home: Account, server: Server) -> None:
    user = home.user()
    name = f"named-{uuid.uuid4().hex[:10]}"
    named = home.role(trust({"AWS": user.arn}), document(allow("sts:AssumeRole")), name=name)
    text = trust_naming(named["Arn"])
    role, path, profile = role_in_profile(home, text)
    session = assume(user, named)["Credentials"]
    temporary_client(server, session, "sts").assume_role(RoleArn=role["Arn"], RoleSessionName="xx")

    delete_role(home, named)
    again = home.role(trust({"AWS": user.arn}), document(allow("sts:AssumeRole")), name=name)
    new_session = temporary_client(server, assume(user, again)["Credentials"], "sts")
    error = fails(new_session.assume_role, RoleArn=role["Arn"], RoleSessionName="xx")
    assert error == (
        "AccessDenied",
        403,
        f"User: arn:aws:sts::{ACCOUNT_ID}:assumed-role/{name}/ss is not authorized to perform: "
        f"sts:AssumeRole on resource: {role['Arn']}",
    )
    shown = shown_after_deletion(named["Arn"], named["RoleId"])
    assert every_view(server, role["RoleName"], path, profile) == [shown] * 6


def test_unique_ids_written_as_principals(home: Account, server: Server) -> None:
    """A unique id may name a principal that exists: IAM stores it as it stores ARNs and shows
    the principal's ARN. A deleted principal's id, as GetRole shows it, cannot be written back
    (a client writing back what it read, as Terraform does, gets AWS's answer)."""
    bob = home.user()
    written = trust({"AWS": bob.user_id})
    role = home.role(written)
    shown = trust_texts(server, "GetRole", RoleName=role["RoleName"])
    assert shown == [written.replace(bob.user_id, bob.arn)]
    assume(bob, role)

    delete_user(home, bob)
    assert trust_texts(server, "GetRole", RoleName=role["RoleName"]) == [written]
    iam = home.client()
    message = f'Invalid principal in policy: "AWS":"{bob.user_id}"'
    invalid = ("MalformedPolicyDocument", 400, message)
    name = role["RoleName"]
    assert fails(iam.update_assume_role_policy, RoleName=name, PolicyDocument=written) == invalid
    again = f"again-{uuid.uuid4().hex[:10]}"
    assert fails(iam.create_role, RoleName=again, AssumeRolePolicyDocument=written) == invalid


def test_a_renamed_user_is_still_trusted_and_shown_by_its_new_name(
    home: Account, server: Server
) -> None:
    """The binding is to the user, not to its name: IAM's reverse transformation shows the name
    UpdateUser gave it, it stays trusted, and whoever takes the old name is not."""
    bob = home.user()
    text = trust({"AWS": bob.arn})
    role = home.role(text)
    new_name = f"renamed-{uuid.uuid4().hex[:10]}"
    home.client().update_user(UserName=bob.name, NewUserName=new_name)
    renamed_arn = f"arn:aws:iam::{ACCOUNT_ID}:user/{new_name}"
    assert trust_texts(server, "GetRole", RoleName=role["RoleName"]) == [
        text.replace(bob.arn, renamed_arn)
    ]
    assume(User(server, new_name, renamed_arn, bob.user_id, bob.key_id, bob.secret), role)
    assert denied(home.user(name=bob.name), role)[0] == "AccessDenied"
