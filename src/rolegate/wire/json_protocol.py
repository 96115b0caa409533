"""AWS's JSON 1.1 protocol (CloudTrail's), driven by the pinned botocore model.

A request is ``POST /`` with ``X-Amz-Target: <targetPrefix>.<Operation>`` and a JSON object body
(``Content-Type: application/x-amz-json-1.1``); the answer is the output shape as a JSON object,
an error ``{"__type": "<Code>", "message": "..."}`` with the error's status
(https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/CommonErrors.html,
https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html). Timestamps travel as epoch
seconds (numbers) both ways, the protocol's default.

Reading is one walk of the compiled input shape over the decoded JSON (``wire.shapes``): members
of the wrong JSON type are refused with ``SerializationException``, as AWS's JSON front end does,
and the model's constraints are checked with IAM's and STS's validation wording
(``wire.validation``), collected into one ``ValidationException``.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from botocore.model import ServiceModel

from rolegate.domain.errors import AwsError
from rolegate.wire.shapes import ShapeSpec, SpecCompiler
from rolegate.wire.validation import ViolationCollector, scalar_violations

_MODEL_FILES = {"cloudtrail": "cloudtrail-2013-11-01.json"}
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
# A JSON body is bounded like the Query form (wire.form): decoding is linear in its size.
MAX_JSON_BYTES = 1024 * 1024


# unverified: AWS's JSON front end's wording for a body that is not a JSON object
_NOT_AN_OBJECT = "Start of structure or map found where not expected."


class SerializationException(AwsError):
    """A body that is not JSON, or a member of the wrong JSON type."""

    code, status, sender_fault = "SerializationException", 400, True


class ValidationException(AwsError):
    code, status, sender_fault = "ValidationException", 400, True


class UnknownOperationException(AwsError):
    code, status, sender_fault = "UnknownOperationException", 400, True


@dataclass(frozen=True, slots=True)
class JsonRequest:
    operation: str
    params: dict[str, Any]


class JsonService:
    """Parses JSON requests and renders JSON answers for one service model."""

    def __init__(self, model: ServiceModel) -> None:
        self.model = model
        self.name: str = model.service_name
        self.target_prefix: str = model.metadata["targetPrefix"]
        self._compiler = SpecCompiler()
        self._operations = frozenset(model.operation_names)

    def operation_of(self, target: str | None) -> str:
        """The operation an ``X-Amz-Target`` names (``UnknownOperationException`` otherwise)."""
        prefix, _, operation = (target or "").rpartition(".")
        if prefix != self.target_prefix or operation not in self._operations:
            raise UnknownOperationException("")
        return operation

    def parse_request(self, operation: str, body: bytes) -> JsonRequest:
        if len(body) > MAX_JSON_BYTES:
            raise SerializationException("Request body too large")  # unverified
        try:
            document = json.loads(body.decode("utf-8")) if body.strip() else {}
        except (UnicodeDecodeError, ValueError, RecursionError):
            document = None
        if not isinstance(document, dict):
            raise SerializationException(_NOT_AN_OBJECT)
        shape = self.model.operation_model(operation).input_shape
        if shape is None:
            return JsonRequest(operation, {})
        violations = ViolationCollector(echo_strings=True)
        params = _read(self._compiler.compile(shape), document, "", violations)
        if violations.messages:
            message = "; ".join(violations.messages)
            count = len(violations.messages)
            noun = "error" if count == 1 else "errors"
            raise ValidationException(f"{count} validation {noun} detected: {message}")
        return JsonRequest(operation, params)

    def serialize_result(self, operation: str, result: Mapping[str, Any]) -> bytes:
        shape = self.model.operation_model(operation).output_shape
        body = _write(self._compiler.compile(shape), result) if shape is not None else {}
        return json.dumps(body, separators=(",", ":")).encode()

    @staticmethod
    def serialize_error(error: AwsError) -> bytes:
        body = {"__type": error.code, "message": error.message}
        return json.dumps(body, separators=(",", ":")).encode()


def _read(spec: ShapeSpec, value: Any, path: str, violations: ViolationCollector) -> Any:
    kind = spec.kind
    if kind == "structure":
        if not isinstance(value, dict):
            raise _wrong_type(path)
        out: dict[str, Any] = {}
        for member in spec.members:
            here = f"{path}.{member.path_name}" if path else member.path_name
            found = value.get(member.name)
            if found is None:
                if member.required:
                    violations.missing(here)
                continue
            out[member.name] = _read(member.shape, found, here, violations)
        return out
    if kind == "list":
        if not isinstance(value, list):
            raise _wrong_type(path)
        assert spec.item is not None
        items = [
            _read(spec.item, item, f"{path}.{index}.member", violations)
            for index, item in enumerate(value, start=1)
        ]
        _check(spec, items, path, violations)
        return items
    if kind == "timestamp":
        return _timestamp(value, path)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _wrong_type(path)
        return value
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong_type(path)
    elif kind == "string" and not isinstance(value, str):
        raise _wrong_type(path)
    _check(spec, value, path, violations)
    return value


def _check(spec: ShapeSpec, value: Any, path: str, violations: ViolationCollector) -> None:
    for constraint in scalar_violations(spec, value):
        violations.failed(path, value, spec, constraint)


def _timestamp(value: Any, path: str) -> datetime:
    """Epoch seconds (what SDKs send), or an ISO 8601 string (what some clients send)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise _wrong_type(path) from None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise _wrong_type(path) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise _wrong_type(path)


def _wrong_type(path: str) -> SerializationException:
    return SerializationException(f"Unexpected value type at '{path}'")  # unverified


def _write(spec: ShapeSpec, value: Any) -> Any:
    kind = spec.kind
    if kind == "structure":
        return {
            member.name: _write(member.shape, value[member.name])
            for member in spec.members
            if value.get(member.name) is not None
        }
    if kind == "list":
        assert spec.item is not None
        return [_write(spec.item, item) for item in value]
    if kind == "map":
        assert spec.value is not None
        return {key: _write(spec.value, item) for key, item in value.items()}
    if kind == "timestamp":
        return value.timestamp() if isinstance(value, datetime) else value
    return value


@functools.cache
def load_json_service(name: str) -> JsonService:
    """A JSON-protocol service from its pinned model, read once per process."""
    file_name = _MODEL_FILES.get(name)
    if file_name is None:
        raise ValueError(f"unknown service {name!r}; expected one of {sorted(_MODEL_FILES)}")
    models = resources.files("rolegate.wire").joinpath("models")
    data = json.loads(models.joinpath(file_name).read_text("utf-8"))
    return JsonService(ServiceModel(data, service_name=name))
