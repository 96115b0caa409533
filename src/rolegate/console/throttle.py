"""Throttling of failed console sign-ins, per account and user name (or root access key id).

Five failures in a row are free (typing mistakes); each further one locks the name for a minute,
doubling up to a day, as wrong MFA codes do (``services.iam.mfa.attempts``). While locked, every
attempt is refused without checking the password, so a guess costs the attacker the lock's
time and the server nothing; a success clears the count. The counts are kept in the database
(``Backend.guard``: table ``console_guards``), so every node on one database honors them; a
count is forgotten a day after its last failure or lock.
"""

from __future__ import annotations

import json

FREE_FAILURES = 5
FIRST_LOCK = 60
LONGEST_LOCK = 86_400
FORGET_AFTER = 86_400  # a count with no failure for this long starts again from zero


def lock_rule(failures: int, now: int) -> tuple[int, int]:
    """(locked until, forget the count at) after ``failures`` failures in a row; 0: no lock."""
    until = 0
    if failures >= FREE_FAILURES:
        until = now + min(FIRST_LOCK * 2 ** min(failures - FREE_FAILURES, 16), LONGEST_LOCK)
    return until, max(until, now + FORGET_AFTER)


def name_key(kind: str, account: str, name: str) -> str:
    """The counter's key of a sign-in name: ``kind`` "user" (account id or alias, any case, and
    user name, case-folded as IAM's names are unique) or "root" (the access key id); JSON, so no
    two names share a key."""
    return json.dumps([kind, account.lower(), name.lower()], separators=(",", ":"))
