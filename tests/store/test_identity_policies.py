"""A principal's permissions policies in one statement (store/repos/identity_policies.py): what
is included, what is not, and the order the policy engine and its reasons rely on."""

from __future__ import annotations

from dataclasses import replace

from store_helpers import ACCOUNT, OTHER_ACCOUNT, T0, make_managed_policy, make_role
from test_store_groups import make_group
from test_store_users import make_user

from rolegate.domain.entities import InlinePolicy
from rolegate.domain.managed_policy import ManagedPolicy, OwnerKind, PolicyVersion
from rolegate.store import Store, Tx


def doc(name: str) -> str:
    return f'{{"Version":"2012-10-17","Statement":[{{"Sid":"{name}","Effect":"Allow"}}]}}'


def managed(tx: Tx, name: str, account_id: str = ACCOUNT) -> ManagedPolicy:
    policy = make_managed_policy(name, account_id=account_id)
    tx.managed_policies.create(policy, PolicyVersion(1, doc(f"{name}@{account_id}"), T0))
    return policy


def test_a_users_own_policies_then_each_groups_in_name_order(store: Store) -> None:
    user, other = make_user("dev"), make_user("other")
    group_b, group_a, not_mine = make_group("Beta"), make_group("alpha"), make_group("gamma")
    with store.transaction() as tx:
        for u in (user, other):
            tx.users.create(u)
        for g in (group_b, group_a, not_mine):
            tx.groups.create(g)
            if g is not not_mine:
                tx.groups.add_member(g.group_id, user.user_id)
        attach = tx.policy_attachments.attach
        tx.user_policies.put(user.user_id, InlinePolicy("Zed", doc("Zed")))
        tx.user_policies.put(user.user_id, InlinePolicy("apple", doc("apple")))
        tx.user_policies.put(other.user_id, InlinePolicy("theirs", doc("theirs")))
        mine_b, mine_a = managed(tx, "Mine-B"), managed(tx, "mine-a")
        same_name_elsewhere = managed(tx, "mine-a", OTHER_ACCOUNT)
        for policy in (mine_b, mine_a, same_name_elsewhere):
            attach(ACCOUNT, OwnerKind.USER, user.user_id, policy.policy_id)
        boundary = managed(tx, "Boundary")
        tx.policy_attachments.set_boundary(
            ACCOUNT, OwnerKind.USER, user.user_id, boundary.policy_id
        )
        tx.group_policies.put(group_b.group_id, InlinePolicy("b-inline", doc("b-inline")))
        tx.group_policies.put(group_a.group_id, InlinePolicy("a-inline", doc("a-inline")))
        tx.group_policies.put(not_mine.group_id, InlinePolicy("g-inline", doc("g-inline")))
        group_managed = managed(tx, "GroupManaged")
        attach(ACCOUNT, OwnerKind.GROUP, group_a.group_id, group_managed.policy_id)
        attach(ACCOUNT, OwnerKind.GROUP, not_mine.group_id, group_managed.policy_id)
    with store.transaction(write=False) as tx:
        found = tx.identity_policies.of_user(user.user_id, user.arn)
    assert found == [
        (f"{user.arn}/apple", doc("apple")),
        (f"{user.arn}/Zed", doc("Zed")),
        (mine_a.arn, doc(f"mine-a@{ACCOUNT}")),
        (same_name_elsewhere.arn, doc(f"mine-a@{OTHER_ACCOUNT}")),
        (mine_b.arn, doc(f"Mine-B@{ACCOUNT}")),
        (f"{group_a.arn}/a-inline", doc("a-inline")),
        (group_managed.arn, doc(f"GroupManaged@{ACCOUNT}")),
        (f"{group_b.arn}/b-inline", doc("b-inline")),
    ]  # the boundary, another user's and a foreign group's policies are not permissions


def test_a_role_has_its_inline_then_its_attached_policies(store: Store) -> None:
    role, bare = make_role("Worker"), make_role("Bare")
    with store.transaction() as tx:
        tx.roles.create(role)
        tx.roles.create(bare)
        tx.role_policies.put(role.role_id, InlinePolicy("inline", doc("inline")))
        policy = managed(tx, "Attached")
        tx.policy_attachments.attach(ACCOUNT, OwnerKind.ROLE, role.role_id, policy.policy_id)
    with store.transaction(write=False) as tx:
        assert tx.identity_policies.of_role(role.role_id, role.arn) == [
            (f"{role.arn}/inline", doc("inline")),
            (policy.arn, doc(f"Attached@{ACCOUNT}")),
        ]
        assert tx.identity_policies.of_role(bare.role_id, bare.arn) == []


def test_a_group_has_its_own_inline_then_attached_policies(store: Store) -> None:
    """The policy simulator's group source: the group's policies, not its members'."""
    group, other, member = make_group("Team"), make_group("Other"), make_user("member")
    with store.transaction() as tx:
        tx.groups.create(group)
        tx.groups.create(other)
        tx.users.create(member)
        tx.groups.add_member(group.group_id, member.user_id)
        tx.user_policies.put(member.user_id, InlinePolicy("own", doc("own")))
        tx.group_policies.put(group.group_id, InlinePolicy("b", doc("b")))
        tx.group_policies.put(group.group_id, InlinePolicy("A", doc("A")))
        tx.group_policies.put(other.group_id, InlinePolicy("theirs", doc("theirs")))
        policy = managed(tx, "Attached")
        tx.policy_attachments.attach(ACCOUNT, OwnerKind.GROUP, group.group_id, policy.policy_id)
    with store.transaction(write=False) as tx:
        assert tx.identity_policies.of_group(group.group_id, group.arn) == [
            (f"{group.arn}/A", doc("A")),
            (f"{group.arn}/b", doc("b")),
            (policy.arn, doc(f"Attached@{ACCOUNT}")),
        ]


def test_the_default_version_is_the_one_read(store: Store) -> None:
    role = make_role("Versioned")
    with store.transaction() as tx:
        tx.roles.create(role)
        policy = managed(tx, "Versioned")
        tx.managed_policies.add_version(policy.policy_id, PolicyVersion(2, doc("v2"), T0))
        tx.policy_attachments.attach(ACCOUNT, OwnerKind.ROLE, role.role_id, policy.policy_id)
    with store.transaction(write=False) as tx:
        assert tx.identity_policies.of_role(role.role_id, role.arn) == [
            (policy.arn, doc(f"Versioned@{ACCOUNT}"))
        ]
    with store.transaction() as tx:
        tx.managed_policies.update(replace(policy, default_version=2, latest_version=2))
    with store.transaction(write=False) as tx:
        assert tx.identity_policies.of_role(role.role_id, role.arn) == [(policy.arn, doc("v2"))]
