"""AWS Query XML responses, written by walking the output shape (no per-operation templates).

Layout (as botocore's ``QueryParser`` reads it and AWS writes it): members in model order, lists
as ``<Name><member>..</member></Name>``, maps as ``<Name><entry><key/><value/></entry></Name>``,
booleans ``true``/``false``, timestamps ISO-8601 in UTC to the second (``2024-01-02T03:04:05Z``,
as IAM and STS answer), blobs base64, floats with ``NaN``/``Infinity``. A flattened list repeats
the member's own element name (AWS's rule; botocore's parser looks for the item's locationName
instead; IAM and STS have no flattened lists). Strings are written as given (XML-escaped):
encodings such as IAM's URL-encoded policy documents are the services' business. Members that
are ``None`` or absent are left out; keys that are not members of the shape are ignored.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from rolegate.wire.shapes import ShapeSpec

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;"})


def escape_text(text: str) -> str:
    return text.translate(_ESCAPES)


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


def write_structure(out: list[str], spec: ShapeSpec, value: Mapping[str, Any]) -> None:
    for member in spec.members:
        member_value = value.get(member.name)
        if member_value is None:
            continue
        member_spec = member.shape
        name = member.xml_name
        if member_spec.flattened:
            if member_spec.kind == "list":
                _write_flat_list(out, member_spec, name, member_value)
            else:
                _write_flat_map(out, member_spec, name, member_value)
            continue
        out.append(f"<{name}>")
        write_value(out, member_spec, member_value)
        out.append(f"</{name}>")


def write_value(out: list[str], spec: ShapeSpec, value: Any) -> None:
    kind = spec.kind
    if kind == "string":
        out.append(escape_text(value))
    elif kind == "structure":
        write_structure(out, spec, value)
    elif kind == "list":
        item_spec = spec.item
        assert item_spec is not None
        open_tag, close_tag = f"<{spec.item_name}>", f"</{spec.item_name}>"
        for item in value:
            out.append(open_tag)
            write_value(out, item_spec, item)
            out.append(close_tag)
    elif kind == "map":
        for key, item in value.items():
            out.append("<entry>")
            _write_pair(out, spec, key, item)
            out.append("</entry>")
    else:
        out.append(render_scalar(spec, value))


def _write_flat_list(out: list[str], spec: ShapeSpec, name: str, value: Any) -> None:
    item_spec = spec.item
    assert item_spec is not None
    for item in value:
        out.append(f"<{name}>")
        write_value(out, item_spec, item)
        out.append(f"</{name}>")


def _write_flat_map(out: list[str], spec: ShapeSpec, name: str, value: Mapping[Any, Any]) -> None:
    for key, item in value.items():
        out.append(f"<{name}>")
        _write_pair(out, spec, key, item)
        out.append(f"</{name}>")


def _write_pair(out: list[str], spec: ShapeSpec, key: Any, item: Any) -> None:
    key_spec, value_spec = spec.key, spec.value
    assert key_spec is not None and value_spec is not None
    out.append(f"<{spec.key_name}>")
    write_value(out, key_spec, key)
    out.append(f"</{spec.key_name}><{spec.value_name}>")
    if item is not None:
        write_value(out, value_spec, item)
    out.append(f"</{spec.value_name}>")


def render_scalar(spec: ShapeSpec, value: Any) -> str:
    kind = spec.kind
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("integer", "long"):
        return str(int(value))
    if kind in ("float", "double"):
        number = float(value)
        if math.isfinite(number):
            return repr(number)
        return "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")
    if kind == "timestamp":
        if isinstance(value, datetime):
            return _format_timestamp_as(spec.timestamp_format, value)
        return escape_text(str(value))
    if kind == "blob":
        raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        return base64.b64encode(raw).decode("ascii")
    return escape_text(str(value))
