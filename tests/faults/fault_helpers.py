"""What the fault tests share: patient boto3 clients with a bounded wait, the database checks that
find a half-written entity, and the root requirement of the tests that mount or run PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from rolegate.store.dialects import normalize_url

from harness import REGION, ROOT_KEY_ID, ROOT_SECRET


def bounded_client(
    endpoint: str,
    service: str = "iam",
    *,
    read_timeout: float = 15,
    key_id: str = ROOT_KEY_ID,
    secret: str = ROOT_SECRET,
    **kw: Any,
) -> Any:
    """A boto3 client that never retries and never waits longer than ``read_timeout``."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(
            retries={"max_attempts": 1},
            connect_timeout=2,
            read_timeout=read_timeout,
            parameter_validation=False,
        ),
        **kw,
    )


def require_root() -> None:
    """Skip unless root (mounts, a private PostgreSQL); fail instead when
    ``ROLEGATE_TEST_REQUIRE_ROOT=1`` (.ci/run sets it: CI runs as root)."""
    if os.geteuid() == 0:
        return
    if os.environ.get("ROLEGATE_TEST_REQUIRE_ROOT") == "1":
        pytest.fail("this test needs root (ROLEGATE_TEST_REQUIRE_ROOT=1)")
    pytest.skip("needs root (mount, or a private PostgreSQL cluster run as user postgres)")


@contextmanager
def database(url: str) -> Iterator[Connection]:
    """A connection of the test's own to a node's database (no rolegate code in between)."""
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


# Each query counts rows that a whole write would never leave behind.
HALF_WRITTEN = {
    "attachment to a missing policy": """
        SELECT count(*) FROM policy_attachments a
        WHERE NOT EXISTS (SELECT 1 FROM managed_policies p WHERE p.policy_id = a.policy_id)""",
    "attachment of a missing role": """
        SELECT count(*) FROM policy_attachments a WHERE a.owner_kind = 'role'
        AND NOT EXISTS (SELECT 1 FROM roles r WHERE r.role_id = a.owner_id)""",
    "attachment of a missing user": """
        SELECT count(*) FROM policy_attachments a WHERE a.owner_kind = 'user'
        AND NOT EXISTS (SELECT 1 FROM users u WHERE u.user_id = a.owner_id)""",
    "policy without its default version": """
        SELECT count(*) FROM managed_policies p WHERE NOT EXISTS (SELECT 1 FROM policy_versions v
        WHERE v.policy_id = p.policy_id AND v.version = p.default_version)""",
    "attachment count that disagrees with the attachments": """
        SELECT count(*) FROM managed_policies p WHERE p.account_id <> 'aws' AND
        coalesce((SELECT sum(c.attachments) FROM policy_usage_counts c
                  WHERE c.policy_id = p.policy_id), 0)
        <> (SELECT count(*) FROM policy_attachments a WHERE a.policy_id = p.policy_id
            AND a.usage = 'PermissionsPolicy')""",
    "role without a trust policy": """
        SELECT count(*) FROM roles WHERE assume_role_policy_document IS NULL
        OR assume_role_policy_document = ''""",
    "tag of a missing role": """
        SELECT count(*) FROM role_tags t
        WHERE NOT EXISTS (SELECT 1 FROM roles r WHERE r.role_id = t.owner_id)""",
    "tag of a missing user": """
        SELECT count(*) FROM user_tags t
        WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.user_id = t.owner_id)""",
    "inline policy of a missing role": """
        SELECT count(*) FROM role_policies t
        WHERE NOT EXISTS (SELECT 1 FROM roles r WHERE r.role_id = t.owner_id)""",
    "role tags with a gap in their positions": """
        SELECT count(*) FROM (SELECT owner_id FROM role_tags GROUP BY owner_id
        HAVING max(position) + 1 <> count(*)) gaps""",
    "user tags with a gap in their positions": """
        SELECT count(*) FROM (SELECT owner_id FROM user_tags GROUP BY owner_id
        HAVING max(position) + 1 <> count(*)) gaps""",
}


def half_written(url: str) -> dict[str, int]:
    """The checks of ``HALF_WRITTEN`` that found rows, and on SQLite its own integrity checks."""
    found: dict[str, int] = {}
    with database(url) as conn:
        for what, query in HALF_WRITTEN.items():
            count = int(conn.execute(text(query)).scalar_one())
            if count:
                found[what] = count
        if conn.dialect.name == "sqlite":
            integrity = conn.exec_driver_sql("PRAGMA integrity_check").scalars().all()
            if integrity != ["ok"]:
                found[f"integrity_check: {integrity}"] = len(integrity)
            foreign = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            if foreign:
                found[f"foreign_key_check: {foreign[:5]}"] = len(foreign)
    return found
