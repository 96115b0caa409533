"""Managed policies, versions and attachments in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import string
import threading
import time
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import IntegrityError
from store_helpers import ACCOUNT, OTHER_ACCOUNT, T0, make_managed_policy, make_role

from rolegate.domain.entities import Tag, User
from rolegate.domain.managed_policy import (
    AWS_ACCOUNT,
    ManagedPolicy,
    OwnerKind,
    PolicyUsage,
    PolicyVersion,
    UsageCounts,
)
from rolegate.store import Conflict, InvalidMarker, Store

DOC_1 = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
DOC_2 = '{"Version":"2012-10-17","Statement":[]}'


def _create(store: Store, policy: ManagedPolicy, document: str = DOC_1) -> ManagedPolicy:
    with store.transaction() as tx:
        tx.managed_policies.create(policy, PolicyVersion(1, document, T0))
    return policy


def test_create_get_by_name_and_arn(store: Store) -> None:
    policy = _create(store, make_managed_policy("Reader", path="/team/", tags=(Tag("a", "b"),)))
    with store.transaction(write=False) as tx:
        repo = tx.managed_policies
        assert repo.get(ACCOUNT, "reader") == policy  # names without regard to case
        assert repo.get_by_arn(policy.arn) == policy
        assert repo.get_by_arn(policy.arn.replace("Reader", "READER")) == policy
        assert repo.get_by_arn(policy.arn.replace("/team/", "/other/")) is None  # exact path
        assert repo.get_by_arn("arn:aws:iam::123456789012:role/Reader") is None
        assert repo.get(OTHER_ACCOUNT, "Reader") is None
        assert repo.count(ACCOUNT) == 1


def test_names_conflict_without_regard_to_case_per_account(store: Store) -> None:
    _create(store, make_managed_policy("Dup"))
    with pytest.raises(Conflict), store.transaction() as tx:
        tx.managed_policies.create(
            make_managed_policy("DUP", path="/x/"), PolicyVersion(1, "{}", T0)
        )
    _create(store, make_managed_policy("Dup", account_id=OTHER_ACCOUNT))
    _create(store, make_managed_policy("Dup", account_id=AWS_ACCOUNT))


def test_versions_default_document_and_cascade(store: Store) -> None:
    policy = _create(store, make_managed_policy("Versioned"))
    with store.transaction() as tx:
        repo = tx.managed_policies
        repo.add_version(policy.policy_id, PolicyVersion(2, DOC_2, T0))
        assert [v.version for v in repo.versions(policy.policy_id)] == [2, 1]  # newest first
        assert repo.policy_document(policy.arn) == DOC_1
        repo.update(replace(policy, default_version=2, latest_version=2))
        assert repo.policy_document(policy.arn) == DOC_2
        assert repo.get_version(policy.policy_id, 1) == PolicyVersion(1, DOC_1, T0)
        assert repo.delete_version(policy.policy_id, 1) is True
        assert repo.delete_version(policy.policy_id, 1) is False
        assert repo.policy_document(policy.arn.replace("Versioned", "Nope")) is None
        assert repo.policy_document("not an arn") is None
        repo.delete(policy.policy_id)
        assert repo.get_version(policy.policy_id, 2) is None
        assert repo.get_by_arn(policy.arn) is None


def test_list_merges_aws_and_local_policies_by_name(store: Store) -> None:
    for name in ("b", "d", "Same"):
        _create(store, make_managed_policy(name))
    for name in ("a", "c", "same"):
        _create(store, make_managed_policy(name, account_id=AWS_ACCOUNT))
    _create(store, make_managed_policy("z-other-account", account_id=OTHER_ACCOUNT))

    def names(scope: str, max_items: int) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        marker = None
        with store.transaction(write=False) as tx:
            while True:
                page = tx.managed_policies.list_policies(
                    ACCOUNT, scope=scope, marker=marker, max_items=max_items
                )
                assert len(page.items) <= max_items
                out += [(p.policy_name, p.account_id) for p in page.items]
                if page.next_marker is None:
                    return out
                marker = page.next_marker

    everything = [
        ("a", AWS_ACCOUNT),
        ("b", ACCOUNT),
        ("c", AWS_ACCOUNT),
        ("d", ACCOUNT),
        ("Same", ACCOUNT),  # equal names: the account's own first ("1…" < "aws")
        ("same", AWS_ACCOUNT),
    ]
    for size in (1, 2, 3, 6, 100):
        assert names("All", size) == everything
        assert names("Local", size) == [e for e in everything if e[1] == ACCOUNT]
        assert names("AWS", size) == [e for e in everything if e[1] == AWS_ACCOUNT]


def test_list_path_prefix_usage_filter_and_markers(store: Store) -> None:
    attached = _create(store, make_managed_policy("Attached", path="/app/"))
    bounding = _create(store, make_managed_policy("Bounding", path="/app/"))
    _create(store, make_managed_policy("Other"))
    role = make_role("Holder")
    with store.transaction() as tx:
        tx.roles.create(role)
        tx.policy_attachments.attach(ACCOUNT, OwnerKind.ROLE, role.role_id, attached.policy_id)
        tx.policy_attachments.set_boundary(
            ACCOUNT, OwnerKind.ROLE, role.role_id, bounding.policy_id
        )
    with store.transaction(write=False) as tx:
        repo = tx.managed_policies

        def listed(**kw: object) -> list[str]:
            page = repo.list_policies(ACCOUNT, scope="Local", marker=None, max_items=10, **kw)  # type: ignore[arg-type]
            return [p.policy_name for p in page.items]

        assert listed(path_prefix="/app/") == ["Attached", "Bounding"]
        assert listed(usage=PolicyUsage.PERMISSIONS) == ["Attached"]
        assert listed(usage=PolicyUsage.BOUNDARY) == ["Bounding"]
        page = repo.list_policies(ACCOUNT, marker=None, max_items=1)
        assert page.next_marker is not None
        with pytest.raises(InvalidMarker):
            repo.list_policies(ACCOUNT, marker="garbage!", max_items=1)
        with pytest.raises(InvalidMarker):  # a marker of another listing
            tx.policy_attachments.entities(
                attached.policy_id, ACCOUNT, marker=page.next_marker, max_items=1
            )


def test_usage_counts_are_per_account(store: Store) -> None:
    aws = _create(store, make_managed_policy("Shared", account_id=AWS_ACCOUNT))
    mine, theirs = make_role("Mine"), make_role("Theirs", account_id=OTHER_ACCOUNT)
    with store.transaction() as tx:
        tx.roles.create(mine)
        tx.roles.create(theirs)
        attachments = tx.policy_attachments
        assert attachments.attach(ACCOUNT, OwnerKind.ROLE, mine.role_id, aws.policy_id) is True
        assert attachments.attach(ACCOUNT, OwnerKind.ROLE, mine.role_id, aws.policy_id) is False
        attachments.attach(OTHER_ACCOUNT, OwnerKind.ROLE, theirs.role_id, aws.policy_id)
        attachments.set_boundary(OTHER_ACCOUNT, OwnerKind.ROLE, theirs.role_id, aws.policy_id)
    with store.transaction(write=False) as tx:
        counts = tx.managed_policies.usage_counts
        assert counts(ACCOUNT, [aws.policy_id]) == {aws.policy_id: UsageCounts(1, 0)}
        assert counts(OTHER_ACCOUNT, [aws.policy_id]) == {aws.policy_id: UsageCounts(1, 1)}
        assert counts(ACCOUNT, []) == {}


def test_attachments_boundaries_and_documents_for_the_engine(store: Store) -> None:
    first = _create(store, make_managed_policy("B-first"), DOC_1)
    second = _create(store, make_managed_policy("a-second"), DOC_2)
    role = make_role("Principal")
    with store.transaction() as tx:
        tx.roles.create(role)
        repo = tx.policy_attachments
        for policy in (first, second):
            repo.attach(ACCOUNT, OwnerKind.ROLE, role.role_id, policy.policy_id)
        repo.set_boundary(ACCOUNT, OwnerKind.ROLE, role.role_id, first.policy_id)
        repo.set_boundary(ACCOUNT, OwnerKind.ROLE, role.role_id, second.policy_id)  # replaces
    with store.transaction() as tx:
        repo = tx.policy_attachments
        assert [p.policy_name for p in repo.attached(OwnerKind.ROLE, role.role_id)] == [
            "a-second",
            "B-first",
        ]
        boundaries = repo.attached(OwnerKind.ROLE, role.role_id, PolicyUsage.BOUNDARY)
        assert [p.policy_name for p in boundaries] == ["a-second"]
        assert repo.count(OwnerKind.ROLE, role.role_id) == 2
        assert tx.identity_policies.of_role(role.role_id, role.arn) == [
            (second.arn, DOC_2),
            (first.arn, DOC_1),
        ]
        assert repo.detach(OwnerKind.ROLE, role.role_id, first.policy_id) is True
        assert repo.detach(OwnerKind.ROLE, role.role_id, first.policy_id) is False
        repo.clear(OwnerKind.ROLE, role.role_id)
        assert repo.count(OwnerKind.ROLE, role.role_id) == 0
        assert repo.attached(OwnerKind.ROLE, role.role_id, PolicyUsage.BOUNDARY) == []


def test_a_policy_in_use_cannot_be_deleted_by_the_database_either(store: Store) -> None:
    policy = _create(store, make_managed_policy("InUse"))
    role = make_role("User")
    with store.transaction() as tx:
        tx.roles.create(role)
        tx.policy_attachments.attach(ACCOUNT, OwnerKind.ROLE, role.role_id, policy.policy_id)
    with pytest.raises(IntegrityError), store.transaction() as tx:
        tx.managed_policies.delete(policy.policy_id)


def test_entities_for_policy_pages_roles_then_users_by_id(store: Store) -> None:
    policy = _create(store, make_managed_policy("Everyone"))
    roles = [make_role(name, path="/svc/" if name < "r2" else "/") for name in ("r1", "R0", "r2")]
    users = [
        User(ACCOUNT, f"AIDA{name.upper()}X", name, "/", f"arn:aws:iam::{ACCOUNT}:user/{name}", T0)
        for name in ("u1", "u0")
    ]
    with store.transaction() as tx:
        for role in roles:
            tx.roles.create(role)
            tx.policy_attachments.attach(ACCOUNT, OwnerKind.ROLE, role.role_id, policy.policy_id)
        for user in users:
            tx.users.create(user)
        tx.policy_attachments.attach(ACCOUNT, OwnerKind.USER, users[0].user_id, policy.policy_id)
        tx.policy_attachments.set_boundary(
            ACCOUNT, OwnerKind.USER, users[1].user_id, policy.policy_id
        )
    # Groups, roles, users; each kind by id (the index order, so pages cost the same anywhere).
    expected = [("role", r.role_name) for r in sorted(roles, key=lambda r: r.role_id)]
    expected += [("user", "u0"), ("user", "u1")]  # AIDAU0X < AIDAU1X
    with store.transaction(write=False) as tx:
        for size in (1, 2, 5, 10):
            seen: list[tuple[str, str]] = []
            marker = None
            while True:
                page = tx.policy_attachments.entities(
                    policy.policy_id, ACCOUNT, marker=marker, max_items=size
                )
                seen += [(e.kind.value, e.name) for e in page.items]
                if page.next_marker is None:
                    break
                marker = page.next_marker
            assert seen == expected
        only = tx.policy_attachments.entities(
            policy.policy_id,
            ACCOUNT,
            kinds=(OwnerKind.USER,),
            usage=PolicyUsage.PERMISSIONS,
            marker=None,
            max_items=10,
        )
        assert [e.name for e in only.items] == ["u1"]
        svc = tx.policy_attachments.entities(
            policy.policy_id, ACCOUNT, path_prefix="/svc/", marker=None, max_items=10
        )
        assert sorted(e.name for e in svc.items) == ["R0", "r1"]
        assert (
            tx.policy_attachments.entities(
                policy.policy_id, OTHER_ACCOUNT, marker=None, max_items=10
            ).items
            == []
        )


@pytest.mark.parametrize("attempt", range(3))
def test_version_limit_holds_under_concurrent_writers(store: Store, attempt: int) -> None:
    """The service's lock-count-insert, from two connections at once at 4 of 5 versions."""
    policy = _create(store, make_managed_policy("Raced"))
    with store.transaction() as tx:
        for n in (2, 3, 4):
            tx.managed_policies.add_version(policy.policy_id, PolicyVersion(n, DOC_2, T0))
        tx.managed_policies.update(replace(policy, latest_version=4))
    barrier = threading.Barrier(2)
    added: list[bool] = []

    def create_version() -> None:
        barrier.wait()
        with store.transaction() as tx:
            locked = tx.managed_policies.lock(policy.policy_id, exclusive=True)
            assert locked is not None
            if len(tx.managed_policies.versions(policy.policy_id)) >= 5:
                added.append(False)
                return
            time.sleep(0.02)  # keep the transaction open while the other one tries
            number = locked.latest_version + 1
            tx.managed_policies.add_version(policy.policy_id, PolicyVersion(number, DOC_1, T0))
            tx.managed_policies.update(replace(locked, latest_version=number))
            added.append(True)

    threads = [threading.Thread(target=create_version) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(added) == [False, True]
    with store.transaction(write=False) as tx:
        assert [v.version for v in tx.managed_policies.versions(policy.policy_id)] == [
            5,
            4,
            3,
            2,
            1,
        ]


def test_usage_counters_follow_every_change(store: Store) -> None:
    """The counters ListPolicies reads equal a count of the attachment rows after any mix of
    attach, re-attach, detach, boundary changes and principal removal."""
    policies = [_create(store, make_managed_policy(f"P{i}")) for i in range(3)]
    roles = [make_role(f"R{i}") for i in range(4)]
    with store.transaction() as tx:
        repo = tx.policy_attachments
        for role in roles:
            tx.roles.create(role)
            for policy in policies[:2]:
                repo.attach(ACCOUNT, OwnerKind.ROLE, role.role_id, policy.policy_id)
                repo.attach(ACCOUNT, OwnerKind.ROLE, role.role_id, policy.policy_id)
            repo.set_boundary(ACCOUNT, OwnerKind.ROLE, role.role_id, policies[2].policy_id)
        repo.detach(OwnerKind.ROLE, roles[0].role_id, policies[0].policy_id)
        repo.detach(OwnerKind.ROLE, roles[0].role_id, policies[0].policy_id)  # no-op
        repo.set_boundary(ACCOUNT, OwnerKind.ROLE, roles[1].role_id, policies[0].policy_id)
        repo.set_boundary(ACCOUNT, OwnerKind.ROLE, roles[2].role_id, None)
        repo.clear(OwnerKind.ROLE, roles[3].role_id)
    with store.transaction(write=False) as tx:
        counts = tx.managed_policies.usage_counts(ACCOUNT, [p.policy_id for p in policies])
        expected = {}
        for policy in policies:
            attached = boundaries = 0
            for role in roles:
                for p in tx.policy_attachments.attached(OwnerKind.ROLE, role.role_id):
                    attached += p.policy_id == policy.policy_id
                for p in tx.policy_attachments.attached(
                    OwnerKind.ROLE, role.role_id, PolicyUsage.BOUNDARY
                ):
                    boundaries += p.policy_id == policy.policy_id
            expected[policy.policy_id] = UsageCounts(attached, boundaries)
        assert counts == expected
        assert expected[policies[0].policy_id] == UsageCounts(2, 1)
        assert expected[policies[2].policy_id] == UsageCounts(0, 1)


def test_crossed_boundary_swaps_do_not_deadlock(store: Store) -> None:
    """Two transactions moving boundaries in opposite directions touch the same two counters;
    they take them in one order, so neither is aborted (PostgreSQL would detect a deadlock)."""
    first, second = (_create(store, make_managed_policy(n)) for n in ("First", "Second"))
    one, two = make_role("One"), make_role("Two")
    with store.transaction() as tx:
        for role, policy in ((one, first), (two, second)):
            tx.roles.create(role)
            tx.policy_attachments.set_boundary(
                ACCOUNT, OwnerKind.ROLE, role.role_id, policy.policy_id
            )
    for round_number in range(6):
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def swap(
            role_id: str, to: str, barrier: threading.Barrier, errors: list[BaseException]
        ) -> None:
            try:
                barrier.wait()
                with store.transaction() as tx:
                    tx.policy_attachments.set_boundary(ACCOUNT, OwnerKind.ROLE, role_id, to)
                    time.sleep(0.01)
            except BaseException as exc:
                errors.append(exc)

        flip = round_number % 2 == 0
        targets = [
            (one.role_id, second if flip else first),
            (two.role_id, first if flip else second),
        ]
        threads = [
            threading.Thread(target=swap, args=(r, p.policy_id, barrier, errors))
            for r, p in targets
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
    with store.transaction(write=False) as tx:
        counts = tx.managed_policies.usage_counts(ACCOUNT, [first.policy_id, second.policy_id])
        assert counts == {first.policy_id: UsageCounts(0, 1), second.policy_id: UsageCounts(0, 1)}


POLICY_NAME_CHARS = string.ascii_letters + string.digits + "+=,.@_-"
policy_names = st.lists(
    st.text(POLICY_NAME_CHARS, min_size=1, max_size=8), max_size=10, unique_by=str.lower
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(local=policy_names, aws=policy_names, max_items=st.integers(1, 7))
def test_merged_pages_partition_the_sorted_policies(
    shared_store: Store, local: list[str], aws: list[str], max_items: int
) -> None:
    """Scope=All walks the account's and AWS's policies as one list by (name, account): every
    policy once, full pages until the last, even when both sides hold a name."""
    shared_store.reset()
    with shared_store.transaction() as tx:
        for account, names in ((ACCOUNT, local), (AWS_ACCOUNT, aws)):
            for name in names:
                policy = make_managed_policy(name, account_id=account)
                tx.managed_policies.create(policy, PolicyVersion(1, "{}", T0))
        seen: list[tuple[str, str]] = []
        marker = None
        while True:
            page = tx.managed_policies.list_policies(ACCOUNT, marker=marker, max_items=max_items)
            seen += [(p.policy_name, p.account_id) for p in page.items]
            if page.next_marker is None:
                break
            assert len(page.items) == max_items
            marker = page.next_marker
    expected = [(n, ACCOUNT) for n in local] + [(n, AWS_ACCOUNT) for n in aws]
    assert seen == sorted(expected, key=lambda e: (e[0].lower(), e[1]))


operations = st.lists(
    st.tuples(
        st.sampled_from(["attach", "detach", "boundary", "no-boundary", "clear"]),
        st.integers(0, 2),  # role
        st.integers(0, 2),  # policy
    ),
    max_size=25,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=operations)
def test_usage_counters_equal_the_attachments_after_any_operations(
    shared_store: Store, steps: list[tuple[str, int, int]]
) -> None:
    shared_store.reset()
    policies = [make_managed_policy(f"P{i}") for i in range(3)]
    roles = [make_role(f"R{i}") for i in range(3)]
    with shared_store.transaction() as tx:
        for policy in policies:
            tx.managed_policies.create(policy, PolicyVersion(1, "{}", T0))
        for role in roles:
            tx.roles.create(role)
        repo = tx.policy_attachments
        for action, r, p in steps:
            role_id, policy_id = roles[r].role_id, policies[p].policy_id
            if action == "attach":
                repo.attach(ACCOUNT, OwnerKind.ROLE, role_id, policy_id)
            elif action == "detach":
                repo.detach(OwnerKind.ROLE, role_id, policy_id)
            elif action == "boundary":
                repo.set_boundary(ACCOUNT, OwnerKind.ROLE, role_id, policy_id)
            elif action == "no-boundary":
                repo.set_boundary(ACCOUNT, OwnerKind.ROLE, role_id, None)
            else:
                repo.clear(OwnerKind.ROLE, role_id)
        counted = {p.policy_id: [0, 0] for p in policies}
        for role in roles:
            for policy in repo.attached(OwnerKind.ROLE, role.role_id):
                counted[policy.policy_id][0] += 1
            for policy in repo.attached(OwnerKind.ROLE, role.role_id, PolicyUsage.BOUNDARY):
                counted[policy.policy_id][1] += 1
            assert len(repo.attached(OwnerKind.ROLE, role.role_id, PolicyUsage.BOUNDARY)) <= 1
        counters = tx.managed_policies.usage_counts(ACCOUNT, list(counted))
    for policy_id, (attached, bounded) in counted.items():
        assert counters.get(policy_id, UsageCounts()) == UsageCounts(attached, bounded)
