"""Certificates, keys and chains for the server-certificate tests, made fresh with
``cryptography``: a leaf signed by an intermediate signed by a root, the leaf's key in the form
asked for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def ec_key(curve: ec.EllipticCurve | None = None) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(curve or ec.SECP256R1())


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def key_pem(key: PrivateKey, password: bytes | None = None) -> str:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    ).decode()


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def issue(
    key: PrivateKey,
    subject: str,
    issuer: tuple[x509.Certificate, PrivateKey] | None = None,
    *,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> x509.Certificate:
    """A certificate for ``key``, signed by ``issuer`` (self-signed without one)."""
    now = datetime.now(UTC)
    issuer_name = issuer[0].subject if issuer else _name(subject)
    signer = issuer[1] if issuer else key
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=1))
        .not_valid_after(not_after or now + timedelta(days=90))
        .sign(signer, hashes.SHA256())
    )


@dataclass
class Bundle:
    body: str  # the leaf
    key: str  # the leaf's private key
    chain: str  # intermediate, then root
    intermediate: str
    root: str
    expiration: datetime


def bundle(leaf_key: PrivateKey | None = None) -> Bundle:
    root_key, mid_key = ec_key(), ec_key()
    leaf_key = leaf_key or ec_key()
    root = issue(root_key, "root")
    mid = issue(mid_key, "intermediate", (root, root_key))
    leaf = issue(leaf_key, "www.example.com", (mid, mid_key))
    return Bundle(
        pem(leaf),
        key_pem(leaf_key),
        pem(mid) + pem(root),
        pem(mid),
        pem(root),
        leaf.not_valid_after_utc,
    )
