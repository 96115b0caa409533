"""The audit trail's two stories across principals and accounts, on both backends:

* SourceIdentity: a person assumes role A with SourceIdentity "alice", chains to role B and
  works there; the administrator finds every action taken under "alice", across both roles,
  with LookupEvents (docs/audit.md, "Who did this?");
* cross-account AssumeRole: the caller's account and the role's account each get the event,
  with one ``sharedEventID``.
"""

from __future__ import annotations

from typing import Any

from audit_helpers import by_attribute, flush, lookup
from in_process import InProcessNode
from sts_helpers import allow, document, new_account, temporary_client, trust


def _under(events: list[dict[str, Any]], source_identity: str) -> list[dict[str, Any]]:
    """The events whose caller's session carries ``source_identity``, or that set it."""
    return [
        e
        for e in events
        if e["record"]["userIdentity"].get("sessionContext", {}).get("sourceIdentity")
        == source_identity
        or (e["record"]["requestParameters"] or {}).get("sourceIdentity") == source_identity
    ]


def test_every_action_under_a_source_identity_is_found_across_chained_roles(
    node: InProcessNode,
) -> None:
    home = new_account(node)
    person = home.user(
        document(allow(["sts:AssumeRole", "sts:SetSourceIdentity"])), name="alice-laptop"
    )
    role_b = home.role(
        trust(
            {"AWS": f"arn:aws:iam::{home.account_id}:root"},
            ["sts:AssumeRole", "sts:SetSourceIdentity"],
        ),
        document(allow(["iam:ListRoles", "iam:GetRole"])),
    )
    role_a = home.role(
        trust({"AWS": person.arn}, ["sts:AssumeRole", "sts:SetSourceIdentity"]),
        document(allow(["sts:AssumeRole", "sts:SetSourceIdentity"], role_b["Arn"])),
    )
    first = person.client().assume_role(
        RoleArn=role_a["Arn"], RoleSessionName="alice-a", SourceIdentity="alice"
    )
    chained = temporary_client(node, first["Credentials"], "sts").assume_role(
        RoleArn=role_b["Arn"], RoleSessionName="alice-b"
    )
    assert chained["SourceIdentity"] == "alice"
    work = temporary_client(node, chained["Credentials"])
    work.list_roles()
    work.get_role(RoleName=role_a["RoleName"])
    # someone else's work in the same role, without a source identity, is not found
    temporary_client(
        node,
        person.client().assume_role(RoleArn=role_a["Arn"], RoleSessionName="other")["Credentials"],
        "sts",
    ).get_caller_identity()
    flush(node)

    events = lookup(home.client("cloudtrail"))
    found = _under(events, "alice")
    actions = sorted((e["EventName"], e["Username"]) for e in found)
    assert actions == [
        ("AssumeRole", "alice-a"),  # role A's session chaining to B
        ("AssumeRole", "alice-laptop"),  # the person setting the source identity
        ("GetRole", "alice-b"),
        ("ListRoles", "alice-b"),
    ]
    issuers = {
        e["record"]["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"]
        for e in found
        if "sessionContext" in e["record"]["userIdentity"]
    }
    assert issuers == {role_a["Arn"], role_b["Arn"]}
    (start,) = [e for e in found if e["Username"] == "alice-laptop"]
    assert start["record"]["requestParameters"]["sourceIdentity"] == "alice"
    assert start["record"]["responseElements"]["sourceIdentity"] == "alice"
    credentials = start["record"]["responseElements"]["credentials"]
    assert credentials["accessKeyId"] == first["Credentials"]["AccessKeyId"]
    assert set(credentials) == {"accessKeyId", "expiration"}
    context = found[0]["record"]["userIdentity"]["sessionContext"]
    assert context["attributes"]["mfaAuthenticated"] == "false"
    assert context["attributes"]["creationDate"].endswith("Z")


def test_cross_account_assume_role_is_in_both_accounts_with_one_shared_event_id(
    node: InProcessNode,
) -> None:
    caller_home, role_home = new_account(node), new_account(node)
    user = caller_home.user(document(allow("sts:AssumeRole")))
    role = role_home.role(trust({"AWS": user.arn}))
    answer = user.client().assume_role(RoleArn=role["Arn"], RoleSessionName="visitor")
    flush(node)
    key = answer["Credentials"]["AccessKeyId"]
    (mine,) = by_attribute(caller_home.client("cloudtrail"), "ResourceName", key)
    (theirs,) = by_attribute(role_home.client("cloudtrail"), "ResourceName", key)
    assert mine["record"]["recipientAccountId"] == caller_home.account_id
    assert theirs["record"]["recipientAccountId"] == role_home.account_id
    assert mine["record"]["sharedEventID"] == theirs["record"]["sharedEventID"]
    assert mine["EventId"] != theirs["EventId"]
    for event in (mine, theirs):
        record = event["record"]
        assert record["userIdentity"]["arn"] == user.arn
        assert record["requestParameters"]["roleArn"] == role["Arn"]
        assert {"ResourceType": "AWS::IAM::Role", "ResourceName": role["Arn"]} in event["Resources"]
    # a same-account AssumeRole has no sharedEventID
    own = caller_home.role(trust({"AWS": user.arn}))
    user.client().assume_role(RoleArn=own["Arn"], RoleSessionName="home")
    flush(node)
    (local,) = by_attribute(caller_home.client("cloudtrail"), "ResourceName", own["Arn"])
    assert "sharedEventID" not in local["record"]
