"""Compiled shape specs: the botocore model read once into plain objects the hot paths walk.

Parsing, validation and XML rendering all need, per shape, the same few facts (wire names,
constraints, compiled patterns). Reading them out of ``botocore.model.Shape`` objects on every
request is slow (``metadata``/``serialization`` are properties building dicts), so each shape is
compiled once into a :class:`ShapeSpec`; recursive shapes resolve to the same spec object.
"""

from __future__ import annotations

from typing import Any

import regex
from botocore.model import ListShape, MapShape, Shape, StructureShape

from rolegate.wire.java_regex import compile_java_regex


class MemberSpec:
    """One member of a structure, with every name it goes by."""

    __slots__ = ("name", "path_name", "query_name", "required", "shape", "xml_name")

    def __init__(self, name: str, shape: ShapeSpec, *, query_name: str, required: bool) -> None:
        self.name = name
        #: the name in validation messages: lowerCamelCase of the member name ('roleName')
        self.path_name = name[:1].lower() + name[1:]
        #: the first key segment in the Query form (locationName when the model has one)
        self.query_name = query_name
        #: the element name in XML output (locationName when the model has one)
        self.xml_name = query_name
        self.required = required
        self.shape = shape


class ShapeSpec:
    """A shape's type, constraints and (for containers) its parts."""

    __slots__ = (
        "enum",
        "flattened",
        "item",
        "item_location_name",
        "item_name",
        "key",
        "key_name",
        "kind",
        "max",
        "members",
        "min",
        "name",
        "pattern",
        "regex",
        "sensitive",
        "timestamp_format",
        "value",
        "value_name",
    )

    def __init__(self, name: str, kind: str) -> None:
        self.name = name
        self.kind = kind
        self.min: int | float | None = None
        self.max: int | float | None = None
        self.pattern: str | None = None
        self.regex: regex.Pattern[str] | None = None
        self.enum: tuple[str, ...] = ()
        self.sensitive = False
        self.timestamp_format: str | None = None
        self.members: tuple[MemberSpec, ...] = ()
        self.flattened = False
        self.item: ShapeSpec | None = None
        self.item_name = "member"
        #: the item's own locationName, if the model gives one (flattened lists are named by it)
        self.item_location_name: str | None = None
        self.key: ShapeSpec | None = None
        self.key_name = "key"
        self.value: ShapeSpec | None = None
        self.value_name = "value"

    def __repr__(self) -> str:
        return f"ShapeSpec({self.name!r}, {self.kind!r})"


class SpecCompiler:
    """Compiles botocore shapes into specs, memoised (recursion-safe).

    The memo key is the shape name plus its serialization traits: a member reference can add
    ``flattened``/``locationName`` to a shared shape, which makes it a different wire shape.
    """

    def __init__(self) -> None:
        self._specs: dict[tuple[str, str], ShapeSpec] = {}

    def compile(self, shape: Shape) -> ShapeSpec:
        serialization: dict[str, Any] = shape.serialization
        memo_key = (shape.name, repr(sorted(serialization.items())))
        cached = self._specs.get(memo_key)
        if cached is not None:
            return cached
        spec = ShapeSpec(shape.name, shape.type_name)
        self._specs[memo_key] = spec
        metadata: dict[str, Any] = shape.metadata
        spec.min = metadata.get("min")
        spec.max = metadata.get("max")
        spec.sensitive = bool(metadata.get("sensitive", False))
        spec.enum = tuple(metadata.get("enum", ()))
        spec.timestamp_format = serialization.get("timestampFormat")
        pattern = metadata.get("pattern")
        if pattern is not None:
            spec.pattern = pattern
            spec.regex = compile_java_regex(pattern)
        if isinstance(shape, StructureShape):
            required = set(shape.required_members)
            members = []
            for member_name, member_shape in shape.members.items():
                query_name = member_shape.serialization.get("name", member_name)
                members.append(
                    MemberSpec(
                        member_name,
                        self.compile(member_shape),
                        query_name=query_name,
                        required=member_name in required,
                    )
                )
            spec.members = tuple(members)
        elif isinstance(shape, ListShape):
            spec.flattened = bool(serialization.get("flattened", False))
            spec.item = self.compile(shape.member)
            spec.item_location_name = shape.member.serialization.get("name")
            spec.item_name = spec.item_location_name or "member"
        elif isinstance(shape, MapShape):
            spec.flattened = bool(serialization.get("flattened", False))
            spec.key = self.compile(shape.key)
            spec.value = self.compile(shape.value)
            spec.key_name = shape.key.serialization.get("name", "key")
            spec.value_name = shape.value.serialization.get("name", "value")
        return spec
