"""Hypothesis strategies for IAM and STS requests, generated from the pinned botocore models.

``requests()`` draws an operation of either service, then its input: a valid one (required
members always, optional ones at random, strings that fit the shape's length, enum and pattern,
numbers within range) serialised by botocore's own Query serializer, and then, for most
examples, one or more mutations of the form: a member's value replaced by a wrong type, a string
one character too long or empty, characters outside its pattern, bytes that are not UTF-8, a
required member dropped, an unknown member added, a list index broken, a garbage ``Action`` or
``Version``. What the server must do with each is the fuzz test's business (test_api_fuzz.py).
"""

from __future__ import annotations

import functools
import json
import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape
from botocore.serialize import create_serializer
from hypothesis import strategies as st

from rolegate.wire import load_service
from rolegate.wire.java_regex import compile_java_regex
from wire.shape_values import ValueGenerator

SERVICES = ("iam", "sts")
# characters a string may be drawn from: printable ASCII, the whitespace IAM's patterns allow,
# Latin-1 letters and others (outside most patterns)
POOL = "".join(chr(c) for c in range(0x20, 0x7F)) + "\t\n\réüß日本\u2028\U0001f600"
MAX_DRAWN_LENGTH = 40  # longer valid strings add bytes, not paths through the server
POLICIES = [
    json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
        }
    ),
    json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"sts:ExternalId": "x"}},
                }
            ],
        }
    ),
    '{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":"iam:*","Resource":"*"}}',
    "{",
    '{"Version":"2008-10-17","Statement":[]}',
]
GARBAGE = st.sampled_from(
    ["", " ", "null", "-1", "1e309", "NaN", "true", "[]", "{}", "\x00", "%", "a" * 3000, "ü"]
)


@dataclass(frozen=True)
class Request:
    """One request: the credential scope's service and the form's ordered pairs."""

    service: str
    operation: str
    pairs: tuple[tuple[str, str], ...]
    raw_suffix: bytes = b""  # appended to the encoded body as is (bytes that are not UTF-8)

    def body(self) -> bytes:
        encoded = urllib.parse.urlencode(self.pairs).encode()
        return encoded + self.raw_suffix


@functools.cache
def operations() -> list[tuple[str, str]]:
    return [
        (name, operation)
        for name in SERVICES
        for operation in sorted(load_service(name).model.operation_names)
    ]


@functools.cache
def _repeatable_characters(pattern: str) -> str:
    """The pool's characters ``pattern`` accepts repeated (a character class with + or *)."""
    compiled = compile_java_regex(pattern)
    return "".join(c for c in POOL if compiled.fullmatch(c * 3) is not None)


def known_good(shape: Shape) -> st.SearchStrategy[Any]:
    """Values of ``ValueGenerator`` (tests/wire/shape_values.py): fixed formats (ARNs, URLs)."""
    return st.integers(0, 7).map(lambda variant: ValueGenerator(variant=variant).value(shape))


def valid(shape: Shape, depth: int = 0) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    meta = shape.metadata
    if isinstance(shape, StructureShape):
        if depth > 3:
            return known_good(shape)
        required = {name: valid(shape.members[name], depth + 1) for name in shape.required_members}
        optional = {
            name: valid(member, depth + 1)
            for name, member in shape.members.items()
            if name not in required
        }
        return st.fixed_dictionaries(required, optional=optional)
    if isinstance(shape, ListShape):
        low = int(meta.get("min", 0))
        high = min(int(meta.get("max", 3)), max(low, 3))
        return st.lists(valid(shape.member, depth + 1), min_size=low, max_size=high)
    if isinstance(shape, MapShape):
        return st.dictionaries(
            valid(shape.key, depth + 1), valid(shape.value, depth + 1), max_size=2
        )
    if kind == "string":
        return _string(shape)
    if kind in ("integer", "long"):
        return st.integers(int(meta.get("min", -(2**31))), int(meta.get("max", 2**31 - 1)))
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1))
    if kind in ("float", "double"):
        return st.floats(allow_nan=False, allow_infinity=False)
    return known_good(shape)  # blob


def _string(shape: Shape) -> st.SearchStrategy[str]:
    meta = shape.metadata
    if meta.get("enum"):
        return st.sampled_from([str(value) for value in meta["enum"]])
    if "Policy" in shape.name or "policyDocument" in shape.name:
        return st.sampled_from(POLICIES) | known_good(shape)
    low = int(meta.get("min", 0))
    high = min(int(meta.get("max", MAX_DRAWN_LENGTH)), max(low, MAX_DRAWN_LENGTH))
    pattern = meta.get("pattern")
    alphabet = POOL if pattern is None else _repeatable_characters(pattern)
    if not alphabet:
        return known_good(shape)
    drawn = st.text(alphabet=alphabet, min_size=low, max_size=high)
    if pattern is not None:
        compiled = compile_java_regex(pattern)
        drawn = drawn.filter(lambda text: compiled.fullmatch(text) is not None)
        return drawn | known_good(shape)
    return drawn


def serialize(service: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """The form botocore's Query serializer makes of ``params`` (Action and Version first)."""
    model = load_service(service).model.operation_model(operation)
    body = create_serializer("query", include_validation=False).serialize_to_request(params, model)[
        "body"
    ]
    pairs = list(body.items()) if isinstance(body, dict) else urllib.parse.parse_qsl(body)
    return [(str(key), str(value)) for key, value in pairs]


def _too_long(shape: Shape | None) -> str:
    high = int(shape.metadata.get("max", 64)) if shape is not None else 64
    return "a" * min(high + 1, 140_000)


@st.composite
def mutated(draw: st.DrawFn, request: Request, input_shape: StructureShape | None) -> Request:
    pairs = list(request.pairs)
    suffix = b""
    members = dict(input_shape.members) if input_shape is not None else {}
    for _ in range(draw(st.integers(1, 3))):
        choice = draw(st.integers(0, 11))
        params = [i for i, (key, _) in enumerate(pairs) if key not in ("Action", "Version")]
        if choice == 0 and params:  # drop a member (perhaps a required one)
            del pairs[draw(st.sampled_from(params))]
        elif choice == 1 and params:  # a value of the wrong type, or empty, or huge
            index = draw(st.sampled_from(params))
            pairs[index] = (pairs[index][0], draw(GARBAGE))
        elif choice == 2 and params:  # one character over the maximum length
            index = draw(st.sampled_from(params))
            top = pairs[index][0].split(".")[0]
            pairs[index] = (pairs[index][0], _too_long(members.get(top)))
        elif choice == 3 and params:  # characters outside any pattern
            index = draw(st.sampled_from(params))
            pairs[index] = (pairs[index][0], draw(st.text(min_size=1, max_size=12)))
        elif choice == 4:  # an unknown member, at the top or inside a structure
            name = draw(st.sampled_from(["Bogus", "Tags.member.1.Bogus", "a..b", ".", "X.member"]))
            pairs.append((name, draw(st.text(max_size=8))))
        elif choice == 5 and params:  # a broken list index
            index = draw(st.sampled_from(params))
            key = pairs[index][0]
            broken = draw(st.sampled_from(["0", "-1", "x", "", "99999999999999999999", "01"]))
            parts = key.split(".")
            parts[-1 if len(parts) > 1 else 0] = broken
            pairs[index] = (".".join(parts), pairs[index][1])
        elif choice == 6:  # a garbage Action
            pairs = [(k, v) for k, v in pairs if k != "Action"]
            pairs.append(("Action", draw(st.text(max_size=30) | GARBAGE)))
        elif choice == 7:  # a garbage Version, or none
            pairs = [(k, v) for k, v in pairs if k != "Version"]
            if draw(st.booleans()):
                pairs.append(("Version", draw(st.text(max_size=12) | GARBAGE)))
        elif choice == 8 and params:  # the same member twice
            index = draw(st.sampled_from(params))
            pairs.append((pairs[index][0], draw(st.text(max_size=10))))
        elif choice == 9:  # bytes that are not UTF-8, or a broken percent-escape
            suffix = draw(
                st.sampled_from([b"&A=%FF%FE", b"&%C3=1", b"&B=%", b"&=x", b"&&", b"&%E2%82"])
            )
        elif choice == 10 and params:  # a scalar where a list or structure is expected
            index = draw(st.sampled_from(params))
            top = pairs[index][0].split(".")[0]
            pairs[index] = (top, pairs[index][1])
        elif choice == 11:  # a member of another operation
            other_service, other = draw(st.sampled_from(operations()))
            shape = load_service(other_service).model.operation_model(other).input_shape
            if shape is not None and shape.members:
                name = draw(st.sampled_from(sorted(shape.members)))
                pairs.append((name, draw(st.text(max_size=10))))
    return Request(request.service, request.operation, tuple(pairs), suffix)


@functools.cache
def input_strategy(service: str, operation: str) -> st.SearchStrategy[dict[str, Any]]:
    """The valid inputs of one operation (built once: hypothesis checks each new strategy)."""
    shape = load_service(service).model.operation_model(operation).input_shape
    return valid(shape) if shape is not None else st.just({})


@st.composite
def requests(draw: st.DrawFn, invalid_share: float = 0.7) -> Request:
    service, operation = draw(st.sampled_from(operations()))
    shape = load_service(service).model.operation_model(operation).input_shape
    params = draw(input_strategy(service, operation))
    request = Request(service, operation, tuple(serialize(service, operation, params)))
    if draw(st.floats(0, 1)) < invalid_share:
        return draw(mutated(request, shape))
    return request
