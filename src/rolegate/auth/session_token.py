"""Self-contained STS session tokens
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp.html).

A session token is the session's ``SessionClaims`` as compact JSON (short keys, times in epoch
milliseconds), zlib-compressed and sealed with the key ring's "session-token" purpose. The
associated data is the temporary access key id (``ASIA…``), so a token only opens together with
the access key it was issued with. Any node holding the ring opens it: no database read.

Token text: ``base64(sealed)`` (standard alphabet, as AWS's tokens). The sealed value starts with
the ring's key id, so tokens issued before a key rotation keep opening while that key stays in
the ring; a token under a key no longer in the ring, or changed in any byte, does not open.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from datetime import UTC, datetime
from typing import Any

from rolegate.auth.keyring import PURPOSE_SESSION_TOKEN, KeyRing, KeyRingError
from rolegate.domain.errors import ExpiredToken, InvalidClientTokenId
from rolegate.domain.session import SessionClaims

__all__ = [
    "EXPIRED_TOKEN_MESSAGE",
    "INVALID_TOKEN_MESSAGE",
    "SessionTokenCodec",
]

INVALID_TOKEN_MESSAGE = "The security token included in the request is invalid."
EXPIRED_TOKEN_MESSAGE = "The security token included in the request is expired"
_FORMAT = 3  # first element of the claims list; bump when the layout changes
# Layouts: 1 had no source_user_id (tokens sealed before it still open, with None); 2 adds it;
# 3 adds the scope-down policies of GetScopedCredentials (written only by scoped sessions: the
# others keep layout 2, and its size).
_FIELDS = {1: 22, 2: 23, 3: 24}  # fields of each layout, before the optional SAML keys
_COMPRESSION_LEVEL = 6
# A 4 KiB window and small hash tables: claims are a few hundred bytes to a few KiB, and with
# zlib's defaults (32 KiB window, memLevel 8) allocating and clearing the tables cost more than
# compressing the claims (docs/benchmarks.md, bench/api_cost.py). Any zlib reader opens the
# stream (its header names the window).
_WINDOW_BITS = 12
_MEMORY_LEVEL = 4


def _ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def _time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _encode_claims(c: SessionClaims) -> bytes:
    """Positional JSON list: the smallest plain encoding, and cheap to read back."""
    fields: list[Any] = [
        _FORMAT if c.scope_policies else 2,
        c.kind,
        c.account_id,
        c.access_key_id,
        c.secret_access_key,
        _ms(c.issued_at),
        _ms(c.expires_at),
        c.principal_arn,
        c.principal_id,
        c.role_arn,
        c.role_id,
        c.session_name,
        c.source_user_arn,
        c.session_policy,
        list(c.session_policy_arns),
        [list(pair) for pair in c.tags],
        list(c.transitive_tag_keys),
        c.source_identity,
        1 if c.mfa_authenticated else 0,
        None if c.mfa_authenticated_at is None else _ms(c.mfa_authenticated_at),
        c.chain_depth,
        c.federated_provider,
        c.source_user_id,
    ]
    if c.scope_policies:
        fields.append(list(c.scope_policies))
    if c.federated_keys:  # only SAML sessions carry them: other tokens keep the 23 fields
        fields.append([list(pair) for pair in c.federated_keys])
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _decode_claims(raw: bytes) -> SessionClaims:
    fields = json.loads(raw)
    size = _FIELDS.get(fields[0]) if isinstance(fields, list) and fields else None
    if size is None or len(fields) not in (size, size + 1):
        raise ValueError("unknown session token layout")
    keys = fields.pop() if len(fields) == size + 1 else []
    scope_policies = fields.pop() if size >= _FIELDS[3] else []
    source_user_id = fields.pop() if size >= _FIELDS[2] else None
    (
        _,
        kind,
        account_id,
        access_key_id,
        secret,
        issued,
        expires,
        principal_arn,
        principal_id,
        role_arn,
        role_id,
        session_name,
        source_user_arn,
        session_policy,
        policy_arns,
        tags,
        transitive,
        source_identity,
        mfa,
        mfa_at,
        chain_depth,
        provider,
    ) = fields
    return SessionClaims(
        kind=kind,
        account_id=account_id,
        access_key_id=access_key_id,
        secret_access_key=secret,
        issued_at=_time(issued),
        expires_at=_time(expires),
        principal_arn=principal_arn,
        principal_id=principal_id,
        role_arn=role_arn,
        role_id=role_id,
        session_name=session_name,
        source_user_arn=source_user_arn,
        session_policy=session_policy,
        session_policy_arns=tuple(policy_arns),
        tags=tuple((str(k), str(v)) for k, v in tags),
        transitive_tag_keys=tuple(transitive),
        source_identity=source_identity,
        mfa_authenticated=bool(mfa),
        mfa_authenticated_at=None if mfa_at is None else _time(mfa_at),
        chain_depth=int(chain_depth),
        federated_provider=provider,
        federated_keys=tuple((str(k), str(v)) for k, v in keys),
        source_user_id=source_user_id,
        scope_policies=tuple(str(p) for p in scope_policies),
    )


class SessionTokenCodec:
    """Seals ``SessionClaims`` into a session token and opens it again.

    Opened tokens are remembered (up to ``cache_size``, then the memory starts afresh): a client
    signs many requests with one token, and a token that opened once opens the same way every
    time. Only authentic tokens enter it; expiry is checked on every use.
    """

    def __init__(self, ring: KeyRing, *, cache_size: int = 4096) -> None:
        self._ring = ring
        self._cache_size = cache_size
        self._opened: dict[tuple[str, str], SessionClaims] = {}

    def seal(self, claims: SessionClaims, *, min_length: int = 0) -> str:
        """The token of ``claims``, at least ``min_length`` characters long: zero bytes after
        the compressed claims, inside the seal, make up the difference (a zlib reader stops
        at the end of its stream; GetScopedCredentials' MinimumSessionTokenSize)."""
        compressor = zlib.compressobj(
            _COMPRESSION_LEVEL, zlib.DEFLATED, _WINDOW_BITS, _MEMORY_LEVEL
        )
        payload = compressor.compress(_encode_claims(claims)) + compressor.flush()
        aad = claims.access_key_id.encode("ascii")
        sealed = self._ring.seal(payload, purpose=PURPOSE_SESSION_TOKEN, aad=aad)
        # base64 writes 4 characters per 3 bytes; the seal's overhead does not depend on size
        missing = 3 * -(-min_length // 4) - len(sealed)
        if missing > 0:
            padded = payload + bytes(missing)
            sealed = self._ring.seal(padded, purpose=PURPOSE_SESSION_TOKEN, aad=aad)
        return base64.b64encode(sealed).decode("ascii")

    def open(self, access_key_id: str, token: str, now: datetime) -> SessionClaims:
        """The claims of ``token`` issued with ``access_key_id``.

        InvalidClientTokenId when the token is not one of ours (malformed, another access key,
        an unknown key id, any changed byte); ExpiredToken once ``now`` reaches its expiry.
        """
        claims = self._opened.get((access_key_id, token))
        if claims is None:
            claims = self._open(access_key_id, token)
            if self._cache_size > 0:
                if len(self._opened) >= self._cache_size:
                    self._opened.clear()
                self._opened[(access_key_id, token)] = claims
        if now >= claims.expires_at:
            raise ExpiredToken(EXPIRED_TOKEN_MESSAGE)
        return claims

    def _open(self, access_key_id: str, token: str) -> SessionClaims:
        try:
            sealed = base64.b64decode(token.encode("ascii"), validate=True)
            payload = self._ring.open(
                sealed, purpose=PURPOSE_SESSION_TOKEN, aad=access_key_id.encode("ascii")
            )
            claims = _decode_claims(zlib.decompress(payload))
        except (KeyRingError, ValueError, UnicodeError, binascii.Error, zlib.error, TypeError):
            raise InvalidClientTokenId(INVALID_TOKEN_MESSAGE) from None
        if claims.access_key_id != access_key_id:
            raise InvalidClientTokenId(INVALID_TOKEN_MESSAGE)
        return claims
