"""One AWS Query service (``iam`` or ``sts``) driven by its pinned botocore model.

``Action``/``Version`` handling (AWS's Query front end answers these before any validation):

* no ``Action``: ``MissingAction`` "Missing Action" (400);
* an unknown ``Action``, or a known one with a ``Version`` other than the model's:
  ``InvalidAction`` "Could not find operation <Action> for version <Version>" (400); a request
  without ``Version`` shows ``NO_VERSION_SPECIFIED`` in that place, as AWS's Coral front end does.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from botocore.model import OperationModel, ServiceModel

from rolegate.domain.errors import AwsError, InvalidAction, MissingAction
from rolegate.wire.request import RequestReader, build_form_tree
from rolegate.wire.shapes import ShapeSpec, SpecCompiler
from rolegate.wire.validation import ViolationCollector
from rolegate.wire.xml_out import Writer, XmlWriterCompiler, escape_text

_NO_VERSION = "NO_VERSION_SPECIFIED"
_PROTOCOL_KEYS = frozenset({"Action", "Version"})
_MODEL_FILES = {"iam": "iam-2010-05-08.json", "sts": "sts-2011-06-15.json"}
# rolegate's own operations, merged into a pinned model (their shapes may use the model's):
# AssumeRoleForWorkload (services/sts/workloads.py; docs/decisions.md, "Workload credentials").
_EXTENSION_FILES = {"sts": "sts-rolegate-workloads.json"}
#: services whose validation messages quote string values too ("Value 'x' at 'y'")
_ECHOING_SERVICES = frozenset({"sts"})


@dataclass(frozen=True, slots=True)
class ParsedRequest:
    operation: str
    params: dict[str, Any]


class _OperationPlan:
    """What parsing and rendering one operation needs, computed once."""

    __slots__ = ("input", "name", "response_close", "response_open", "result_close", "write_result")

    def __init__(
        self,
        model: OperationModel,
        compiler: SpecCompiler,
        xml_compiler: XmlWriterCompiler,
        namespace: str,
    ) -> None:
        self.name: str = model.name
        self.input: ShapeSpec | None = (
            compiler.compile(model.input_shape) if model.input_shape is not None else None
        )
        output_shape = model.output_shape
        response_open = f'<{model.name}Response xmlns="{namespace}">'
        self.write_result: Writer | None = None
        self.result_close = ""
        if output_shape is not None:
            self.write_result = xml_compiler.writer(compiler.compile(output_shape))
            wrapper = output_shape.serialization.get("resultWrapper", f"{model.name}Result")
            response_open += f"<{wrapper}>"
            self.result_close = f"</{wrapper}>"
        self.response_open = response_open
        self.response_close = f"</{model.name}Response>"


class WireService:
    """Parses Query requests and renders XML responses for one service model."""

    def __init__(self, model: ServiceModel, *, echo_strings_in_errors: bool = False) -> None:
        self.model = model
        self.name: str = model.service_name
        self.api_version: str = model.api_version
        self.xml_namespace: str = model.metadata.get(
            "xmlNamespace", f"https://{model.endpoint_prefix}.amazonaws.com/doc/{self.api_version}/"
        )
        self._echo_strings = echo_strings_in_errors
        self._compiler = SpecCompiler()
        self._xml_compiler = XmlWriterCompiler()
        self._operation_names = frozenset(model.operation_names)
        self._plans: dict[str, _OperationPlan] = {}

    def has_operation(self, action: str) -> bool:
        return action in self._operation_names

    def _plan(self, operation: str) -> _OperationPlan:
        plan = self._plans.get(operation)
        if plan is None:
            if operation not in self._operation_names:
                raise ValueError(f"{self.name} has no operation {operation!r}")
            plan = _OperationPlan(
                self.model.operation_model(operation),
                self._compiler,
                self._xml_compiler,
                self.xml_namespace,
            )
            self._plans[operation] = plan
        return plan

    def warm_up(self) -> None:
        """Compile every operation's plan now (otherwise each is compiled on first use)."""
        for operation in self._operation_names:
            self._plan(operation)

    # --- requests --------------------------------------------------------------------------
    def parse_request(self, form: Mapping[str, str]) -> ParsedRequest:
        """Nested, typed, validated params of a flat Query form (see ``wire.request``)."""
        action = form.get("Action")
        if not action:
            raise MissingAction("Missing Action")
        version = form.get("Version")
        if action not in self._operation_names or version != self.api_version:
            raise InvalidAction(
                f"Could not find operation {action} for version {version or _NO_VERSION}"
            )
        plan = self._plan(action)
        if plan.input is None:
            return ParsedRequest(action, {})
        violations = ViolationCollector(echo_strings=self._echo_strings)
        tree = build_form_tree(form, _PROTOCOL_KEYS)
        params = RequestReader(violations).read_structure(plan.input, tree, "", "")
        violations.raise_if_any()
        return ParsedRequest(action, params)

    # --- responses -------------------------------------------------------------------------
    def serialize_result(self, operation: str, result: Mapping[str, Any], request_id: str) -> bytes:
        plan = self._plan(operation)
        out = [plan.response_open]
        if plan.write_result is not None:
            plan.write_result(out, result)
        out.append(
            f"{plan.result_close}<ResponseMetadata><RequestId>{escape_text(request_id)}"
            f"</RequestId></ResponseMetadata>{plan.response_close}"
        )
        return "".join(out).encode("utf-8")

    def serialize_error(self, error: AwsError, request_id: str) -> bytes:
        return (
            f'<ErrorResponse xmlns="{self.xml_namespace}"><Error>'
            f"<Type>{error.fault_type}</Type>"
            f"<Code>{escape_text(error.code)}</Code>"
            f"<Message>{escape_text(error.message)}</Message>"
            f"</Error><RequestId>{escape_text(request_id)}</RequestId></ErrorResponse>"
        ).encode()


@functools.cache
def service_model(name: str) -> ServiceModel:
    """The botocore model of ``iam`` or ``sts``: the pinned file plus rolegate's own operations.
    Also what rolegate's clients (the agent) serialize requests and parse answers with."""
    file_name = _MODEL_FILES.get(name)
    if file_name is None:
        raise ValueError(f"unknown service {name!r}; expected one of {sorted(_MODEL_FILES)}")
    models = resources.files("rolegate.wire").joinpath("models")
    data = json.loads(models.joinpath(file_name).read_text("utf-8"))
    extension = _EXTENSION_FILES.get(name)
    if extension is not None:
        extra = json.loads(models.joinpath(extension).read_text("utf-8"))
        data["operations"].update(extra["operations"])
        data["shapes"].update(extra["shapes"])
    return ServiceModel(data, service_name=name)


@functools.cache
def load_service(name: str) -> WireService:
    """The ``iam`` or ``sts`` service from the pinned model (read and compiled once per process).

    Every operation's plan is compiled here, so that requests never pay for it and the service
    is not mutated afterwards (safe to share between worker threads).
    """
    service = WireService(service_model(name), echo_strings_in_errors=name in _ECHOING_SERVICES)
    service.warm_up()
    return service


def route_action(
    form_action: str | None, scope_service: str | None, *, version: str | None = None
) -> WireService:
    """The service a request on the shared port is for.

    The SigV4 credential scope's service (``iam``/``sts``) decides when present; otherwise the
    action does (the two models' operation sets are disjoint). ``version`` only shapes the
    ``InvalidAction`` message for an action neither service has.
    """
    if scope_service in _MODEL_FILES:
        if not form_action:
            raise MissingAction("Missing Action")
        return load_service(scope_service)
    if not form_action:
        raise MissingAction("Missing Action")
    for name in _MODEL_FILES:
        service = load_service(name)
        if service.has_operation(form_action):
            return service
    raise InvalidAction(
        f"Could not find operation {form_action} for version {version or _NO_VERSION}"
    )
