"""Throttling of failed console sign-ins, per account and user name, on this node.

Five failures in a row are free (typing mistakes); each further one locks the name for a minute,
doubling up to a day, as wrong MFA codes do (``services.iam.mfa.attempts``). While locked, every
attempt is refused without checking the password, so a guess costs the attacker the lock's
time and the server nothing; a success clears the count. The table is bounded: past
``MAX_ENTRIES`` names, the ones no longer locked are forgotten.
"""

from __future__ import annotations

import threading

FREE_FAILURES = 5
FIRST_LOCK = 60.0
LONGEST_LOCK = 86_400.0
MAX_ENTRIES = 10_000


class SignInThrottle:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, str], tuple[int, float]] = {}  # (count, locked until)

    def locked(self, key: tuple[str, str], now: float) -> bool:
        with self._lock:
            entry = self._failures.get(key)
            return entry is not None and now < entry[1]

    def failed(self, key: tuple[str, str], now: float) -> None:
        with self._lock:
            count, _ = self._failures.get(key, (0, 0.0))
            count += 1
            until = 0.0
            if count >= FREE_FAILURES:
                until = now + min(FIRST_LOCK * 2 ** min(count - FREE_FAILURES, 16), LONGEST_LOCK)
            if len(self._failures) >= MAX_ENTRIES:
                self._failures = {k: v for k, v in self._failures.items() if v[1] > now}
            self._failures[key] = (count, until)

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(key, None)
