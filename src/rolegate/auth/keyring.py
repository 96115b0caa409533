"""AEAD sealing with key ids: secrets at rest and self-contained STS session tokens.

Sealed layout (compact, 30 bytes of overhead plus the key id)::

    version (1 byte) | key id length (1 byte) | key id (ASCII) | nonce (12 bytes) | ciphertext+tag

The cipher is AES-256-GCM. Each purpose ("secrets-at-rest", "session-token", ...) uses its own
sub-key, derived from the ring's key with HKDF-SHA256, so a value sealed for one purpose never
opens for another. The header (version and key id) and the caller's ``aad`` are authenticated.
Rotation: put the new key in the ring and make it active; values sealed under older key ids
still open as long as their keys stay in the ring.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from rolegate.auth.master_key import load_or_create_master_key

__all__ = [
    "FORMAT_VERSION",
    "PURPOSE_SECRETS_AT_REST",
    "PURPOSE_SESSION_TOKEN",
    "KeyRing",
    "KeyRingError",
    "load_or_create_master_key",
]

FORMAT_VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
MAX_KEY_ID_BYTES = 64
PURPOSE_SECRETS_AT_REST = "secrets-at-rest"
PURPOSE_SESSION_TOKEN = "session-token"
_HKDF_SALT = b"rolegate keyring v1"


class KeyRingError(Exception):
    """A sealed value that cannot be opened: malformed, unknown key id, or not authentic."""


def _hkdf(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=_HKDF_SALT, info=info).derive(key)


def master_key_id(master_key: bytes) -> str:
    """A short, stable id for a master key that reveals nothing about it."""
    return "m" + _hkdf(master_key, b"rolegate key id")[:4].hex()


def _check_key_id(key_id: str) -> bytes:
    encoded = key_id.encode("ascii", "replace")
    if not key_id or not key_id.isascii() or not key_id.isprintable():
        raise ValueError(f"key id must be printable ASCII, got {key_id!r}")
    if len(encoded) > MAX_KEY_ID_BYTES:
        raise ValueError(f"key id must be at most {MAX_KEY_ID_BYTES} bytes")
    return encoded


class KeyRing:
    """Named 32-byte keys, one of them active for sealing; every one of them opens.

    ``nonce_source`` (default ``os.urandom``) supplies the 12-byte GCM nonces; tests pass their
    own. Random nonces are safe for far more than 2**32 seals per key.
    """

    def __init__(
        self,
        keys: Mapping[str, bytes],
        active_key_id: str,
        *,
        nonce_source: Callable[[int], bytes] = os.urandom,
    ) -> None:
        if active_key_id not in keys:
            raise ValueError(f"active key id {active_key_id!r} is not in the ring")
        self._keys: dict[bytes, bytes] = {}
        for key_id, key in keys.items():
            if len(key) != KEY_BYTES:
                raise ValueError(f"key {key_id!r} must be {KEY_BYTES} bytes, got {len(key)}")
            self._keys[_check_key_id(key_id)] = bytes(key)
        self._active = _check_key_id(active_key_id)
        self._nonce_source = nonce_source
        self._ciphers: dict[tuple[bytes, str], AESGCM] = {}

    @classmethod
    def from_master_key(
        cls, master_key: bytes, *, nonce_source: Callable[[int], bytes] = os.urandom
    ) -> KeyRing:
        """A ring of one master key; its purpose sub-keys are derived with HKDF."""
        return cls.from_master_keys([master_key], nonce_source=nonce_source)

    @classmethod
    def from_master_keys(
        cls, master_keys: Iterable[bytes], *, nonce_source: Callable[[int], bytes] = os.urandom
    ) -> KeyRing:
        """The first key seals; the others (retired after a rotation) still open."""
        ordered = list(master_keys)
        if not ordered:
            raise ValueError("at least one master key is required")
        for key in ordered:
            if len(key) != KEY_BYTES:
                raise ValueError(f"a master key must be {KEY_BYTES} bytes, got {len(key)}")
        keys = {master_key_id(key): key for key in ordered}
        return cls(keys, master_key_id(ordered[0]), nonce_source=nonce_source)

    @property
    def active_key_id(self) -> str:
        return self._active.decode("ascii")

    def _cipher(self, key_id: bytes, purpose: str) -> AESGCM:
        if not purpose:
            raise ValueError("purpose must not be empty")
        cached = self._ciphers.get((key_id, purpose))
        if cached is None:
            sub_key = _hkdf(self._keys[key_id], b"rolegate purpose:" + purpose.encode("utf-8"))
            cached = AESGCM(sub_key)
            self._ciphers[(key_id, purpose)] = cached
        return cached

    def seal(self, plaintext: bytes, *, purpose: str, aad: bytes = b"") -> bytes:
        """Encrypt and authenticate ``plaintext`` (and ``aad``) with the active key."""
        cipher = self._cipher(self._active, purpose)
        header = bytes((FORMAT_VERSION, len(self._active))) + self._active
        nonce = self._nonce_source(NONCE_BYTES)
        if len(nonce) != NONCE_BYTES:
            raise ValueError(f"nonce source must return {NONCE_BYTES} bytes")
        return header + nonce + cipher.encrypt(nonce, plaintext, header + aad)

    def open(self, sealed: bytes, *, purpose: str, aad: bytes = b"") -> bytes:
        """The plaintext of ``sealed``; KeyRingError unless it is authentic for purpose/aad."""
        if len(sealed) < 2 or sealed[0] != FORMAT_VERSION:
            raise KeyRingError("sealed value has an unknown format version")
        id_end = 2 + sealed[1]
        if len(sealed) < id_end + NONCE_BYTES + TAG_BYTES:
            raise KeyRingError("sealed value is truncated")
        key_id = sealed[2:id_end]
        if key_id not in self._keys:
            raise KeyRingError(f"sealed value names an unknown key id {key_id!r}")
        nonce = sealed[id_end : id_end + NONCE_BYTES]
        try:
            return self._cipher(key_id, purpose).decrypt(
                nonce, sealed[id_end + NONCE_BYTES :], sealed[:id_end] + aad
            )
        except InvalidTag:
            raise KeyRingError("sealed value failed authentication") from None
