"""AWS Query XML responses, written by walking the output shape (no per-operation templates).

Layout (as botocore's ``QueryParser`` reads it and AWS writes it): members in model order, lists
as ``<Name><member>..</member></Name>``, maps as ``<Name><entry><key/><value/></entry></Name>``,
booleans ``true``/``false``, timestamps ISO-8601 in UTC to the second (``2024-01-02T03:04:05Z``,
as IAM and STS answer), blobs base64, floats with ``NaN``/``Infinity``. A flattened list repeats
the member's own element name (AWS's rule; botocore's parser looks for the item's locationName
instead; IAM and STS have no flattened lists). Strings are written as given (XML-escaped):
encodings such as IAM's URL-encoded policy documents are the services' business. Members that
are ``None`` or absent are left out; keys that are not members of the shape are ignored.

Speed: each shape is compiled once into a writer closure (:class:`XmlWriterCompiler`), so that
rendering a response is a loop over precomputed tags with no per-value type dispatch.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from rolegate.wire.shapes import ShapeSpec

#: appends the XML for one value (a container's content, without its own element) to ``out``
Writer = Callable[[list[str], Any], None]
#: renders one scalar value as escaped XML text
Renderer = Callable[[Any], str]


def escape_text(text: str) -> str:
    if "&" in text or "<" in text or ">" in text or "\r" in text:
        return (
            text.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace("\r", "&#xD;")
        )
    return text


def format_timestamp(value: datetime) -> str:
    """``2024-01-02T03:04:05Z``; naive datetimes are taken to be UTC already."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}Z"
    )


def _format_timestamp_as(timestamp_format: str | None, value: datetime) -> str:
    """The shape's ``timestampFormat`` (IAM/STS use none: ISO-8601)."""
    if timestamp_format is None or timestamp_format == "iso8601":
        return format_timestamp(value)
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if timestamp_format == "unixTimestamp":
        seconds = aware.timestamp()
        return str(int(seconds)) if seconds.is_integer() else f"{seconds:.3f}"
    if timestamp_format == "rfc822":
        return format_datetime(aware.astimezone(UTC), usegmt=True)
    raise ValueError(f"unknown timestampFormat {timestamp_format!r}")


def _render_string(value: Any) -> str:
    return escape_text(value if isinstance(value, str) else str(value))


def _render_boolean(value: Any) -> str:
    return "true" if value else "false"


def _render_integer(value: Any) -> str:
    return str(int(value))


def _render_float(value: Any) -> str:
    number = float(value)
    if math.isfinite(number):
        return repr(number)
    return "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")


def _render_blob(value: Any) -> str:
    raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return base64.b64encode(raw).decode("ascii")


def _timestamp_renderer(timestamp_format: str | None) -> Renderer:
    def render(value: Any) -> str:
        if isinstance(value, datetime):
            return _format_timestamp_as(timestamp_format, value)
        return escape_text(str(value))

    return render


_SCALAR_RENDERERS: dict[str, Renderer] = {
    "string": _render_string,
    "boolean": _render_boolean,
    "integer": _render_integer,
    "long": _render_integer,
    "float": _render_float,
    "double": _render_float,
    "blob": _render_blob,
}


class XmlWriterCompiler:
    """Compiles shape specs into writers, memoised per spec (recursion-safe)."""

    def __init__(self) -> None:
        self._writers: dict[int, Writer] = {}

    def renderer(self, spec: ShapeSpec) -> Renderer | None:
        """The scalar renderer for ``spec``; None for containers."""
        if spec.kind == "timestamp":
            return _timestamp_renderer(spec.timestamp_format)
        return _SCALAR_RENDERERS.get(spec.kind)

    def writer(self, spec: ShapeSpec) -> Writer:
        cached = self._writers.get(id(spec))
        if cached is not None:
            return cached
        # Recursive shapes reach themselves while being compiled: hand out a trampoline.
        cell: list[Writer] = []
        self._writers[id(spec)] = lambda out, value: cell[0](out, value)
        writer = self._compile(spec)
        cell.append(writer)
        self._writers[id(spec)] = writer
        return writer

    def _compile(self, spec: ShapeSpec) -> Writer:
        if spec.kind == "structure":
            return self._structure_writer(spec)
        if spec.kind == "list":
            assert spec.item is not None
            return self._repeat_writer(spec.item, spec.item_name)
        if spec.kind == "map":
            return self._entries_writer(spec, "entry")
        render = self.renderer(spec)
        if render is None:
            raise ValueError(f"no XML rendering for shape type {spec.kind!r}")
        scalar = render

        def write_scalar(out: list[str], value: Any) -> None:
            out.append(scalar(value))

        return write_scalar

    def _structure_writer(self, spec: ShapeSpec) -> Writer:
        fields: list[tuple[str, str, str, Renderer | None, Writer | None]] = []
        for member in spec.members:
            member_spec = member.shape
            name = member.xml_name
            if member_spec.flattened and member_spec.kind == "list":
                assert member_spec.item is not None
                fields.append(
                    (member.name, "", "", None, self._repeat_writer(member_spec.item, name))
                )
            elif member_spec.flattened and member_spec.kind == "map":
                fields.append((member.name, "", "", None, self._entries_writer(member_spec, name)))
            else:
                render = self.renderer(member_spec)
                nested = None if render is not None else self.writer(member_spec)
                fields.append((member.name, f"<{name}>", f"</{name}>", render, nested))

        def write_structure(out: list[str], value: Mapping[str, Any]) -> None:
            get = value.get
            append = out.append
            for member_name, open_tag, close_tag, render, nested in fields:
                member_value = get(member_name)
                if member_value is None:
                    continue
                if render is not None:
                    append(open_tag + render(member_value) + close_tag)
                else:
                    assert nested is not None
                    append(open_tag)
                    nested(out, member_value)
                    append(close_tag)

        return write_structure

    def _repeat_writer(self, item_spec: ShapeSpec, element: str) -> Writer:
        open_tag, close_tag = f"<{element}>", f"</{element}>"
        render = self.renderer(item_spec)
        if render is not None:
            scalar = render

            def write_scalars(out: list[str], value: Any) -> None:
                out.extend(open_tag + scalar(item) + close_tag for item in value)

            return write_scalars
        nested = self.writer(item_spec)

        def write_items(out: list[str], value: Any) -> None:
            for item in value:
                out.append(open_tag)
                nested(out, item)
                out.append(close_tag)

        return write_items

    def _entries_writer(self, spec: ShapeSpec, element: str) -> Writer:
        assert spec.key is not None and spec.value is not None
        open_entry = f"<{element}><{spec.key_name}>"
        middle = f"</{spec.key_name}><{spec.value_name}>"
        close_entry = f"</{spec.value_name}></{element}>"
        write_key = self.writer(spec.key)
        write_value = self.writer(spec.value)

        def write_entries(out: list[str], value: Mapping[Any, Any]) -> None:
            for key, item in value.items():
                out.append(open_entry)
                write_key(out, key)
                out.append(middle)
                if item is not None:
                    write_value(out, item)
                out.append(close_entry)

        return write_entries
