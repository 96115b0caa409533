"""A real OpenID Connect issuer on loopback for the tests: HTTPS with a test CA made here.

One HTTPS server hosts many issuers ("tenants"), each at ``https://localhost:PORT/t/NAME`` with
its discovery document and JWKS, its own signing keys (RSA and EC), and rotation. It counts the
requests each tenant was served, so tests can prove what rolegate fetched and when.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import ssl
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey


@dataclass
class IssuerCa:
    """A CA and a server certificate for ``localhost`` / 127.0.0.1 that it signed."""

    bundle: Path  # the CA certificate, PEM: what --oidc-ca-bundle names
    server_cert: Path
    server_key: Path
    ca_thumbprint: str  # hex SHA-1 of the CA certificate (IAM's thumbprint)

    @classmethod
    def create(cls, directory: Path, name: str = "rolegate test CA") -> IssuerCa:
        directory.mkdir(parents=True, exist_ok=True)
        now = dt.datetime.now(dt.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        key = ec.generate_private_key(ec.SECP256R1())
        ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(_ip("127.0.0.1"))]
                ),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        bundle = directory / "ca.pem"
        bundle.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        server_cert = directory / "server.pem"
        server_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        server_key = directory / "server.key"
        server_key.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        der = ca_cert.public_bytes(serialization.Encoding.DER)
        return cls(bundle, server_cert, server_key, hashlib.sha1(der).hexdigest())


def _ip(text: str) -> Any:
    import ipaddress

    return ipaddress.ip_address(text)


@dataclass
class Tenant:
    """One issuer: its signing keys (the first signs by default) and what it published."""

    name: str
    keys: list[RSAKey | ECKey] = field(default_factory=list)
    # When set, the issuer holds every request for this tenant until the gate opens (a slow
    # issuer), and ``arrived`` says a request is being held.
    gate: threading.Event | None = None
    arrived: threading.Event = field(default_factory=threading.Event)
    jwks_text: bytes | None = None  # served instead of the JWKS when set (a broken issuer)

    def add_key(self, kind: str = "RSA", kid: str | None = None) -> RSAKey | ECKey:
        kid = kid or f"{self.name}-{kind}-{len(self.keys)}"
        key: RSAKey | ECKey
        if kind == "RSA":
            key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig"})
        else:
            key = ECKey.generate_key(kind, parameters={"kid": kid, "use": "sig"})
        self.keys.append(key)
        return key

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.as_dict(private=False) for key in self.keys]}


class Issuer:
    """The HTTPS server; ``issuer_url(tenant)`` is what a token's ``iss`` carries."""

    def __init__(self, ca: IssuerCa) -> None:
        self.ca = ca
        self.tenants: dict[str, Tenant] = {}
        self.served: Counter[str] = Counter()  # "tenant path" -> requests served
        self._lock = threading.Lock()
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer._answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(ca.server_cert, ca.server_key)
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def start(self) -> Issuer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def host(self) -> str:
        return f"localhost:{self.port}"

    def tenant(self, name: str, kind: str = "RSA") -> Tenant:
        tenant = Tenant(name)
        tenant.add_key(kind)
        with self._lock:
            self.tenants[name] = tenant
        return tenant

    def issuer_url(self, tenant: Tenant) -> str:
        return f"https://{self.host}/t/{tenant.name}"

    def provider_url(self, tenant: Tenant) -> str:
        """The IAM provider's URL: the issuer without ``https://`` (ARN, condition keys)."""
        return f"{self.host}/t/{tenant.name}"

    def fetches(self, tenant: Tenant) -> int:
        """JWKS documents served for ``tenant`` so far."""
        return self.served[f"{tenant.name} jwks"]

    def token(
        self,
        tenant: Tenant,
        *,
        sub: str = "repo:org/app:ref:refs/heads/main",
        aud: str | list[str] = "sts.amazonaws.com",
        key: RSAKey | ECKey | None = None,
        alg: str | None = None,
        lifetime: int = 600,
        **claims: Any,
    ) -> str:
        key = key or tenant.keys[0]
        alg = alg or ("RS256" if isinstance(key, RSAKey) else _EC_ALG[str(key.as_dict()["crv"])])
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer_url(tenant),
            "sub": sub,
            "aud": aud,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
        }
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode({"alg": alg, "kid": key.kid, "typ": "JWT"}, body, key, algorithms=[alg])

    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        parts = request.path.split("/")
        # /t/NAME/.well-known/openid-configuration or /t/NAME/jwks
        tenant = self.tenants.get(parts[2]) if len(parts) > 3 and parts[1] == "t" else None
        if tenant is None:
            _send(request, 404, {"error": "no such tenant"})
            return
        rest = "/".join(parts[3:])
        with self._lock:
            self.served[f"{tenant.name} {rest.split('/')[-1]}"] += 1
        if tenant.gate is not None:
            tenant.arrived.set()
            tenant.gate.wait(timeout=30)
        if rest == ".well-known/openid-configuration":
            issuer = self.issuer_url(tenant)
            _send(request, 200, {"issuer": issuer, "jwks_uri": f"{issuer}/jwks"})
        elif rest == "jwks":
            _send(request, 200, tenant.jwks() if tenant.jwks_text is None else tenant.jwks_text)
        else:
            _send(request, 404, {"error": "not found"})


_EC_ALG = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}


def _send(request: BaseHTTPRequestHandler, status: int, body: dict[str, Any] | bytes) -> None:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request.send_response(status)
    request.send_header("Content-Type", "application/json")
    request.send_header("Content-Length", str(len(data)))
    request.end_headers()
    request.wfile.write(data)


# --- hand-made tokens for the attacks ------------------------------------------------------------
def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    """A compact JWS with any header and signature bytes."""
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(claims).encode())
    return f"{head}.{body}.{b64url(signature)}"


def hs256_with_public_key(key: RSAKey, claims: dict[str, Any]) -> str:
    """The algorithm-confusion attack: HMAC-SHA256 keyed with the RSA public key's PEM."""
    header = {"alg": "HS256", "kid": key.kid, "typ": "JWT"}
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(claims).encode())
    secret = key.as_pem(private=False)
    signature = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(signature)}"


def claims_of(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    result: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return result
