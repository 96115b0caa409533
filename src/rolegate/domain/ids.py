"""Unique ids and access keys in AWS's formats
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html, "Unique identifiers").

A unique id is a four-letter prefix naming the kind of entity followed by 17 characters of
upper-case base32 (``A-Z2-7``), 21 characters in all; access key ids are the prefix plus 16, 20 in
all. Randomness is injected (``secrets.SystemRandom`` in production, a seeded ``random.Random`` in
tests) so nothing here reads global state.
"""

from __future__ import annotations

import os
import random
import string
from typing import Protocol

_ID_ALPHABET = string.ascii_uppercase + "234567"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


class Rng(Protocol):
    def choice(self, seq: str) -> str: ...

    def randrange(self, start: int, stop: int) -> int: ...

    # k uniform bits in one draw: SystemRandom reads the OS once (randrange(0, 2**k) draws k + 1
    # bits and throws away half of them, a second system call every other time)
    def getrandbits(self, k: int, /) -> int: ...


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


class _RequestIds:
    """Request ids, shaped like AWS's (version-4 UUIDs), and CloudTrail's event ids. They are no
    secret (every answer shows its own), only unique: 122 bits drawn from a generator seeded with
    256 bits from the OS, reseeded in a forked child. Drawing from the OS for each one is a
    system call that releases the GIL: on the event loop (server.inline) other threads then take
    it mid-request, and the audit writer hands it to the loop and waits to get it back, once per
    event."""

    def __init__(self) -> None:
        self._random = random.Random()
        self.reseed()
        os.register_at_fork(after_in_child=self.reseed)

    def reseed(self) -> None:
        self._random.seed(os.urandom(32))

    def __call__(self) -> str:
        # what str(uuid.UUID(int=bits, version=4)) gives, without building the UUID
        bits = self._random.getrandbits(128) & _RANDOM_BITS | _VERSION_4_BITS
        text = f"{bits:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


# RFC 9562 version 4: the version nibble 0100, the variant bits 10; every other bit random
_RANDOM_BITS = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_VERSION_4_BITS = (0x4000 << 64) | (0x8000 << 48)


request_id = _RequestIds()
event_id = request_id  # CloudTrail's eventID: the same shape, unique the same way
