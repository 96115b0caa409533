"""Unique ids and access keys in AWS's formats
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html, "Unique identifiers").

A unique id is a four-letter prefix naming the kind of entity followed by 17 characters of
upper-case base32 (``A-Z2-7``), 21 characters in all; access key ids are the prefix plus 16, 20 in
all. Randomness is injected (``secrets.SystemRandom`` in production, a seeded ``random.Random`` in
tests) so nothing here reads global state.
"""

from __future__ import annotations

import string
import uuid
from typing import Protocol

_ID_ALPHABET = string.ascii_uppercase + "234567"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


class Rng(Protocol):
    def choice(self, seq: str) -> str: ...

    def randrange(self, start: int, stop: int) -> int: ...

    def getrandbits(self, k: int) -> int: ...


class IdPrefix:
    """Prefixes documented in
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html."""

    ROLE = "AROA"
    USER = "AIDA"
    GROUP = "AGPA"
    MANAGED_POLICY = "ANPA"
    INSTANCE_PROFILE = "AIPA"
    ACCESS_KEY = "AKIA"
    TEMPORARY_ACCESS_KEY = "ASIA"
    SSH_PUBLIC_KEY = "APKA"
    SERVICE_SPECIFIC_CREDENTIAL = "ACCA"
    SERVER_CERTIFICATE = "ASCA"


def unique_id(prefix: str, rng: Rng) -> str:
    return prefix + "".join(rng.choice(_ID_ALPHABET) for _ in range(17))


def access_key_id(prefix: str, rng: Rng) -> str:
    return prefix + "".join(rng.choice(_ID_ALPHABET) for _ in range(16))


def signing_certificate_id(rng: Rng) -> str:
    """32 characters of upper-case base32 and no prefix, like the ids IAM gives signing
    certificates (the model asks for 24 to 128 word characters)."""
    return "".join(rng.choice(_ID_ALPHABET) for _ in range(32))


def secret_access_key(rng: Rng) -> str:
    """40 characters from the base64 alphabet, like an AWS secret access key."""
    return "".join(rng.choice(_SECRET_ALPHABET) for _ in range(40))


def account_id(rng: Rng) -> str:
    """A 12-digit account id that does not start with 0."""
    return str(rng.randrange(100_000_000_000, 1_000_000_000_000))


def request_id(rng: Rng) -> str:
    """A request id shaped like AWS's (a version-4 UUID). ``getrandbits``: one draw of 16
    bytes (``randrange(0, 1 << 128)`` draws 129 bits and retries half the time)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
