"""A console over the server's pipeline, in this process, signed in as the root user of an
account filled with ``roles`` roles (``policy_listing.fill``): what ``bench/console_graph.py``
and ``bench/console_pages.py`` time."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from policy_listing import fill
from rolegate.console.session import ConsoleSession, new_session
from rolegate.server.app import Runtime, build_runtime
from rolegate.server.console_backend import ServerBackend
from rolegate.server.settings import Settings

from conftest_db import fresh_database_url
from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET


@dataclass(frozen=True, slots=True)
class SignedIn:
    runtime: Runtime
    backend: ServerBackend
    session: ConsoleSession


@contextmanager
def signed_in_root(roles: int) -> Iterator[SignedIn]:
    """SQLite, in a scratch directory; the audit trail's writer runs as in the server."""
    with tempfile.TemporaryDirectory() as tmp, fresh_database_url("sqlite", Path(tmp)) as url:
        fill(url, Path(tmp), roles)
        settings = Settings(
            audit_writer="thread",  # its work counted in this process (server.audit_process)
            data_dir=Path(tmp),
            database_url=url,
            default_account_id=ACCOUNT_ID,
            root_access_key_id=ROOT_KEY_ID,
            root_secret_access_key=ROOT_SECRET,
        )
        runtime = build_runtime(settings)
        if runtime.audit is not None:  # as the server's lifespan startup does
            runtime.audit.start()
        try:
            backend = ServerBackend(runtime.pipeline, settings.region, runtime.cloudtrail)
            signed = backend.sign_in_root(ROOT_KEY_ID, ROOT_SECRET)
            assert signed.credentials is not None
            session = new_session(
                signed.account_id,
                signed.principal_arn,
                signed.credentials,
                signed.expires_at,
                int(time.time()),
            )
            yield SignedIn(runtime, backend, session)
        finally:
            if runtime.audit is not None:
                runtime.audit.close()
            runtime.store.close()
