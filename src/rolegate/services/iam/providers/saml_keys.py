"""A SAML provider's assertion encryption: its mode (Allowed or Required) and its private keys
(CreateSAMLProvider / UpdateSAMLProvider ``AssertionEncryptionMode``, ``AddPrivateKey``,
``RemovePrivateKey``; GetSAMLProvider ``PrivateKeyList``;
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml.html).

A provider holds at most two private keys, so that a new one can be added before the old one is
removed (rotation: one change per request). With mode Required AssumeRoleWithSAML refuses a
plain assertion, so the mode needs a key and the last key cannot go while it is Required. A key
is an unencrypted RSA private key in PEM of 2,048 to 4,096 bits; it is sealed by the store and
never answered (the audit trail drops ``AddPrivateKey``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rolegate.domain.errors import InvalidInput, LimitExceeded
from rolegate.domain.ids import Rng, unique_id
from rolegate.domain.saml_provider import ALLOWED, REQUIRED, SamlPrivateKey
from rolegate.federation.saml_decrypt import UnusableKey, load_private_key
from rolegate.services.context import Params, Result

MAX_PRIVATE_KEYS = 2
# From the IAM User Guide page "Troubleshoot SAML federation with IAM":
NO_PRIVATE_KEY = (
    "Unable to set assertion encryption mode to Required because no private key is provided."
)
# unverified: AWS's wordings for these
BAD_PRIVATE_KEY = (
    "Unable to parse private key. The private key must be an unencrypted RSA key (2048 to "
    "4096 bits) in PEM format."
)
TOO_MANY_KEYS = f"Cannot exceed quota for PrivateKeysPerSAMLProvider: {MAX_PRIVATE_KEYS}"
NO_SUCH_KEY = "The private key {key_id} does not exist for this SAML provider."
ADD_AND_REMOVE = "Unable to add and remove a private key in the same request."
LAST_KEY_REQUIRED = (
    "Unable to remove the last private key while assertion encryption mode is Required."
)


def new_private_key(pem: str | None, now: datetime, rng: Rng) -> SamlPrivateKey | None:
    """The key ``AddPrivateKey`` uploads, with a new KeyId; None when none is given."""
    if pem is None:
        return None
    try:
        load_private_key(pem)
    except UnusableKey:
        raise InvalidInput(BAD_PRIVATE_KEY) from None
    key_id = unique_id("", rng) + unique_id("", rng)[:9]  # as SAMLProviderUUID
    return SamlPrivateKey(key_id=key_id, timestamp=now, pem=pem.strip() + "\n")


def created_encryption(
    params: Params, now: datetime, rng: Rng
) -> tuple[str, tuple[SamlPrivateKey, ...]]:
    """The mode and keys of a provider CreateSAMLProvider makes."""
    key = new_private_key(params.get("AddPrivateKey"), now, rng)
    mode = params.get("AssertionEncryptionMode") or ALLOWED
    if mode == REQUIRED and key is None:
        raise InvalidInput(NO_PRIVATE_KEY)
    return mode, (key,) if key is not None else ()


def check_key_change(
    current: Sequence[SamlPrivateKey],
    mode: str,
    added: SamlPrivateKey | None,
    removed: str | None,
) -> None:
    """Refuse, before anything changes, an UpdateSAMLProvider that would leave the provider
    with keys its (new) ``mode`` does not allow, or that adds or removes a key it cannot."""
    if added is not None and removed is not None:
        raise InvalidInput(ADD_AND_REMOVE)
    keys = list(current)
    if added is not None:
        if len(keys) >= MAX_PRIVATE_KEYS:
            raise LimitExceeded(TOO_MANY_KEYS)
        keys.append(added)
    if removed is not None:
        if removed not in {key.key_id for key in keys}:
            raise InvalidInput(NO_SUCH_KEY.format(key_id=removed))
        keys = [key for key in keys if key.key_id != removed]
        if not keys and mode == REQUIRED:
            raise InvalidInput(LAST_KEY_REQUIRED)
    if not keys and mode == REQUIRED:
        raise InvalidInput(NO_PRIVATE_KEY)


def encryption_to_wire(mode: str, keys: Sequence[SamlPrivateKey]) -> Result:
    """GetSAMLProvider's AssertionEncryptionMode and PrivateKeyList (ids and upload times only).
    Both are answered for every provider, Allowed and an empty list when nothing was set."""
    # unverified: whether AWS leaves them out of the answer for a provider that never had a key
    return {
        "AssertionEncryptionMode": mode,
        "PrivateKeyList": [{"KeyId": key.key_id, "Timestamp": key.timestamp} for key in keys],
    }
