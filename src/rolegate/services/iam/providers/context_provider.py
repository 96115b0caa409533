"""An OpenID Connect provider's trusted identity propagation context provider
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_ContextProvider.html): how the subject
and its type are read from the provider's tokens and which token keys map to trusted context keys.
rolegate keeps it with the provider and answers it back (GetOpenIDConnectProvider); it has no IAM
Identity Center, so an instance ARN names none.

The model bounds the lengths and counts; the rest is checked here: key characters, and a subject
type given by value or by key, not both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from rolegate.domain.errors import InvalidInput, NoSuchEntity

# ASCII letters, digits, single inner spaces and _ . : / = + - @ # (API_ContextProvider).
_KEY = re.compile(r"[A-Za-z0-9_.:/=+\-@#]+(?: [A-Za-z0-9_.:/=+\-@#]+)*")
# unverified wordings
BAD_KEY = (
    "Invalid key {key}: a key can contain only ASCII letters, numbers, single spaces and "
    "_ . : / = + - @ #, and cannot start or end with a space."
)
BOTH_SUBJECT_TYPES = "Specify either SubjectTypeValue or SubjectTypeSourceKey, but not both."
NO_IDENTITY_CENTER = "IAM Identity Center instance {arn} cannot be found."


def context_provider_json(shape: Mapping[str, Any]) -> str:
    """The checked ``ContextProvider`` shape, as stored."""
    keys = [shape["SubjectSourceKey"]]
    if "SubjectTypeSourceKey" in shape:
        keys.append(shape["SubjectTypeSourceKey"])
    definitions = [dict(d) for d in shape.get("KeyDefinitionList") or ()]
    for definition in definitions:
        keys.extend(definition[k] for k in ("SourceKey", "TargetKey") if k in definition)
    for key in keys:
        if not _KEY.fullmatch(key):
            raise InvalidInput(BAD_KEY.format(key=key))
    if "SubjectTypeValue" in shape and "SubjectTypeSourceKey" in shape:
        raise InvalidInput(BOTH_SUBJECT_TYPES)
    stored: dict[str, Any] = {"SubjectSourceKey": shape["SubjectSourceKey"]}
    for member in ("SubjectTypeValue", "SubjectTypeSourceKey"):
        if member in shape:
            stored[member] = shape[member]
    stored["KeyDefinitionList"] = definitions
    return json.dumps(stored, separators=(",", ":"))


def context_provider_to_wire(stored: str) -> dict[str, Any]:
    shape: dict[str, Any] = json.loads(stored)
    return shape


def no_identity_center(arn: str) -> NoSuchEntity:
    return NoSuchEntity(NO_IDENTITY_CENTER.format(arn=arn))
