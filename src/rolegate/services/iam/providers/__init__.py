"""IAM identity providers: OpenID Connect (``oidc``) and SAML (``saml``)."""

__all__ = ["oidc", "saml"]
