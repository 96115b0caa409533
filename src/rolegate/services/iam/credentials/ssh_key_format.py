"""SSH public keys as UploadSSHPublicKey takes them: an RSA key of at least 2048 bits, in the
OpenSSH one-line form (``ssh-rsa AAAA… comment``) or PEM (API_UploadSSHPublicKey,
https://docs.aws.amazon.com/IAM/latest/APIReference/API_UploadSSHPublicKey.html), parsed with
``cryptography``. The fingerprint is the MD5 of the key's SSH wire form, as ``ssh-keygen -E md5``
shows it (colon-separated hex).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from rolegate.domain.errors import InvalidPublicKey, UnrecognizedPublicKeyEncoding

MIN_BITS = 2048
# The OpenSSH one-line forms (ssh-rsa, ssh-ed25519, ecdsa-sha2-*, sk-*): recognised, and refused
# as invalid unless RSA.
OPENSSH_TYPES = ("ssh-", "ecdsa-", "sk-")
# unverified wordings: the API reference describes the errors, not their messages.
NOT_OPENSSH = "Key is not in valid OpenSSH public key format"
NOT_PEM = "Key is not in valid PEM public key format"
TOO_SHORT = f"The minimum bit-length of the public key is {MIN_BITS} bits."
UNRECOGNIZED = "The public key encoding format is unsupported or unrecognized."


def parse_public_key(body: str) -> rsa.RSAPublicKey:
    """The RSA key ``body`` holds, or AWS's InvalidPublicKey / UnrecognizedPublicKeyEncoding."""
    text = body.strip()
    data = text.encode("latin-1")  # the model's pattern allows \\u0009-\\u00FF only
    key: object
    try:
        if text.startswith(OPENSSH_TYPES):
            failure = NOT_OPENSSH
            key = serialization.load_ssh_public_key(data)
        elif text.startswith("-----BEGIN "):
            failure = NOT_PEM
            key = serialization.load_pem_public_key(data)
        else:
            raise UnrecognizedPublicKeyEncoding(UNRECOGNIZED)
    except (ValueError, UnsupportedAlgorithm):
        raise InvalidPublicKey(failure) from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise InvalidPublicKey(failure)
    if key.key_size < MIN_BITS:
        raise InvalidPublicKey(TOO_SHORT)
    return key


def openssh_line(key: rsa.RSAPublicKey) -> str:
    """``ssh-rsa AAAA…`` (GetSSHPublicKey with Encoding=SSH)."""
    return key.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()


def pem(key: rsa.RSAPublicKey) -> str:
    """``-----BEGIN PUBLIC KEY-----…`` (GetSSHPublicKey with Encoding=PEM)."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def md5_fingerprint(key: rsa.RSAPublicKey) -> str:
    blob = base64.b64decode(openssh_line(key).split()[1])
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))
