"""Console passwords at rest: argon2id (RFC 9106) through argon2-cffi, never a reversible seal.

A hash is the PHC string argon2 encodes (algorithm, parameters, salt and digest together), so
the parameters can change later without invalidating stored hashes: ``needs_rehash`` tells when a
password that was just verified should be hashed again. The parameters are OWASP's for argon2id
(19 MiB, two passes, one lane): a sign-in costs milliseconds, a guess as much.
Verification compares digests in constant time (libargon2's ``argon2_verify``).
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password_hash(encoded: str, password: str) -> bool:
    """Whether ``password`` is the one ``encoded`` was made from."""
    try:
        return _HASHER.verify(encoded, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(encoded: str) -> bool:
    return _HASHER.check_needs_rehash(encoded)
