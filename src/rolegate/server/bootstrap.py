"""First start: the default account and its root access key; at every start, the AWS managed
policies (``rolegate.services.iam.policies.aws_managed``).

Generated secrets are shown once on standard output and written to ``root-credentials.json``
(mode 0600) in the data directory; they never reach the log.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rolegate.domain.ids import Rng
from rolegate.server.settings import Settings
from rolegate.services.iam import (
    NewAccount,
    add_root_key,
    create_account,
    default_account,
    install_aws_managed_policies,
    load_aws_managed_policies,
)
from rolegate.store import Store

CREDENTIALS_FILE = "root-credentials.json"


@dataclass(frozen=True, slots=True)
class BootstrapResult:
    account_id: str
    created: NewAccount | None  # set when this start created the account (secrets to show once)


def ensure_default_account(
    store: Store, settings: Settings, *, rng: Rng, now: datetime
) -> BootstrapResult:
    catalogue = load_aws_managed_policies(settings.aws_managed_policies_dir)
    with store.transaction() as tx:
        install_aws_managed_policies(tx, catalogue)
        account = default_account(tx, settings.default_account_id)
        if account is None:
            created = create_account(
                tx,
                rng=rng,
                now=now,
                account_id_value=settings.default_account_id,
                root_key_id=settings.root_access_key_id,
                root_secret=settings.root_secret_access_key,
            )
            return BootstrapResult(created.account.account_id, created)
        if settings.root_access_key_id and tx.access_keys.get(settings.root_access_key_id) is None:
            # A configured root key that this database does not know yet joins the default account.
            add_root_key(
                tx,
                account.account_id,
                rng=rng,
                now=now,
                key_id=settings.root_access_key_id,
                secret=settings.root_secret_access_key,
            )
        return BootstrapResult(account.account_id, None)


def write_secret_file(data_dir: Path, name: str, content: dict[str, str]) -> Path:
    """Write ``content`` as JSON to ``data_dir/name``, mode 0600, replacing what is there.

    The text goes to a new file of an unpredictable name opened with ``O_CREAT | O_EXCL |
    O_NOFOLLOW``, so nothing planted in the directory beforehand is written through: neither a
    symbolic link to a file of someone's choosing nor a file they own (whose owner and mode
    opening it would have kept). ``rename`` then puts it in place atomically; at ``name`` it
    replaces an older file, or a symbolic link itself, without following it.
    """
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = data_dir / name
    temporary = data_dir / f".{name}.{secrets.token_hex(8)}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    descriptor = os.open(temporary, flags, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            json.dump(content, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def announce_created(result: BootstrapResult, data_dir: Path, settings: Settings) -> str | None:
    """Save generated root credentials once; return the text to print (never to log)."""
    if result.created is None:
        return None
    content = result.created.as_json()
    if settings.root_secret_access_key:
        return f"rolegate: created account {result.account_id} with the configured root key\n"
    path = write_secret_file(data_dir, CREDENTIALS_FILE, content)
    return (
        f"rolegate: created account {result.account_id}; its root credentials (shown once, "
        f"also saved to {path}, mode 0600):\n"
        f"  AccessKeyId:     {content['AccessKeyId']}\n"
        f"  SecretAccessKey: {content['SecretAccessKey']}\n"
    )
