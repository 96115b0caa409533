"""Session-token verification in-process (issue 4: under 50 µs, no database read).

Opens one sealed role-session token repeatedly: first openings (codec memory off) and repeat
openings (the codec's memory of recently opened tokens on). The same-run baseline is the bare
AES-GCM open of a ciphertext of the same size with `cryptography`, the floor any sealed token
pays; the report prints both and the ratio.

    .venv/bin/python bench/session_token.py
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from rolegate.auth.keyring import KeyRing
from rolegate.auth.session_token import SessionTokenCodec
from rolegate.domain.session import SessionClaims, SessionKind

ISSUED = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
ROUNDS, REPEATS = 20_000, 7


def _claims() -> SessionClaims:
    return SessionClaims(
        kind=SessionKind.ROLE,
        account_id="123456789012",
        access_key_id="ASIAABCDEFGHIJKLMNOP",
        secret_access_key="s" * 40,
        issued_at=ISSUED,
        expires_at=ISSUED + timedelta(hours=1),
        principal_arn="arn:aws:sts::123456789012:assumed-role/app/sess",
        principal_id="AROAABCDEFGHIJKLMNOPQ:sess",
        role_arn="arn:aws:iam::123456789012:role/app",
        role_id="AROAABCDEFGHIJKLMNOPQ",
        session_name="sess",
        session_policy_arns=("arn:aws:iam::aws:policy/ReadOnlyAccess",),
        tags=(("team", "blue"),),
        transitive_tag_keys=("team",),
        chain_depth=1,
    )


def _per_call_us(call: Callable[[], object]) -> float:
    """Median over REPEATS runs of ROUNDS calls, in µs per call."""
    runs = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        for _ in range(ROUNDS):
            call()
        runs.append((time.perf_counter() - started) / ROUNDS * 1e6)
    return statistics.median(runs)


def main() -> None:
    claims = _claims()
    ring = KeyRing.from_master_key(os.urandom(32))
    first = SessionTokenCodec(ring, cache_size=0)
    repeat = SessionTokenCodec(ring)
    token = first.seal(claims)
    now = ISSUED + timedelta(minutes=5)

    aead, nonce = AESGCM(os.urandom(32)), os.urandom(12)
    sealed = aead.encrypt(nonce, os.urandom(len(token) * 3 // 4), b"")

    baseline = _per_call_us(lambda: aead.decrypt(nonce, sealed, b""))
    opened = _per_call_us(lambda: first.open(claims.access_key_id, token, now))
    remembered = _per_call_us(lambda: repeat.open(claims.access_key_id, token, now))
    print(f"token: {len(token)} characters")
    print(f"bare AES-GCM open (baseline): {baseline:8.2f} µs")
    print(f"first opening:                {opened:8.2f} µs  ({opened / baseline:.1f}x baseline)")
    print(f"repeat opening (memory):      {remembered:8.2f} µs  ({remembered / baseline:.2f}x)")
    print(f"target: first opening under 50 µs: {'met' if opened < 50 else 'MISSED'}")


if __name__ == "__main__":
    main()
