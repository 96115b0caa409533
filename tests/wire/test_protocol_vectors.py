"""botocore's awsQuery protocol test vectors, run in reverse.

Input cases: the serialized form body botocore produces must parse back into the case's params.
Output cases: our XML for the case's result must be read back by botocore's own parser as that
result; error cases must give botocore the error code and message. The XML writer writes only
what the pinned iam/sts output shapes use (``wire.xml_out``): an output member with a trait no
IAM or STS output has (flattened lists and maps, epoch or HTTP-date timestamps, floating-point
numbers) is left out of the case, shape, result and expected XML alike, and the writer is
checked to refuse it.
The vectors (Apache-2.0, see LICENSE.txt/NOTICE beside them) are in tests/vectors.
"""

from __future__ import annotations

import base64
import copy
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape
from botocore.parsers import create_parser

from rolegate.domain.errors import AwsError
from rolegate.wire import WireService, decode_form
from rolegate.wire.xml_out import NotInTheModels

VECTORS = Path(__file__).parent.parent / "vectors" / "botocore-protocols"
FORM = "application/x-www-form-urlencoded"

SKIPPED = {
    # The client fills idempotency tokens in; the server just receives a string (covered below).
    "QueryProtocolIdempotencyTokenAutoFill": "token generated client-side",
    # IAM and STS answer timestamps to the second; rolegate renders whole seconds everywhere.
    "AwsQueryDateTimeWithFractionalSeconds": "whole-second timestamps by design",
    # rolegate's errors carry a code and a message only (all IAM/STS errors are of that form).
    "QueryComplexError": "structured error members are not rendered",
    # botocore sends nothing for an empty map, so there is nothing to read back.
    "QueryEmptyQueryMaps": "an empty map is not representable in a Query form",
}


Case = tuple[dict[str, Any], dict[str, Any]]


def read_cases(file_name: str) -> list[Case]:
    """(suite, case) pairs of one vector file."""
    suites = json.loads((VECTORS / file_name).read_text("utf-8"))
    return [(suite, case) for suite in suites for case in suite["cases"]]


def load_cases(file_name: str) -> list[Any]:
    return [pytest.param(suite, case, id=case["id"]) for suite, case in read_cases(file_name)]


def find_case(file_name: str, case_id: str) -> Case:
    return next((s, c) for s, c in read_cases(file_name) if c["id"] == case_id)


def service_for(suite: dict[str, Any], case: dict[str, Any]) -> WireService:
    metadata = {"endpointPrefix": "example", "xmlNamespace": "https://example.com/"}
    metadata.update(suite["metadata"])
    operation = dict(case["given"])
    if "output" in operation:
        # As botocore's protocol-test runner does: Query results are wrapped in <NameResult>.
        operation["output"] = {"resultWrapper": f"{operation['name']}Result", **operation["output"]}
    model = {
        "metadata": metadata,
        "shapes": suite["shapes"],
        "operations": {operation["name"]: operation},
    }
    return WireService(ServiceModel(model, service_name="example"))


def typed(shape: Shape | None, value: Any) -> Any:
    """A vector value (epoch numbers, blob strings, 'NaN') as the Python value it stands for."""
    if shape is None or value is None:
        return value
    if isinstance(shape, StructureShape):
        return {name: typed(shape.members[name], item) for name, item in value.items()}
    if isinstance(shape, ListShape):
        return [typed(shape.member, item) for item in value]
    if isinstance(shape, MapShape):
        return {key: typed(shape.value, item) for key, item in value.items()}
    if shape.type_name == "timestamp":
        return datetime.fromtimestamp(value, tz=UTC)
    if shape.type_name == "blob":
        return value.encode("utf-8") if isinstance(value, str) else value
    if shape.type_name in ("float", "double"):
        return float(value)
    return value


def comparable(value: Any) -> Any:
    """NaN never equals itself; compare it as a marker."""
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [comparable(item) for item in value]
    return value


@pytest.mark.parametrize(("suite", "case"), load_cases("input-query.json"))
def test_input_vectors_parse_back_to_params(suite: dict[str, Any], case: dict[str, Any]) -> None:
    if case["id"] in SKIPPED:
        pytest.skip(SKIPPED[case["id"]])
    serialized = case["serialized"]
    if "body" not in serialized:
        pytest.skip("no literal body in the vector (client-side compression case)")
    service = service_for(suite, case)
    form = decode_form(
        serialized["body"].encode("utf-8"),
        query_string="",
        content_type=FORM,
        content_encoding=None,
    )
    parsed = service.parse_request(form)
    input_shape = service.model.operation_model(case["given"]["name"]).input_shape
    assert comparable(parsed.params) == comparable(typed(input_shape, case["params"]))


def test_idempotency_token_is_received_as_a_string() -> None:
    suite, case = find_case("input-query.json", "QueryProtocolIdempotencyTokenAutoFill")
    form = decode_form(
        case["serialized"]["body"].encode(),
        query_string="",
        content_type=FORM,
        content_encoding=None,
    )
    parsed = service_for(suite, case).parse_request(form)
    assert parsed.params == {"token": "00000000-0000-4000-8000-000000000000"}


#: Output cases whose vector XML uses another (equivalent) spelling than rolegate writes.
XML_SPELLED_DIFFERENTLY = {
    "AwsQueryDateTimeWithNegativeOffset": "vector uses a -01:00 offset; rolegate writes Z",
    "AwsQueryDateTimeWithPositiveOffset": "vector uses a +01:00 offset; rolegate writes Z",
}
#: shape types no IAM or STS output has
_TYPES_OUTSIDE_THE_MODELS = frozenset({"float", "double", "long"})


def outside_the_models(shapes: dict[str, Any], reference: dict[str, Any]) -> bool:
    """Whether a member (``{"shape": name, ...}``) needs a trait no IAM or STS output has."""
    pending, seen = [reference], set()
    while pending:
        ref = pending.pop()
        shape = shapes[ref["shape"]]
        for traits in (ref, shape):
            if traits.get("flattened") or traits.get("timestampFormat", "iso8601") != "iso8601":
                return True
        if shape["type"] in _TYPES_OUTSIDE_THE_MODELS:
            return True
        if ref["shape"] in seen:
            continue
        seen.add(ref["shape"])
        if shape["type"] == "structure":
            pending.extend(shape["members"].values())
        elif shape["type"] == "list":
            pending.append(shape["member"])
        elif shape["type"] == "map":
            pending.extend((shape["key"], shape["value"]))
    return False


def within_the_models(suite: dict[str, Any], case: dict[str, Any]) -> tuple[Case, set[str]]:
    """The output case without its members outside the models, and their element names."""
    if "output" not in case["given"]:
        return (suite, case), set()
    suite, case = copy.deepcopy(suite), copy.deepcopy(case)
    shapes = suite["shapes"]
    output = shapes[case["given"]["output"]["shape"]]
    dropped = {
        name: member
        for name, member in output["members"].items()
        if outside_the_models(shapes, member)
    }
    had_values = bool(case.get("result"))
    for name in dropped:
        del output["members"][name]
        case.get("result", {}).pop(name, None)
    if not output["members"] or (had_values and not case["result"]):
        pytest.skip("every member it sets has a trait no IAM or STS output has")
    return (suite, case), {member.get("locationName", name) for name, member in dropped.items()}


def xml_tree(body: bytes | str) -> Any:
    """(tag, text, children) with namespaces and formatting whitespace dropped."""
    root = ElementTree.fromstring(body)

    def walk(element: ElementTree.Element) -> Any:
        tag = element.tag.rsplit("}", 1)[-1]
        text = element.text or ""
        if len(element) or not text.strip():
            text = text.strip()
        return (tag, text, [walk(child) for child in element])

    return walk(root)


@pytest.mark.parametrize(("suite", "case"), load_cases("output-query.json"))
def test_output_vectors_match_the_vector_xml(suite: dict[str, Any], case: dict[str, Any]) -> None:
    if case["id"] in SKIPPED or "error" in case:
        pytest.skip(SKIPPED.get(case["id"], "error cases are checked through botocore"))
    if case["id"] in XML_SPELLED_DIFFERENTLY:
        pytest.skip(XML_SPELLED_DIFFERENTLY[case["id"]])
    if not case["response"].get("body"):
        pytest.skip("the vector has no body to compare with")
    (suite, case), dropped = within_the_models(suite, case)
    service = service_for(suite, case)
    operation = service.model.operation_model(case["given"]["name"])
    result = typed(operation.output_shape, case["result"])
    body = service.serialize_result(operation.name, result, "req-id")
    ours = xml_tree(body)
    expected = xml_tree(case["response"]["body"])
    # The vectors leave ResponseMetadata out; compare everything else.
    ours = (ours[0], ours[1], [child for child in ours[2] if child[0] != "ResponseMetadata"])
    expected = (expected[0], expected[1], [_without(child, dropped) for child in expected[2]])
    assert ours == expected


def _without(result: Any, names: set[str]) -> Any:
    """A result element without the children named ``names``."""
    tag, text, children = result
    return (tag, text, [child for child in children if child[0] not in names])


@pytest.mark.parametrize(("suite", "case"), load_cases("output-query.json"))
def test_output_vectors_read_back_by_botocore(suite: dict[str, Any], case: dict[str, Any]) -> None:
    if case["id"] in SKIPPED:
        pytest.skip(SKIPPED[case["id"]])
    parser = create_parser("query")
    if "error" in case:
        service = service_for(suite, case)
        error = AwsError(case.get("errorMessage", ""))
        error.code = case["errorCode"]
        error.status = case["response"]["status_code"]
        error.sender_fault = True
        body = service.serialize_error(error, "foo-id")
        parsed = parser.parse({"body": body, "headers": {}, "status_code": error.status}, None)
        assert parsed["Error"]["Code"] == case["errorCode"]
        assert parsed["Error"]["Message"] == case.get("errorMessage", "")
        assert parsed["Error"]["Type"] == "Sender"
        return
    (suite, case), _ = within_the_models(suite, case)
    service = service_for(suite, case)
    operation = service.model.operation_model(case["given"]["name"])
    result = typed(operation.output_shape, case["result"])
    body = service.serialize_result(operation.name, result, "req-id")
    parsed = parser.parse({"body": body, "headers": {}, "status_code": 200}, operation.output_shape)
    parsed.pop("ResponseMetadata", None)
    assert comparable(parsed) == comparable(result)


@pytest.mark.parametrize(
    ("case_id", "result"),
    [
        ("QueryXmlTimestampsWithHttpDateFormat", {"httpDate": datetime(2014, 4, 29, tzinfo=UTC)}),
        ("QueryXmlTimestampsWithEpochSecondsFormat", {"epochSeconds": datetime.now(UTC)}),
        ("QueryQueryFlattenedXmlMap", {"myMap": {"foo": "Foo"}}),
        ("QueryXmlLists", {"flattenedList": ["a"]}),
        ("AwsQuerySupportsNaNFloatOutputs", {"floatValue": math.nan}),
        ("QuerySimpleScalarProperties", {"longValue": 4}),
    ],
)
def test_refused_traits(case_id: str, result: dict[str, Any]) -> None:
    """A trait no IAM or STS output has is refused when the writer is compiled, never written
    some other way (tests/wire/test_model_coverage.py: the pinned models have none)."""
    suite, case = find_case("output-query.json", case_id)
    with pytest.raises(NotInTheModels):
        service_for(suite, case).serialize_result(case["given"]["name"], result, "r")


def test_blob_output_is_base64() -> None:
    suite, case = find_case("output-query.json", "QueryXmlBlobs")
    body = service_for(suite, case).serialize_result("XmlBlobs", {"data": b"value"}, "r")
    assert f"<data>{base64.b64encode(b'value').decode()}</data>".encode() in body
