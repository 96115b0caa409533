"""Decryption of a SAML ``EncryptedAssertion`` (SAML core 2.3.4; XML Encryption 1.1) with the
private keys of an IAM SAML provider
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml.html).

What is accepted: one ``xenc:EncryptedData`` of an element, its content key carried by an
``xenc:EncryptedKey`` (inside the data's ``ds:KeyInfo`` or beside the data in the
EncryptedAssertion) and transported with RSA-OAEP (``xmlenc#rsa-oaep-mgf1p``, or
``xmlenc11#rsa-oaep`` with MGF1 over SHA-1/224/256/384/512; OAEP digest SHA-1, SHA-224, SHA-256,
SHA-384 or SHA-512); the data encrypted with AES-GCM (128/192/256, IV 12 bytes, tag 16) or AES-CBC
(128/192/256). Never RSA PKCS#1 v1.5 (xmlenc#rsa-1_5, open to padding oracles), never a key
named by reference or agreed (the key must come with the data).

Bounded work for input nobody has authenticated yet: the whole response is at most
``saml_xml.MAX_RESPONSE_BYTES``; at most :data:`MAX_ENCRYPTED_KEYS` encrypted keys are tried,
each with at most two private keys of at most 4,096 bits, and the data is decrypted once per
content key that unwraps: all of it linear in the input. The plaintext is parsed by the caller
with the same hardened parser as the response. Every failure is :class:`DecryptionFailed`,
without saying which step failed.
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

from rolegate.federation.saml_xml import DS

XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
_NS = {"xenc": XENC, "xenc11": XENC11, "ds": DS}
ELEMENT_TYPE = XENC + "Element"
RSA_OAEP_MGF1P = XENC + "rsa-oaep-mgf1p"
RSA_OAEP = XENC11 + "rsa-oaep"
AES_GCM = {XENC11 + "aes128-gcm": 16, XENC11 + "aes192-gcm": 24, XENC11 + "aes256-gcm": 32}
AES_CBC = {XENC + "aes128-cbc": 16, XENC + "aes192-cbc": 24, XENC + "aes256-cbc": 32}
DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "http://www.w3.org/2000/09/xmldsig#sha1": hashes.SHA1,
    "http://www.w3.org/2001/04/xmldsig-more#sha224": hashes.SHA224,
    "http://www.w3.org/2001/04/xmlenc#sha256": hashes.SHA256,
    "http://www.w3.org/2001/04/xmldsig-more#sha384": hashes.SHA384,
    "http://www.w3.org/2001/04/xmlenc#sha512": hashes.SHA512,
}
MGFS: dict[str, type[hashes.HashAlgorithm]] = {
    XENC11 + "mgf1sha1": hashes.SHA1,
    XENC11 + "mgf1sha224": hashes.SHA224,
    XENC11 + "mgf1sha256": hashes.SHA256,
    XENC11 + "mgf1sha384": hashes.SHA384,
    XENC11 + "mgf1sha512": hashes.SHA512,
}
MAX_ENCRYPTED_KEYS = 4
RSA_BITS = range(2048, 4097)
GCM_IV, GCM_TAG, CBC_IV = 12, 16, 16


class DecryptionFailed(ValueError):
    """The assertion cannot be decrypted with the provider's keys (the reason is not told)."""


class UnusableKey(ValueError):
    """A private key that cannot decrypt assertions (not PEM, encrypted, not RSA, wrong size)."""


def load_private_key(pem: str, *, checked: bool = False) -> rsa.RSAPrivateKey:
    """The RSA private key of an unencrypted PEM (PKCS#8 or PKCS#1), 2,048 to 4,096 bits.
    ``checked``: the key was loaded once before (on upload), its consistency checks are skipped."""
    try:
        key = serialization.load_pem_private_key(
            pem.strip().encode("latin-1"), password=None, unsafe_skip_rsa_key_validation=checked
        )
    except (TypeError, ValueError, UnsupportedAlgorithm, UnicodeEncodeError) as exc:
        raise UnusableKey(type(exc).__name__) from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size not in RSA_BITS:
        raise UnusableKey("not an RSA key of 2048 to 4096 bits")
    return key


def decrypt_assertion(encrypted: etree._Element, keys: Sequence[rsa.RSAPrivateKey]) -> bytes:
    """The plaintext (the serialized Assertion) of an ``EncryptedAssertion`` element."""
    data = encrypted.findall("xenc:EncryptedData", _NS)
    if len(data) != 1 or not keys:
        raise DecryptionFailed("not one EncryptedData, or no keys")
    encrypted_data = data[0]
    if encrypted_data.get("Type") not in (None, ELEMENT_TYPE):
        raise DecryptionFailed("not an element")
    algorithm = _algorithm(encrypted_data)
    size = AES_GCM.get(algorithm) or AES_CBC.get(algorithm)
    if size is None:
        raise DecryptionFailed("data algorithm")
    ciphertext = _cipher_value(encrypted_data)
    wrapped = encrypted_data.findall("ds:KeyInfo/xenc:EncryptedKey", _NS) + encrypted.findall(
        "xenc:EncryptedKey", _NS
    )
    if not wrapped or len(wrapped) > MAX_ENCRYPTED_KEYS:
        raise DecryptionFailed("no or too many EncryptedKey")
    for encrypted_key in wrapped:
        for content_key in _content_keys(encrypted_key, keys):
            if len(content_key) != size:
                continue
            plaintext = _decrypt_data(algorithm, content_key, ciphertext)
            if plaintext is not None:
                return plaintext
    raise DecryptionFailed("no key decrypts the assertion")


def _algorithm(element: etree._Element) -> str:
    method = element.find("xenc:EncryptionMethod", _NS)
    algorithm = method.get("Algorithm") if method is not None else None
    if not isinstance(algorithm, str):
        raise DecryptionFailed("no EncryptionMethod")
    return algorithm


def _cipher_value(element: etree._Element) -> bytes:
    value = element.find("xenc:CipherData/xenc:CipherValue", _NS)
    if value is None or value.text is None:
        raise DecryptionFailed("no CipherValue")  # CipherReference is not followed
    try:
        return b64decode("".join(value.text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionFailed("CipherValue not base64") from None


def _content_keys(encrypted_key: etree._Element, keys: Sequence[rsa.RSAPrivateKey]) -> list[bytes]:
    """The content keys ``encrypted_key`` unwraps to with each of ``keys`` that fits it."""
    oaep = _oaep(encrypted_key)
    wrapped = _cipher_value(encrypted_key)
    found: list[bytes] = []
    for key in keys:
        if len(wrapped) != (key.key_size + 7) // 8:
            continue
        try:
            found.append(key.decrypt(wrapped, oaep))
        except ValueError:
            continue
    return found


def _oaep(encrypted_key: etree._Element) -> padding.OAEP:
    method = encrypted_key.find("xenc:EncryptionMethod", _NS)
    algorithm = method.get("Algorithm") if method is not None else None
    if method is None or algorithm not in (RSA_OAEP_MGF1P, RSA_OAEP):
        raise DecryptionFailed("key transport algorithm")
    digest = _named(method.find("ds:DigestMethod", _NS), DIGESTS, hashes.SHA1)
    mgf: type[hashes.HashAlgorithm] = hashes.SHA1  # always SHA-1 for rsa-oaep-mgf1p
    if algorithm == RSA_OAEP:
        mgf = _named(method.find("xenc11:MGF", _NS), MGFS, hashes.SHA1)
    label = None
    params = method.find("xenc:OAEPparams", _NS)
    if params is not None and params.text:
        try:
            label = b64decode("".join(params.text.split()), validate=True) or None
        except (binascii.Error, ValueError):
            raise DecryptionFailed("OAEPparams not base64") from None
    return padding.OAEP(mgf=padding.MGF1(mgf()), algorithm=digest(), label=label)


def _named(
    element: etree._Element | None,
    table: dict[str, type[hashes.HashAlgorithm]],
    default: type[hashes.HashAlgorithm],
) -> type[hashes.HashAlgorithm]:
    if element is None:
        return default
    found = table.get(element.get("Algorithm") or "")
    if found is None:
        raise DecryptionFailed("digest algorithm")
    return found


def _decrypt_data(algorithm: str, key: bytes, data: bytes) -> bytes | None:
    if algorithm in AES_GCM:
        if len(data) < GCM_IV + GCM_TAG:
            return None
        try:
            return AESGCM(key).decrypt(data[:GCM_IV], data[GCM_IV:], None)
        except InvalidTag:
            return None
    # CBC (XML Encryption 5.2.1): IV, then blocks; the last byte counts the padding bytes, whose
    # other values are arbitrary. CBC carries no integrity: a tampered assertion fails its
    # signature (or parsing) instead.
    if len(data) < 2 * CBC_IV or len(data) % CBC_IV:
        return None
    decryptor = Cipher(algorithms.AES(key), modes.CBC(data[:CBC_IV])).decryptor()
    padded = decryptor.update(data[CBC_IV:]) + decryptor.finalize()
    pad = padded[-1]
    if not 1 <= pad <= CBC_IV:
        return None
    return padded[:-pad]
