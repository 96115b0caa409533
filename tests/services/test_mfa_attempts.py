"""The lock a run of wrong MFA codes earns (services.mfa_attempts): none for the first four, a
minute at the fifth, doubling with each further one, never more than a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rolegate.domain.mfa import MfaAttempts
from rolegate.services.iam.mfa.attempts import after_failure, is_locked

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def locks_of_a_run(failures: int) -> list[timedelta | None]:
    """The lock after each of ``failures`` wrong codes in a row, each made when allowed."""
    attempts, locks = MfaAttempts(), []
    for _ in range(failures):
        attempts = after_failure(attempts, NOW)
        locks.append(None if attempts.locked_until is None else attempts.locked_until - NOW)
    return locks


def test_five_free_failures_then_a_lock_that_doubles_up_to_a_day() -> None:
    minutes = [None if lock is None else lock / timedelta(minutes=1) for lock in locks_of_a_run(18)]
    assert minutes == [None] * 4 + [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1440, 1440, 1440]


def test_a_very_long_run_stays_at_a_day() -> None:
    attempts = after_failure(MfaAttempts(10**9), NOW)
    assert attempts == MfaAttempts(10**9 + 1, NOW + timedelta(days=1))


def test_locked_until_the_moment_the_lock_ends() -> None:
    attempts = MfaAttempts(5, NOW)
    assert is_locked(attempts, NOW - timedelta(microseconds=1))
    assert not is_locked(attempts, NOW)
    assert not is_locked(MfaAttempts(4), NOW)
