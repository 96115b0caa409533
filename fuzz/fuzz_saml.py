"""atheris: SAML responses (federation/saml_xml.py, saml_response.py and saml_decrypt.py): the
base64 text of a SAMLResponse, its XML, an EncryptedAssertion's decryption, the signature checks
and the assertion's conditions.

The bytes are the response's XML (base64-encoded here, as a browser posts it) or, when the first
byte says so, the SAMLResponse text itself (to reach the base64 decoding). The seeds are responses
signed by a key the trust holds (tests/saml_idp.py), plain and with the assertion encrypted for
the provider's private key (AES-GCM and AES-CBC), so mutations start from valid documents.
"""

from __future__ import annotations

import base64
import sys
from datetime import UTC, datetime
from pathlib import Path

import atheris
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

with atheris.instrument_imports():
    from rolegate.domain.errors import AwsError
    from rolegate.federation.saml_response import SamlTrust, verify_response

from common import run

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from saml_idp import AssertionSpec, Encryption, SigningKey, encrypted_response, signed_response

ISSUER = "https://idp.example.com/saml"
ROLE = "arn:aws:iam::123456789012:role/Dev"
PROVIDER = "arn:aws:iam::123456789012:saml-provider/Corp"
KEY = SigningKey.generate()
DECRYPTING = rsa.generate_private_key(public_exponent=65537, key_size=2048)
TRUST = SamlTrust(
    ISSUER,
    (KEY.certificate.public_bytes(Encoding.DER),),
    private_keys=(
        DECRYPTING.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode(),
    ),
)
NOW = datetime.now(UTC)


def test_one(data: bytes) -> None:
    if data[:1] == b"!":
        encoded = data[1:].decode("latin-1")
    else:
        encoded = base64.b64encode(data).decode("ascii")
    try:
        verify_response(encoded, TRUST, NOW)
    except AwsError:
        return


def _seeds() -> list[bytes]:
    spec = AssertionSpec(ISSUER, role_arn=ROLE, provider_arn=PROVIDER, attributes={"x": ["1"]})
    found = []
    for where in ("assertion", "response", "none"):
        found.append(base64.b64decode(signed_response(spec, KEY, where)))
    for data in ("aes128-gcm", "aes256-cbc"):
        encrypted = encrypted_response(spec, KEY, DECRYPTING.public_key(), Encryption(data=data))
        found.append(base64.b64decode(encrypted))
    return found


if __name__ == "__main__":
    run(test_one, _seeds())
