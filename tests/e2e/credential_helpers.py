"""Keys, certificates and passwords for the user-credential tests, made fresh with
``cryptography`` (a certificate is accepted once per account, so each test makes its own)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

# Meets any password policy the suite sets (every kind of character, 24 characters).
STRONG_PASSWORD = "Rolegate-Test-Passw0rd!x"
OTHER_PASSWORD = "Another-Test-Passw0rd#yz"


def rsa_public_key(bits: int = 2048) -> rsa.RSAPublicKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()


def openssh(key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey, comment: str = "") -> str:
    line = key.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()
    return f"{line} {comment}".strip()


def pem_public_key(key: rsa.RSAPublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def certificate_pem(
    *, not_before: datetime | None = None, not_after: datetime | None = None, name: str = "t"
) -> str:
    """A self-signed certificate (EC P-256: quick to make), valid now unless told otherwise."""
    now = datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=1))
        .not_valid_after(not_after or now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()
