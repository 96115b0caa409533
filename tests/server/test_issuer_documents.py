"""The issuer documents' routing and the public URL they are served under: which paths name an
issuer document, and what ``--public-url`` accepts."""

from __future__ import annotations

import pytest

from rolegate.server.issuer_documents import DocumentRequest, document_request
from rolegate.server.settings import Settings

ISSUER_ID = "0b6f2a1c-3d4e-4f50-8a6b-7c8d9e0f1a2b"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            f"/issuers/{ISSUER_ID}/.well-known/openid-configuration",
            DocumentRequest(ISSUER_ID, "openid-configuration"),
        ),
        (f"/issuers/{ISSUER_ID}/.well-known/jwks.json", DocumentRequest(ISSUER_ID, "jwks.json")),
        # a public URL with a path, forwarded unchanged by a proxy
        (
            f"/rolegate/issuers/{ISSUER_ID}/.well-known/jwks.json",
            DocumentRequest(ISSUER_ID, "jwks.json"),
        ),
        (f"/issuers/{ISSUER_ID}/.well-known/jwks.json/", None),
        (f"/issuers/{ISSUER_ID.upper()}/.well-known/jwks.json", None),
        (f"/issuers/{ISSUER_ID}/jwks.json", None),
        (f"/issuers/{ISSUER_ID}x/.well-known/jwks.json", None),
        ("/issuers/not-a-uuid/.well-known/openid-configuration", None),
        ("/", None),
        ("/healthz", None),
        ("/" + "a" * 5000 + f"/issuers/{ISSUER_ID}/.well-known/jwks.json", None),
    ],
)
def test_document_paths(path: str, expected: DocumentRequest | None) -> None:
    assert document_request(path) == expected


def test_the_issuer_base_defaults_to_the_listen_address() -> None:
    assert Settings.from_sources({}, {}).issuer_base_url == "http://127.0.0.1:4566"
    settings = Settings.from_sources({"host": "::1", "port": "8080"}, {})
    assert settings.issuer_base_url == "http://[::1]:8080"


def test_public_url_flag_over_environment() -> None:
    env = {"ROLEGATE_PUBLIC_URL": "https://env.example/"}
    assert Settings.from_sources({}, env).issuer_base_url == "https://env.example"
    flags = {"public_url": "https://iam.example.com/rolegate/"}
    assert Settings.from_sources(flags, env).issuer_base_url == "https://iam.example.com/rolegate"


@pytest.mark.parametrize(
    "url",
    ["iam.example.com", "ftp://iam.example.com", "https://", "https://x/?a=1", "https://x/#f"],
)
def test_public_url_must_be_an_http_url(url: str) -> None:
    with pytest.raises(ValueError, match="--public-url must be an http:// or https:// URL"):
        Settings.from_sources({"public_url": url}, {})
