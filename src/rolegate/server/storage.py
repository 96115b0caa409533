"""A node's sealed store and its clock: what ``rolegate serve`` and every command that works on
the database open (the commands import this alone, not the server: ``rolegate`` starts a
command without loading what only serving needs)."""

from __future__ import annotations

from datetime import UTC, datetime

from rolegate.auth.keyring import KeyRing, load_or_create_master_key
from rolegate.server.settings import Settings
from rolegate.store import Store
from rolegate.store.change_slot import NODE_WORD


def utc_now() -> datetime:
    return datetime.now(UTC)


def open_key_ring(settings: Settings) -> KeyRing:
    master_key = load_or_create_master_key(
        settings.data_dir, settings.master_key, settings.master_key_file
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return KeyRing.from_master_key(master_key)


def open_store(settings: Settings, ring: KeyRing | None = None) -> Store:
    ring = ring or open_key_ring(settings)
    # PostgreSQL: the node's processes and commands share their change word (store.change_slot)
    word = str(settings.data_dir / NODE_WORD)
    return Store.open(settings.resolved_database_url, sealer=ring, change_word=word)
