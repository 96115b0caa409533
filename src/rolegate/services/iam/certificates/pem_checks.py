"""What UploadServerCertificate checks in what it is given, with ``cryptography``
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_server-certs.html): the body is
one PEM certificate valid now; the private key is PEM, unencrypted, RSA (1024 to 4096 bits) or EC
(P-256, P-384, P-521), and is the certificate's; the chain, if any, is PEM certificates that start
with the certificate's issuer, each followed by its own issuer.

Every check is linear in the input: each PEM block is decoded once, and each certificate's
signature is checked against its successor's key only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from rolegate.domain.errors import KeyPairMismatch, MalformedCertificate

# AWS's answers (https://docs.aws.amazon.com/IAM/latest/APIReference/API_UploadServerCertificate.html
# names the codes; the texts are those AWS returns).
BAD_CERTIFICATE = "Unable to parse certificate. Please ensure the certificate is in PEM format."
BAD_CHAIN = (
    "Unable to validate certificate chain. The certificate chain must start with the immediate "
    "signing certificate, followed by any intermediaries in order. The index within the chain "
    "of the invalid certificate is: {index}"
)
# unverified
BAD_KEY = "Unable to parse private key. Please ensure the private key is in PEM format."
ENCRYPTED_KEY = "The private key must not be encrypted."  # unverified
UNSUPPORTED_KEY = "The private key type or size is not supported."  # unverified
NOT_VALID_NOW = "The certificate is expired or not yet valid."  # unverified
MISMATCH = (
    "Unable to validate certificate and private key. "
    "Please ensure the private key matches the certificate."
)  # unverified

RSA_BITS = range(1024, 4097)
EC_CURVES = frozenset({"secp256r1", "secp384r1", "secp521r1"})


@dataclass(frozen=True, slots=True)
class CheckedUpload:
    expiration: datetime  # the certificate's notAfter


def check_upload(body: str, private_key: str, chain: str | None, now: datetime) -> CheckedUpload:
    """Check what UploadServerCertificate was given, in AWS's order: certificate, key, match,
    chain. Raises MalformedCertificate or KeyPairMismatch."""
    certificate = _certificate(body)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise MalformedCertificate(NOT_VALID_NOW)
    key = _private_key(private_key)
    if _spki(key.public_key()) != _spki(certificate.public_key()):
        raise KeyPairMismatch(MISMATCH)
    if chain is not None:
        _check_chain(certificate, chain)
    return CheckedUpload(expiration=certificate.not_valid_after_utc)


def _certificate(body: str) -> x509.Certificate:
    try:
        certificates = x509.load_pem_x509_certificates(body.strip().encode("latin-1"))
    except ValueError:
        raise MalformedCertificate(BAD_CERTIFICATE) from None
    if len(certificates) != 1:
        raise MalformedCertificate(BAD_CERTIFICATE)
    return certificates[0]


def _private_key(text: str) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(text.strip().encode("latin-1"), password=None)
    except TypeError:  # "Password was not given but private key is encrypted"
        raise MalformedCertificate(ENCRYPTED_KEY) from None
    except (ValueError, UnsupportedAlgorithm):
        raise MalformedCertificate(BAD_KEY) from None
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size in RSA_BITS:
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name in EC_CURVES:
        return key
    raise MalformedCertificate(UNSUPPORTED_KEY)


def _spki(key: object) -> bytes:
    if not isinstance(key, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)):
        return b""  # a certificate for another key type cannot match a supported private key
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _check_chain(certificate: x509.Certificate, chain: str) -> None:
    """Each certificate must be issued by the next: the body by the chain's first (a failure
    there is index -1), the chain's certificate ``i`` by ``i + 1`` (index ``i``)."""
    try:
        issuers = x509.load_pem_x509_certificates(chain.strip().encode("latin-1"))
    except ValueError:
        raise MalformedCertificate(BAD_CHAIN.format(index=-1)) from None
    subject = certificate
    for index, issuer in enumerate(issuers, start=-1):
        try:
            subject.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            raise MalformedCertificate(BAD_CHAIN.format(index=index)) from None
        subject = issuer
