"""Who a trust policy lets in, in the words of AWS's roles list ("Trusted entities"): AWS
services, AWS accounts (or their principals), web identity and SAML 2.0 providers."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

KINDS = {
    "service": "AWS service",
    "account": "AWS account",
    "web": "Web identity",
    "saml": "SAML 2.0",
}


def trusted_entities(document: str) -> list[tuple[str, str]]:
    """(kind, principal) for every principal an Allow statement of the (URL-encoded) trust
    policy names; [] when the document cannot be read."""
    try:
        policy = json.loads(unquote(document))
    except ValueError:
        return []
    statements = policy.get("Statement", []) if isinstance(policy, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    found: list[tuple[str, str]] = []
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal: Any = statement.get("Principal", {})
        if principal == "*":
            found.append(("account", "*"))
            continue
        if not isinstance(principal, dict):
            continue
        for key, values in principal.items():
            for value in values if isinstance(values, list) else [values]:
                text = str(value)
                if key == "Service":
                    found.append(("service", text))
                elif key == "AWS":
                    found.append(("account", text))
                elif key == "Federated":
                    found.append(("saml" if ":saml-provider/" in text else "web", text))
    return found
