"""IAM quotas in force for an account, and their enforcement where entities are made.

The quotas themselves are data (``rolegate.catalog.quotas``); an account's overrides live in the
store (``account_quotas``), and without one AWS's default applies
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
"""

from __future__ import annotations

from collections.abc import Callable

from rolegate.catalog.quotas import quota_specs
from rolegate.services.context import OperationContext
from rolegate.store import Tx


def quota_values(tx: Tx, account_id: str) -> dict[str, int]:
    """Every quota in force for the account: its overrides over AWS's defaults."""
    overrides = tx.account_settings.quota_overrides(account_id)
    return {name: overrides.get(name, spec.default) for name, spec in quota_specs().items()}


def quota_value(tx: Tx, account_id: str, name: str) -> int:
    override = tx.account_settings.quota_override(account_id, name)
    return quota_specs()[name].default if override is None else override


def check_quota(ctx: OperationContext, name: str, current: int) -> None:
    """Raise AWS's LimitExceeded if ``current`` entities already fill the quota ``name``."""
    value = quota_value(ctx.tx, ctx.account_id, name)
    if current >= value:
        raise quota_specs()[name].exceeded(value)


def check_account_quota(ctx: OperationContext, name: str, count: Callable[[str], int]) -> None:
    """Before creating an entity counted per account: lock the account's row, then count
    (``count(account_id)``) inside the writing transaction, so concurrent creates cannot pass
    the quota together."""
    ctx.tx.account_settings.lock_account(ctx.account_id)
    check_quota(ctx, name, count(ctx.account_id))
