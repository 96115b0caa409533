"""Store-level exceptions. The services translate them into AWS errors."""

from __future__ import annotations


class Conflict(Exception):
    """A row with the same unique key (e.g. a role name, case-insensitively) already exists."""


class InvalidMarker(Exception):
    """A pagination marker that this store did not issue (or issued for another listing)."""


class StoreUnavailable(Exception):
    """The database cannot be reached or is too busy to answer (a 500/503 ServiceFailure)."""


class CommitAndRaise(Exception):
    """Raised inside ``Store.transaction()``: commit the transaction, then raise ``error``.

    For a refusal that must be remembered although the request fails: a wrong MFA code counts
    towards its device's lock (services.iam.mfa.attempts). Everything the transaction changed is
    committed, so raise it before the operation has changed anything else.
    """

    def __init__(self, error: Exception) -> None:
        super().__init__(error)
        self.error = error


class NeedsDatabase(BaseException):
    """Raised in a cache-only read transaction (``Store.transaction(cache_only=True)``) at the
    first statement it would send: the work is abandoned, unanswered, and redone where the
    database may be waited for (``server.inline``). A ``BaseException``, so that no
    ``except Exception`` on the way turns it into an answer."""
