"""``Prepared`` keeps SQLAlchemy's contract: every statement shape the store runs through it gives
what ``Connection.execute`` of the same statement gives, on both backends.

``store/prepared.py`` reads SQLAlchemy's compiled form (``_bind_processors``,
``_result_columns``, ``positiontup``, the column types' result processors) and runs it on the
driver's cursor. Those are private attributes, so this suite is what says a SQLAlchemy release
still fits (pyproject.toml bounds the version to the releases it passed on): the same rows with
the same column names and Python values (timestamps, id lists, literals the statement carries),
the same row counts for writes, the same exceptions, and the statement listeners still called.
The statements are the store's own, taken from the modules that run them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import Executable
from store_helpers import ACCOUNT, T0, make_managed_policy, make_role
from test_store_groups import make_group
from test_store_instance_profiles import make_profile
from test_store_users import make_key, make_user

from rolegate.domain.entities import Account, InlinePolicy, Tag
from rolegate.domain.managed_policy import OwnerKind, PolicyUsage, PolicyVersion
from rolegate.domain.outbound_federation import OutboundIssuer, SigningKey
from rolegate.store import Store, Tx, keyset
from rolegate.store.dialects import insert_ignoring_duplicates, upsert
from rolegate.store.prepared import Prepared
from rolegate.store.repos import (
    access_keys,
    account_details,
    account_settings,
    identity_policies,
    inline_policies,
    instance_profiles,
    managed_policies,
    outbound_federation,
    principals,
    roles,
    tags,
)
from rolegate.store.schema import role_policies, role_tags, user_policies
from rolegate.store.schema import roles as roles_table
from rolegate.store.schema_groups import groups as groups_table


@dataclass(frozen=True)
class World:
    """What the statements read: one account with a little of everything."""

    role_ids: tuple[str, ...]
    user_id: str
    group_ids: tuple[str, ...]
    policy_ids: tuple[str, ...]
    key_id: str


def _doc(sid: str) -> str:
    return f'{{"Version":"2012-10-17","Statement":[{{"Sid":"{sid}","Effect":"Allow"}}]}}'


def _fill(tx: Tx) -> World:
    tx.accounts.create(Account(ACCOUNT, T0))
    tagged = make_role("Tagged", path="/app/", tags=(Tag("b", "2"), Tag("a", "1")))
    plain = make_role("plain")
    for role in (tagged, plain):
        tx.roles.create(role)
    user = make_user("dev", tags=(Tag("team", "core"),))
    tx.users.create(user)
    tx.access_keys.create(make_key("AKIACONTRACT", user.user_name))
    group_ids = []
    for name in ("beta", "Alpha"):
        group = make_group(name)
        tx.groups.create(group)
        tx.groups.add_member(group.group_id, user.user_id)
        tx.group_policies.put(group.group_id, InlinePolicy(f"{name}-inline", _doc(name)))
        group_ids.append(group.group_id)
    tx.role_policies.put(tagged.role_id, InlinePolicy("Zed", _doc("Zed")))
    tx.role_policies.put(tagged.role_id, InlinePolicy("apple", _doc("apple")))
    tx.user_policies.put(user.user_id, InlinePolicy("own", _doc("own")))
    policy_ids = []
    for name in ("Read", "admin", "Boundary"):
        policy = make_managed_policy(name, path="/ops/" if name == "Read" else "/")
        tx.managed_policies.create(policy, PolicyVersion(1, _doc(name), T0))
        policy_ids.append(policy.policy_id)
    tx.managed_policies.add_version(policy_ids[0], PolicyVersion(2, _doc("v2"), T0))
    attach = tx.policy_attachments.attach
    for owner_kind, owner_id in (
        (OwnerKind.ROLE, tagged.role_id),
        (OwnerKind.USER, user.user_id),
        (OwnerKind.GROUP, group_ids[1]),
    ):
        attach(ACCOUNT, owner_kind, owner_id, policy_ids[0])
        attach(ACCOUNT, owner_kind, owner_id, policy_ids[1])
    tx.policy_attachments.set_boundary(ACCOUNT, OwnerKind.USER, user.user_id, policy_ids[2])
    profile = make_profile("web")
    tx.instance_profiles.create(profile)
    tx.instance_profiles.add_role(profile.instance_profile_id, tagged.role_id)
    tx.outbound_federation.create_issuer(OutboundIssuer(ACCOUNT, str(uuid.uuid4()), True, T0))
    tx.outbound_federation.add_key(SigningKey("es384-contract", ACCOUNT, "ES384", "{}", T0), b"k")
    tx.account_settings.set_quota(ACCOUNT, "RolesPerAccount", 7)
    return World(
        (tagged.role_id, plain.role_id),
        user.user_id,
        tuple(group_ids),
        tuple(policy_ids),
        "AKIACONTRACT",
    )


@pytest.fixture
def world(store: Store) -> World:
    with store.transaction() as tx:
        return _fill(tx)


# --- reads: (the Prepared statement, its values) for each shape ----------------------------------
Read = Callable[[World], tuple[Prepared, dict[str, Any]]]
_roles_page = keyset.page_statement
_with_tags = roles._WITH_TAGS  # the same shape serves users, groups, profiles and policies


def _keyset_page(prefix: str, after: str | None) -> Read:
    def read(world: World) -> tuple[Prepared, dict[str, Any]]:
        statement, params = _roles_page(roles_table, ACCOUNT, prefix, after=after, limit=10)
        return keyset._prepared(statement), params

    return read


def _policy_page(prefix: str, usage: PolicyUsage | None, after: tuple[str, str] | None) -> Read:
    def read(world: World) -> tuple[Prepared, dict[str, Any]]:
        statement, params = managed_policies._policy_page(
            ACCOUNT, ACCOUNT, prefix, usage, after=after, limit=10
        )
        return managed_policies._prepared(statement), params

    return read


READS: dict[str, Read] = {
    # one row by a bound key: timestamps and sealed secrets through the column types
    "by key": lambda w: (access_keys._BY_ID, {"access_key_id": w.key_id}),
    # an outer join ordered by the joined table: a row per tag, NULL tags for none
    "outer join": lambda w: (
        _with_tags.by_name,
        {"account_id": ACCOUNT, "name_key": "tagged"},
    ),
    "outer join, no match": lambda w: (_with_tags.by_id, {"role_id": w.role_ids[1]}),
    "outer join, bound in ON": lambda w: (
        outbound_federation._SIGNING_STATE,
        {"account_id": ACCOUNT, "algorithm": "ES384"},
    ),
    "outer join, bound in ON, no match": lambda w: (
        outbound_federation._SIGNING_STATE,
        {"account_id": ACCOUNT, "algorithm": "RS256"},
    ),
    "count": lambda w: (roles._COUNT, {"account_id": ACCOUNT}),
    "FOR UPDATE": lambda w: (account_settings._LOCK_ACCOUNT, {"account_id": ACCOUNT}),
    "two keys": lambda w: (
        account_settings._QUOTA_OVERRIDE,
        {"account_id": ACCOUNT, "quota_name": "RolesPerAccount"},
    ),
    "ordered by one key": lambda w: (
        inline_policies._list_all_statement(role_policies),
        {"owner_id": w.role_ids[0]},
    ),
    # id lists bound as one value (store.id_lists), joins and a literal the statement carries
    "id list": lambda w: (tags._tags_of_many(role_tags), {"ids": list(w.role_ids)}),
    "id list, join": lambda w: (account_details._GROUP_NAMES, {"ids": [w.user_id]}),
    "id list, join, literal": lambda w: (
        account_details._ATTACHED,
        {"kind": OwnerKind.GROUP.value, "ids": list(w.group_ids)},
    ),
    "id list, descending timestamps": lambda w: (
        account_details._VERSIONS,
        {"ids": list(w.policy_ids)},
    ),
    "id list, whole table": lambda w: (
        instance_profiles._PROFILES_OF_ROLES,
        {"ids": list(w.role_ids)},
    ),
    "id list, two keys": lambda w: (
        managed_policies._USAGE_COUNTS,
        {"account_id": ACCOUNT, "ids": list(w.policy_ids)},
    ),
    "id list, inline per table": lambda w: (
        account_details._inline_statement(user_policies),
        {"ids": [w.user_id]},
    ),
    # UNION ALL: of id lists, and ordered over the union's columns
    "union of id lists": lambda w: (principals._ARNS, {"ids": [w.user_id, *w.role_ids]}),
    "ordered union, user": lambda w: (
        identity_policies._OF_USER,
        {"owner_id": w.user_id},
    ),
    "ordered union, role": lambda w: (identity_policies._OF_ROLE, {"owner_id": w.role_ids[0]}),
    "ordered union, group": lambda w: (identity_policies._OF_GROUP, {"owner_id": w.group_ids[1]}),
    # keyset pages: substr of a bound length, a bound LIMIT, a marker or not
    "page": _keyset_page("/", None),
    "page, prefix": _keyset_page("/app/", None),
    "page, marker": _keyset_page("/", "plain"),
    "policy page": _policy_page("/", None, None),
    "policy page, prefix, usage": _policy_page("/ops/", PolicyUsage.PERMISSIONS, None),
    "policy page, marker": _policy_page("/", PolicyUsage.BOUNDARY, ("admin", ACCOUNT)),
}
# PostgreSQL's LATERAL form of "id list, join, literal" (unnest of a text[] cast)
PG_READS: dict[str, Read] = {
    "lateral": lambda w: (
        account_details._ATTACHED_PG,
        {"kind": OwnerKind.ROLE.value, "ids": list(w.role_ids)},
    ),
}
# shapes whose rows may be none in this world
MAY_BE_EMPTY = {"outer join, no match", "policy page, marker"}


def _run_both(conn: Connection, prepared: Prepared, params: dict[str, Any]) -> None:
    expected = conn.execute(_executable(prepared), params)
    names = tuple(expected.keys())
    rows = [tuple(row) for row in expected.all()]
    got = prepared.all(conn, params)
    assert [tuple(row) for row in got] == rows
    assert [[type(cell) for cell in row] for row in got] == [[type(c) for c in r] for r in rows]
    for row in got:
        assert row._fields == names
        assert all(getattr(row, name) == row[i] for i, name in enumerate(names))
    first = prepared.first(conn, params)
    assert (tuple(first) if first is not None else None) == (rows[0] if rows else None)
    assert prepared.scalar(conn, params) == (rows[0][0] if rows else None)


@pytest.mark.parametrize("shape", sorted(READS))
def test_reads_give_what_execute_gives(store: Store, world: World, shape: str) -> None:
    prepared, params = READS[shape](world)
    with store.transaction() as tx:
        if shape not in MAY_BE_EMPTY:
            assert tx.connection.execute(_executable(prepared), params).first() is not None
        _run_both(tx.connection, prepared, params)


@pytest.mark.parametrize("shape", sorted(PG_READS))
def test_postgresql_reads_give_what_execute_gives(store: Store, world: World, shape: str) -> None:
    if store.dialect_name != "postgresql":
        pytest.skip("a PostgreSQL statement")
    prepared, params = PG_READS[shape](world)
    with store.transaction() as tx:
        assert tx.connection.execute(_executable(prepared), params).first() is not None
        _run_both(tx.connection, prepared, params)


def test_every_module_level_statement_is_in_the_contract(world: World) -> None:
    """A Prepared statement added to a repository module must be added to READS too."""
    covered = {id(read(world)[0]) for read in (*READS.values(), *PG_READS.values())}
    modules = (
        access_keys,
        account_details,
        account_settings,
        identity_policies,
        instance_profiles,
        managed_policies,
        outbound_federation,
        principals,
        roles,
    )
    found = {
        f"{module.__name__}.{name}": value
        for module in modules
        for name, value in vars(module).items()
        if isinstance(value, Prepared)
    }
    covered.add(id(roles._RECORD_USE))  # test_update_counts_and_stores_alike
    assert len(found) >= 10  # the walk sees them
    assert [name for name, value in found.items() if id(value) not in covered] == []


# --- writes: the row counts and the rows they leave ---------------------------------------------
def _role_values(role_id: str, name: str) -> dict[str, Any]:
    """Every column of a role row (as ``RoleRepo.create`` binds them)."""
    role = make_role(name, role_id=role_id)
    return {
        "role_id": role.role_id,
        "account_id": role.account_id,
        "role_name": role.role_name,
        "name_key": role.role_name.lower(),
        "path": role.path,
        "arn": role.arn,
        "create_date": role.create_date,
        "assume_role_policy_document": role.assume_role_policy_document,
        "description": "d",
        "max_session_duration": role.max_session_duration,
        "permissions_boundary_arn": None,
        "last_used_date": T0,
        "last_used_region": "us-east-1",
        "trust_principal_ids": (("arn:aws:iam::123456789012:root", "123456789012"),),
    }


def _row(conn: Connection, role_id: str) -> tuple[Any, ...]:
    row = conn.execute(select(roles_table).where(roles_table.c.role_id == role_id)).one()
    return tuple(row)


def test_insert_ignoring_duplicates_counts_and_stores_alike(store: Store, world: World) -> None:
    with store.transaction() as tx:
        conn = tx.connection
        statement = insert_ignoring_duplicates(roles_table, store.dialect_name)
        prepared = Prepared(statement)
        mine, theirs = (
            _role_values("AROAPREPARED", "viaPrepared"),
            _role_values("AROAEXEC", "viaExecute"),
        )
        assert prepared.run(conn, mine) == 1
        assert conn.execute(statement, theirs).rowcount == 1
        assert prepared.run(conn, mine) == 0  # a duplicate: no row, no error
        assert conn.execute(statement, theirs).rowcount == 0
        stored_mine, stored_theirs = _row(conn, "AROAPREPARED"), _row(conn, "AROAEXEC")
    differing = {"role_id", "role_name", "name_key", "arn"}
    columns = [c.name for c in roles_table.columns]
    assert [v for c, v in zip(columns, stored_mine, strict=True) if c not in differing] == [
        v for c, v in zip(columns, stored_theirs, strict=True) if c not in differing
    ]


def test_upsert_counts_and_stores_alike(store: Store, world: World) -> None:
    statement = upsert(
        role_policies, store.dialect_name, ("owner_id", "name_key"), ("policy_document",)
    )
    prepared = Prepared(statement)
    mine, theirs = world.role_ids

    def values(owner: str, document: str) -> dict[str, Any]:
        return {"owner_id": owner, "name_key": "p", "policy_name": "P", "policy_document": document}

    with store.transaction() as tx:
        conn = tx.connection

        def counted(params: dict[str, Any]) -> int:
            # SQLAlchemy reports an INSERT's rowcount only when asked to; Prepared always does
            return conn.execute(
                statement.execution_options(preserve_rowcount=True), params
            ).rowcount

        assert prepared.run(conn, values(mine, "one")) == 1
        assert counted(values(theirs, "one")) == 1
        assert prepared.run(conn, values(mine, "two")) == 1  # replaced
        assert counted(values(theirs, "two")) == 1
        stored = conn.execute(
            select(
                role_policies.c.owner_id,
                role_policies.c.policy_name,
                role_policies.c.policy_document,
            )
            .where(role_policies.c.name_key == "p")
            .order_by(role_policies.c.owner_id)
        ).all()
    assert sorted(tuple(row) for row in stored) == sorted(
        [(mine, "P", "two"), (theirs, "P", "two")]
    )


def test_update_counts_and_stores_alike(store: Store, world: World) -> None:
    when = T0 + timedelta(days=1, microseconds=7)
    mine, theirs = world.role_ids
    with store.transaction() as tx:
        conn = tx.connection
        prepared = roles._RECORD_USE
        params = {"when": when, "region": "eu-west-1"}
        assert prepared.run(conn, {**params, "used_role_id": mine}) == 1
        assert conn.execute(_executable(prepared), {**params, "used_role_id": theirs}).rowcount == 1
        assert prepared.run(conn, {**params, "used_role_id": "AROANONE"}) == 0
        assert (
            conn.execute(_executable(prepared), {**params, "used_role_id": "AROANONE"}).rowcount
            == 0
        )
        used = conn.execute(
            select(roles_table.c.last_used_date, roles_table.c.last_used_region).where(
                roles_table.c.role_id.in_([mine, theirs])
            )
        ).all()
    assert [tuple(row) for row in used] == [(when, "eu-west-1")] * 2


# --- errors and listeners ------------------------------------------------------------------------
def _error_of(call: Callable[[], object], conn: Connection) -> type[BaseException]:
    """The exception class ``call`` raises, in a savepoint (PostgreSQL's transaction survives)."""
    with pytest.raises(sa_exc.SQLAlchemyError) as caught, conn.begin_nested():
        call()
    return type(caught.value)


def test_a_value_the_column_type_refuses_raises_alike(store: Store, world: World) -> None:
    naive = {"when": datetime(2026, 1, 1), "region": "r", "used_role_id": world.role_ids[0]}
    prepared = roles._RECORD_USE
    with store.transaction() as tx:
        conn = tx.connection
        mine = _error_of(lambda: prepared.run(conn, naive), conn)
        theirs = _error_of(lambda: conn.execute(_executable(prepared), naive), conn)
    assert mine is theirs is sa_exc.StatementError


def test_a_driver_error_raises_alike(store: Store, world: World) -> None:
    """A duplicate key: SQLAlchemy's IntegrityError both ways, as ``Store.transaction`` and
    the repositories expect."""
    statement = insert(groups_table)
    prepared = Prepared(statement)
    with store.transaction() as tx:
        conn = tx.connection
        existing = conn.execute(select(groups_table).limit(1)).one()._asdict()
        mine = _error_of(lambda: prepared.run(conn, existing), conn)
        theirs = _error_of(lambda: conn.execute(statement, existing), conn)
    assert mine is theirs is sa_exc.IntegrityError


def test_statement_listeners_see_prepared_statements(store: Store, world: World) -> None:
    """Logging and counting of statements (``before_cursor_execute``) see them as any other."""
    prepared = access_keys._BY_ID
    with store.transaction() as tx, _statements(tx.connection) as seen:
        prepared.first(tx.connection, {"access_key_id": world.key_id})
        tx.connection.execute(_executable(prepared), {"access_key_id": world.key_id}).first()
    assert len(seen) == 2 and seen[0] == seen[1]
    assert "access_keys" in seen[0]


@contextmanager
def _statements(conn: Connection) -> Iterator[list[str]]:
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        seen.append(sql)

    event.listen(conn, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(conn, "before_cursor_execute", listen)


def _executable(prepared: Prepared) -> Executable:
    """The statement as Connection.execute takes it (``Prepared`` keeps it as a ClauseElement)."""
    assert isinstance(prepared.statement, Executable)
    return prepared.statement
