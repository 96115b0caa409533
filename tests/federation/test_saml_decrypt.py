"""Encrypted SAML assertions (``saml_decrypt``, and ``saml_response`` around it): every data
algorithm and key transport IAM's IdPs use, key rotation (either of two keys), and every refusal
as the InvalidIdentityToken (400) AssumeRoleWithSAML answers: never an exception of its own.
"""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from rolegate.domain.errors import InvalidIdentityToken
from rolegate.federation.saml_decrypt import (
    MAX_ENCRYPTED_KEYS,
    DecryptionFailed,
    UnusableKey,
    decrypt_assertion,
    load_private_key,
)
from rolegate.federation.saml_response import (
    INVALID_RESPONSE,
    SIGNATURE_INVALID,
    SamlTrust,
    verify_response,
)
from saml_idp import (
    SAML,
    XENC,
    AssertionSpec,
    Encryption,
    SigningKey,
    assertion_element,
    encode,
    encrypt,
    encrypted_response,
    response_element,
    sign,
    signed_response,
)

ISSUER = "https://idp.example.com/saml"
SIGNING = SigningKey.generate()
CERTIFICATES = (SIGNING.certificate.public_bytes(Encoding.DER),)
DECRYPTING = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ROTATED = rsa.generate_private_key(public_exponent=65537, key_size=2048)
STRANGER = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ROLE = "arn:aws:iam::123456789012:role/Dev"
PROVIDER = "arn:aws:iam::123456789012:saml-provider/Corp"
DATA_VALUE = f"{{{XENC}}}CipherData/{{{XENC}}}CipherValue"
ALL_WAYS = [
    Encryption(data="aes128-gcm"),
    Encryption(data="aes256-gcm", digest="sha256"),
    Encryption(data="aes128-cbc", key_inside=False),
    Encryption(data="aes256-cbc", transport="rsa-oaep", digest="sha256", mgf="sha256"),
    Encryption(data="aes256-gcm", transport="rsa-oaep", digest="sha1", mgf="sha1"),
]


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, password: bytes | None = None) -> str:
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption).decode(
        "ascii"
    )


def _trust(*keys: rsa.RSAPrivateKey, required: bool = False) -> SamlTrust:
    return SamlTrust(
        ISSUER,
        CERTIFICATES,
        private_keys=tuple(_pem(k) for k in keys),
        encryption_required=required,
    )


def _spec() -> AssertionSpec:
    return AssertionSpec(issuer=ISSUER, role_arn=ROLE, provider_arn=PROVIDER)


def _refused(encoded: str, trust: SamlTrust) -> str:
    with pytest.raises(InvalidIdentityToken) as caught:
        verify_response(encoded, trust, datetime.now(UTC))
    return str(caught.value)


@pytest.mark.parametrize("how", ALL_WAYS, ids=lambda h: f"{h.data}-{h.transport}-{h.digest}")
def test_each_algorithm_round_trips(how: Encryption) -> None:
    assertion = sign(assertion_element(_spec()), SIGNING)
    encrypted = encrypt(assertion, DECRYPTING.public_key(), how)
    plaintext = decrypt_assertion(encrypted, [STRANGER, DECRYPTING])
    assert plaintext == etree.tostring(assertion)
    verified = verify_response(
        encrypted_response(_spec(), SIGNING, DECRYPTING.public_key(), how),
        _trust(DECRYPTING),
        datetime.now(UTC),
    )
    assert verified.issuer == ISSUER and verified.assertion_id == "_a1"


@pytest.mark.parametrize("where", ["response", "both"])
def test_a_signed_response_covers_the_encrypted_assertion(where: str) -> None:
    encoded = encrypted_response(
        _spec(),
        SIGNING,
        ROTATED.public_key(),
        where=where,  # type: ignore[arg-type]
    )
    verified = verify_response(encoded, _trust(DECRYPTING, ROTATED), datetime.now(UTC))
    assert verified.subject == _spec().subject


def test_unsigned_or_badly_signed_encrypted_assertion_is_refused() -> None:
    """Until the decrypted assertion's signature holds, one answer for every failure."""
    encoded = encrypted_response(_spec(), SIGNING, DECRYPTING.public_key(), where="none")
    assert _refused(encoded, _trust(DECRYPTING)) == INVALID_RESPONSE
    other = SigningKey.generate("other")
    encoded = encrypted_response(_spec(), other, DECRYPTING.public_key())
    assert _refused(encoded, _trust(DECRYPTING)) == INVALID_RESPONSE


def test_a_gcm_key_relabelled_as_cbc_tells_nothing() -> None:
    """The data algorithm is not authenticated: an attacker can ask for CBC with a GCM key.
    Whatever the CBC decryption gives, the answer is the same."""
    assertion = sign(assertion_element(_spec()), SIGNING)
    encrypted = encrypt(assertion, DECRYPTING.public_key(), Encryption(data="aes128-gcm"))
    method = encrypted.find(f"{{{XENC}}}EncryptedData/{{{XENC}}}EncryptionMethod")
    assert method is not None
    method.set("Algorithm", XENC + "aes128-cbc")
    response = response_element(_spec(), encrypted)
    assert _refused(encode(response), _trust(DECRYPTING)) == INVALID_RESPONSE


def test_wrong_key_no_key_and_tampering_are_an_invalid_response() -> None:
    encoded = encrypted_response(_spec(), SIGNING, STRANGER.public_key())
    assert _refused(encoded, _trust(DECRYPTING, ROTATED)) == INVALID_RESPONSE
    assert _refused(encoded, _trust()) == INVALID_RESPONSE
    for how in (Encryption(data="aes256-gcm"), Encryption(data="aes128-cbc")):
        response = etree.fromstring(
            base64.b64decode(encrypted_response(_spec(), SIGNING, DECRYPTING.public_key(), how))
        )
        value = response.find(
            f"{{{SAML}}}EncryptedAssertion/{{{XENC}}}EncryptedData/"
            f"{{{XENC}}}CipherData/{{{XENC}}}CipherValue"
        )
        assert value is not None and value.text is not None
        data = bytearray(base64.b64decode(value.text))
        data[40] ^= 0x01  # a bit of the first ciphertext block after the IV
        value.text = base64.b64encode(bytes(data)).decode("ascii")
        # GCM's tag fails; CBC decrypts to garbage that does not parse or is not signed
        assert _refused(encode(response), _trust(DECRYPTING)) == INVALID_RESPONSE


def test_required_refuses_a_plain_assertion_and_allowed_takes_both() -> None:
    plain = signed_response(_spec(), SIGNING)
    encrypted = encrypted_response(_spec(), SIGNING, DECRYPTING.public_key())
    assert _refused(plain, _trust(DECRYPTING, required=True)) == INVALID_RESPONSE
    verify_response(encrypted, _trust(DECRYPTING, required=True), datetime.now(UTC))
    verify_response(plain, _trust(DECRYPTING), datetime.now(UTC))
    verify_response(encrypted, _trust(DECRYPTING), datetime.now(UTC))


def test_an_encrypted_beside_a_plain_assertion_or_two_encrypted_are_refused() -> None:
    assertion = sign(assertion_element(_spec()), SIGNING)
    response = response_element(_spec(), encrypt(assertion, DECRYPTING.public_key()))
    response.append(sign(assertion_element(_spec()), SIGNING))
    assert _refused(encode(response), _trust(DECRYPTING)) == SIGNATURE_INVALID
    response = response_element(_spec(), encrypt(assertion, DECRYPTING.public_key()))
    response.append(encrypt(assertion, DECRYPTING.public_key()))
    assert _refused(encode(response), _trust(DECRYPTING)) == SIGNATURE_INVALID


def test_a_decrypted_response_instead_of_an_assertion_is_refused() -> None:
    inner = response_element(_spec(), sign(assertion_element(_spec()), SIGNING))
    response = response_element(_spec(), encrypt(inner, DECRYPTING.public_key()))
    assert _refused(encode(response), _trust(DECRYPTING)) == INVALID_RESPONSE
    # inside a signed Response (the ciphertext authenticated), the shape is named
    response = sign(response_element(_spec(), encrypt(inner, DECRYPTING.public_key())), SIGNING)
    assert _refused(encode(response), _trust(DECRYPTING)) == SIGNATURE_INVALID


def test_refused_algorithms_and_shapes() -> None:
    assertion = sign(assertion_element(_spec()), SIGNING)

    def mutated(change: str) -> etree._Element:
        encrypted = encrypt(assertion, DECRYPTING.public_key())
        data = encrypted.find(f"{{{XENC}}}EncryptedData")
        assert data is not None
        method = data.find(f".//{{{XENC}}}EncryptedKey/{{{XENC}}}EncryptionMethod")
        assert method is not None
        if change == "rsa-1_5":
            method.set("Algorithm", XENC + "rsa-1_5")
        elif change == "data":
            data[0].set("Algorithm", XENC + "tripledes-cbc")
        elif change == "content":
            data.set("Type", XENC + "Content")
        elif change == "digest":
            method[0].set("Algorithm", "http://www.w3.org/2001/04/xmldsig-more#md5")
        elif change == "many keys":
            key = data.find(f".//{{{XENC}}}EncryptedKey")
            assert key is not None
            for _ in range(MAX_ENCRYPTED_KEYS):
                encrypted.append(etree.fromstring(etree.tostring(key)))
        return encrypted

    for change in ("rsa-1_5", "data", "content", "digest", "many keys"):
        with pytest.raises(DecryptionFailed):
            decrypt_assertion(mutated(change), [DECRYPTING])
        response = response_element(_spec(), mutated(change))
        assert _refused(encode(response), _trust(DECRYPTING)) == INVALID_RESPONSE, change


def test_the_work_is_bounded() -> None:
    """The most a response can carry, in CipherValue, costs well under a second, however it is
    encrypted (CBC's padding may happen to be valid: the plaintext is then garbage)."""
    assertion = sign(assertion_element(_spec()), SIGNING)
    for data in ("aes256-gcm", "aes256-cbc"):
        encrypted = encrypt(assertion, DECRYPTING.public_key(), Encryption(data=data))
        value = encrypted.find(f"{{{XENC}}}EncryptedData/{DATA_VALUE}")
        assert value is not None
        value.text = base64.b64encode(bytes(70_000)).decode("ascii")
        started = time.process_time()
        try:
            decrypt_assertion(encrypted, [DECRYPTING, ROTATED])
        except DecryptionFailed:
            pass
        assert time.process_time() - started < 0.5


def test_load_private_key_takes_unencrypted_rsa_only() -> None:
    assert load_private_key(_pem(DECRYPTING)).key_size == 2048
    pkcs1 = DECRYPTING.private_bytes(
        Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode("ascii")
    assert load_private_key(pkcs1).key_size == 2048
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    for bad in (
        "not a key",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        _pem(ec.generate_private_key(ec.SECP256R1())),
        _pem(DECRYPTING, password=b"secret"),
        _pem(small),
        "\u20ac",
    ):
        with pytest.raises(UnusableKey):
            load_private_key(bad)
