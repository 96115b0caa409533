"""Trust policies' principals bound to unique ids: stored with the role, read back everywhere a
role is read, the ARNs of ids now, and revision r0010 filling them for roles written before it."""

from __future__ import annotations

import json
from dataclasses import replace

from alembic import command
from sqlalchemy import text
from store_helpers import ACCOUNT, OTHER_ACCOUNT, T0, AesGcmSealer, make_role

from rolegate.domain.entities import Account, InlinePolicy, Tag, User
from rolegate.domain.instance_profile import InstanceProfile
from rolegate.store import Store
from rolegate.store.migrate import alembic_config, head_revision

BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
APP = f"arn:aws:iam::{ACCOUNT}:role/app"


def _user(name: str, path: str = "/", user_id: str | None = None) -> User:
    arn = f"arn:aws:iam::{ACCOUNT}:user{path}{name}"
    return User(ACCOUNT, user_id or f"AIDA{name.upper():0<16}", name, path, arn, T0)


def _trust(*principals: str) -> str:
    statement = {"Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "sts:*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_every_read_of_a_role_carries_its_bindings(store: Store) -> None:
    ids = ((BOB, "AIDABOB000000000000"), (APP, ""))
    role = replace(make_role("Bound", path="/b/"), trust_principal_ids=ids)
    plain = make_role("Plain", path="/b/")
    profile_arn = f"arn:aws:iam::{ACCOUNT}:instance-profile/p"
    with store.transaction() as tx:
        tx.roles.create(role)
        tx.roles.create(plain)
        profile = InstanceProfile(ACCOUNT, "AIPABOUND", "p", "/", profile_arn, T0)
        tx.instance_profiles.create(profile)
        tx.instance_profiles.add_role("AIPABOUND", role.role_id)
    with store.transaction(write=False) as tx:
        assert tx.roles.get(ACCOUNT, "bound") == role
        assert tx.roles.get_by_id(plain.role_id) == plain and plain.trust_principal_ids == ()
        listed = tx.roles.list(ACCOUNT, path_prefix="/b/", marker=None, max_items=10)
        assert [r.trust_principal_ids for r in listed.items] == [ids, ()]
        found = tx.instance_profiles.get(ACCOUNT, "p")
        assert found is not None and found.roles[0].trust_principal_ids == ids
        null = tx.connection.execute(
            text("SELECT trust_principal_ids FROM roles WHERE role_id = :r"),
            {"r": plain.role_id},
        ).scalar_one()
        assert null is None  # no bindings: nothing stored
    rebound = replace(role, trust_principal_ids=((BOB, "AIDABOB111111111111"),))
    with store.transaction() as tx:
        tx.roles.update(rebound)
    with store.transaction(write=False) as tx:
        assert tx.roles.get_by_id(role.role_id) == rebound


def test_current_arns_of_users_and_roles_by_unique_id(store: Store) -> None:
    bob, app = _user("bob", "/eng/"), make_role("app")
    with store.transaction() as tx:
        tx.users.create(bob)
        tx.roles.create(app)
    with store.transaction(write=False) as tx:
        found = tx.principals.arns([bob.user_id, app.role_id, "AIDAGONE000000000000"])
        assert found == {bob.user_id: bob.arn, app.role_id: app.arn}
        assert tx.principals.arns([]) == {}


def test_upgrading_to_r0010_binds_the_principals_that_hold_the_names(
    url: str, sealer: AesGcmSealer
) -> None:
    """Roles written before r0010 bind each user and role ARN of a held account to whoever
    holds it at the upgrade ("" for an ARN nobody holds, a path that changed included), and
    written unique ids that a user or role has to themselves; other accounts' ARNs, account
    principals and services stay unbound. Going down to r0009 and up
    again keeps every role with its policies and tags."""
    bob, carol, app = _user("bob"), _user("carol", "/eng/"), make_role("app")
    stale_carol = f"arn:aws:iam::{ACCOUNT}:user/carol"  # carol's path is /eng/ now
    ghost = f"arn:aws:iam::{ACCOUNT}:user/ghost"
    elsewhere = "arn:aws:iam::999999999999:user/bob"
    trusting = replace(
        make_role("trusting", tags=(Tag("k", "v"),)),
        assume_role_policy_document=_trust(
            BOB, stale_carol, ghost, APP, elsewhere, ACCOUNT, app.role_id, "AIDAGONE000000000000"
        ),
    )
    service = replace(
        make_role("service"),
        assume_role_policy_document=json.dumps(
            {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}]}
        ),
    )
    store = Store.open(url, sealer=sealer)
    try:
        with store.transaction() as tx:
            tx.accounts.create(Account(ACCOUNT, T0))
            tx.accounts.create(Account(OTHER_ACCOUNT, T0))
            for user in (bob, carol):
                tx.users.create(user)
            for role in (app, trusting, service):
                tx.roles.create(role)
            tx.role_policies.put(trusting.role_id, InlinePolicy("P", "{}"))
        with store.transaction() as tx:
            command.downgrade(alembic_config(tx.connection), "r0009")
            command.upgrade(alembic_config(tx.connection), "head")
        with store.transaction(write=False) as tx:
            got = tx.roles.get(ACCOUNT, "trusting")
            assert got is not None and got.tags == (Tag("k", "v"),)
            assert got.trust_principal_ids == (
                (BOB, bob.user_id),
                (stale_carol, ""),
                (ghost, ""),
                (APP, app.role_id),
                (app.role_id, app.role_id),  # a unique id written as principal, if it exists
            )
            assert tx.role_policies.list_all(trusting.role_id) == [InlinePolicy("P", "{}")]
            again = tx.roles.get(ACCOUNT, "service")
            assert again is not None and again.trust_principal_ids == ()
            assert head_revision() >= "r0010"  # later revisions keep it
    finally:
        store.close()
