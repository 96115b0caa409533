"""The one way the ``provider`` commands write a provider: in one transaction of the named
account (default: the default account, created if the database is new), with AWS errors printed
as ``rolegate: CODE: message``."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from rolegate.domain.errors import AwsError
from rolegate.domain.ids import Rng
from rolegate.server.bootstrap import ensure_default_account
from rolegate.server.settings import Settings
from rolegate.server.storage import open_store, utc_now
from rolegate.store import Tx

T = TypeVar("T")


def add_in_account(
    settings: Settings,
    account_id: str | None,
    add: Callable[[Tx, str, datetime, Rng], T],
) -> T | None:
    """``add(tx, account_id, now, rng)``'s result, or None once the failure is printed."""
    store = open_store(settings)
    rng = secrets.SystemRandom()
    try:
        if account_id is None:
            account_id = ensure_default_account(store, settings, rng=rng, now=utc_now()).account_id
        with store.transaction() as tx:
            if tx.accounts.get(account_id) is None:
                print(f"rolegate: no account {account_id}", file=sys.stderr)
                return None
            return add(tx, account_id, utc_now(), rng)
    except AwsError as error:
        print(f"rolegate: {error.code}: {error}", file=sys.stderr)
        return None
    finally:
        store.close()
