"""Store-level exceptions. The services translate them into AWS errors."""

from __future__ import annotations


class Conflict(Exception):
    """A row with the same unique key (e.g. a role name, case-insensitively) already exists."""


class InvalidMarker(Exception):
    """A pagination marker that this store did not issue (or issued for another listing)."""


class StoreUnavailable(Exception):
    """The database cannot be reached or is too busy to answer (a 500/503 ServiceFailure)."""
