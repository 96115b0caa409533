"""Throttling of wrong MFA codes, per device and shared by every node (docs/iam.md, "MFA devices").

Five wrong codes in a row lock the device for a minute; each further wrong code doubles the
lock, up to a day. While locked, the device refuses every code, even the right one, and
refusals then do not count (SDKs retry a throttled call, and must not lengthen the lock). A right
code, once any lock has passed, clears the count; only a right code does, so waiting never
buys an attacker a fresh budget. A six-digit code with three steps accepted (now, and one 30 s
step either side) is guessed with a chance of 3 in 10^6 per try: at one try a day once the
lock is long, about 0.1% a year.

AWS documents no lockout for MFA codes of IAM users. A wrong code gets AWS's usual answer; a
locked device gets AWS's answer to a throttled request, ``Throttling`` "Rate exceeded"
(https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html), the closest AWS
behaviour: the caller learns to wait, not that the code was wrong.

A wrong code fails its request, whose transaction would roll back the count with everything
else; so the refusal is raised as ``CommitAndRaise`` and the count is committed. The device's row
is locked from the read of its count to that commit, so concurrent checks of one device take
turns on every node and no guess escapes the count.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from rolegate.domain.errors import AwsError, Throttling
from rolegate.domain.mfa import MfaAttempts
from rolegate.services.context import OperationContext
from rolegate.store import CommitAndRaise, Tx

FREE_FAILURES = 5  # wrong codes in a row before the first lock: room for typing mistakes
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(days=1)
_MAX_DOUBLINGS = 16  # 2**16 minutes is past LONGEST_LOCK; keeps the arithmetic bounded
RATE_EXCEEDED = "Rate exceeded"
Proof = TypeVar("Proof")


def after_failure(attempts: MfaAttempts, now: datetime) -> MfaAttempts:
    """The count after one more wrong code at ``now``, and the lock it earns."""
    failures = attempts.failures + 1
    if failures < FREE_FAILURES:
        return MfaAttempts(failures)
    doublings = min(failures - FREE_FAILURES, _MAX_DOUBLINGS)
    return MfaAttempts(failures, now + min(FIRST_LOCK * 2**doublings, LONGEST_LOCK))


def is_locked(attempts: MfaAttempts, now: datetime) -> bool:
    return attempts.locked_until is not None and now < attempts.locked_until


def check_codes(
    ctx: OperationContext, serial: str, prove: Callable[[], Proof | None], refusal: AwsError
) -> Proof:
    """What ``prove`` returns (the time step the request's codes prove), run under the device's
    budget: ``Throttling`` while the device is locked; ``refusal``, with the count committed,
    when ``prove`` returns None. Call it before the operation changes anything.
    """
    return check_codes_in(ctx.tx, ctx.now, serial, prove, refusal)


def check_codes_in(
    tx: Tx, now: datetime, serial: str, prove: Callable[[], Proof | None], refusal: AwsError
) -> Proof:
    """``check_codes`` outside an operation (the console's sign-in)."""
    attempts = tx.mfa_devices.lock_attempts(serial)
    if attempts is None:  # gone since the caller read it in this transaction
        raise refusal
    if is_locked(attempts, now):
        raise Throttling(RATE_EXCEEDED)
    proof = prove()
    if proof is None:
        tx.mfa_devices.set_attempts(serial, after_failure(attempts, now))
        raise CommitAndRaise(refusal)
    if attempts != MfaAttempts():
        tx.mfa_devices.set_attempts(serial, MfaAttempts())
    return proof
