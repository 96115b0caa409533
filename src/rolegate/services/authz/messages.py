"""Encoded authorization messages: the sealed decision documents that DecodeAuthorizationMessage
(``rolegate.services.sts.decode``) opens (STS API reference, "DecodeAuthorizationMessage").

AWS's IAM and STS answer AccessDenied with plain text only, so rolegate keeps the wire exactly so
and writes the encoded message of every policy denial to the server log next to the request id;
whoever may call ``sts:DecodeAuthorizationMessage`` in the denied caller's account gets the
decision back as AWS's JSON document: ``allowed``, ``explicitDeny``, ``matchedStatements``,
``failures`` and the ``context`` (principal, action, resource, condition key values).

The message is sealed (AES-GCM through the node's key ring, its own purpose) so it can carry
policy details the caller must not read, and any node opens it.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Mapping
from typing import Any, Protocol

from rolegate.auth.keyring import KeyRingError
from rolegate.domain.caller import Caller
from rolegate.domain.errors import InvalidAuthorizationMessage
from rolegate.policy.compile import CompiledPolicy
from rolegate.policy.decision import EXPLICIT_DENY, Decision

PURPOSE_AUTHORIZATION_MESSAGE = "authorization-message"
# Unverified wording: AWS documents the error, not its text.
INVALID_MESSAGE = "Message is invalid."


class Sealer(Protocol):
    def seal(self, plaintext: bytes, *, purpose: str, aad: bytes = b"") -> bytes: ...

    def open(self, sealed: bytes, *, purpose: str, aad: bytes = b"") -> bytes: ...


class AuthorizationMessages:
    """Seals decision documents for one account and opens them again."""

    def __init__(self, sealer: Sealer) -> None:
        self._sealer = sealer

    def encode(self, account_id: str, document: Mapping[str, Any]) -> str:
        payload = zlib.compress(json.dumps(document, separators=(",", ":")).encode(), 6)
        sealed = self._sealer.seal(
            payload, purpose=PURPOSE_AUTHORIZATION_MESSAGE, aad=account_id.encode()
        )
        return base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=")

    def decode(self, account_id: str, message: str) -> dict[str, Any]:
        """The document, if ``message`` was sealed by a node of this deployment for a request of
        ``account_id``; InvalidAuthorizationMessageException otherwise."""
        try:
            padded = message.strip() + "=" * (-len(message.strip()) % 4)
            sealed = base64.urlsafe_b64decode(padded.encode("ascii"))
            payload = self._sealer.open(
                sealed, purpose=PURPOSE_AUTHORIZATION_MESSAGE, aad=account_id.encode()
            )
            document = json.loads(zlib.decompress(payload))
        except (KeyRingError, ValueError, UnicodeError, binascii.Error, zlib.error):
            raise InvalidAuthorizationMessage(INVALID_MESSAGE) from None
        if not isinstance(document, dict):
            raise InvalidAuthorizationMessage(INVALID_MESSAGE)
        return document


def _items(values: Any) -> dict[str, Any]:
    return {"items": [{"value": value} for value in values]}


def decision_document(
    caller: Caller,
    action: str,
    resource: str,
    decision: Decision,
    context: Mapping[str, str | list[str]],
    policies: Mapping[str, CompiledPolicy],
) -> dict[str, Any]:
    """AWS's decoded-message JSON for one decision.

    ``matchedStatements`` lists the statements that applied (for a denial: the denying ones, or
    none when nothing allowed); ``failures`` names the policy types that lacked an Allow.
    """
    explicit = decision.effect == EXPLICIT_DENY
    matched = [m for m in decision.matched if m.effect == "Deny"] if explicit else []
    if decision.allowed:
        matched = list(decision.matched)
    statements = []
    for m in matched:
        policy = policies.get(m.policy_id)
        document = policy.document if policy is not None else None
        statement = document.statements[m.index] if document is not None else None
        statements.append(
            {
                "statementId": m.sid or "",
                "effect": m.effect.upper(),
                "principals": _items([caller.user_id]),
                "principalGroups": {"items": []},
                "actions": _items(
                    (statement.action or statement.not_action or ()) if statement else ()
                ),
                "resources": _items(
                    (statement.resource or statement.not_resource or ()) if statement else ()
                ),
                "conditions": {
                    "items": [
                        {"key": c.key, "values": _items(c.values)}
                        for c in (statement.conditions if statement else ())
                    ]
                },
            }
        )
    return {
        "allowed": decision.allowed,
        "explicitDeny": explicit,
        "matchedStatements": {"items": statements},
        "failures": {"items": [{"policyType": t} for t in decision.missing_allow]},
        "context": {
            "principal": {
                "id": caller.user_id,
                "name": caller.user_name or caller.arn.rsplit("/", 1)[-1],
                "arn": caller.arn,
            },
            "action": action,
            "resource": resource,
            "conditions": {
                "items": [
                    {
                        "key": key,
                        "values": _items([value] if isinstance(value, str) else value),
                    }
                    for key, value in sorted(context.items())
                ]
            },
        },
    }
