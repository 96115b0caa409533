"""AWS Query XML responses, written by walking the output shape (no per-operation templates).

Layout (as botocore's ``QueryParser`` reads it and AWS writes it): members in model order, lists
as ``<Name><member>..</member></Name>``, maps as ``<Name><entry><key/><value/></entry></Name>``,
booleans ``true``/``false``, timestamps ISO-8601 in UTC to the second (``2024-01-02T03:04:05Z``,
as IAM and STS answer), blobs base64. Strings are written as given (XML-escaped): encodings such
as IAM's URL-encoded policy documents are the services' business. Members that are ``None`` or
absent are left out; keys that are not members of the shape are ignored.

Only what the pinned iam/sts output shapes use is written: a shape with anything else (flattened
lists or maps, another ``timestampFormat``, floating-point numbers) is refused with
:class:`NotInTheModels` when its writer is compiled, and ``tests/wire/test_model_coverage.py``
compiles every output shape of the models.

Each shape is compiled once into a writer (:class:`XmlWriterCompiler`), so rendering does no
per-value type dispatch; a structure's writer is generated Python code with its members unrolled
(tags as constants, strings escaped inline, lists of structures looped in place). The generated
writers buy part of a listing page's rendering time over a loop on member descriptors (figures:
docs/benchmarks.md, ``bench/account_listing.py``).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, datetime
from typing import Any

from rolegate.wire.shapes import ShapeSpec

#: appends the XML for one value (a container's content, without its own element) to ``out``
Writer = Callable[[list[str], Any], None]
#: renders one scalar value as escaped XML text
Renderer = Callable[[Any], str]


#: rendered structures kept per structure writer (``Memoized``); emptied when full
MEMO_ENTRIES = 4096


class Memoized:
    """A structure's value whose XML depends on ``key`` alone: each structure writer renders it
    from ``build()`` once per key and then appends the kept text (a listing page renders the
    same unchanged entities request after request: docs/benchmarks.md, ``bench/server.py``).
    Whoever makes one promises that equal keys build equal values."""

    __slots__ = ("build", "key")

    def __init__(self, key: Hashable, build: Callable[[], Mapping[str, Any]]) -> None:
        self.key, self.build = key, build


class NotInTheModels(ValueError):
    """A shape trait that no output shape of the pinned iam/sts models has."""


#: the element names a generated writer may embed in its code
_XML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
# Characters XML 1.0 has no place for, not even as a reference
# (https://www.w3.org/TR/xml/#charsets): an echoed value that holds one (a garbage Action, in
# InvalidAction's message) gets U+FFFD instead, so that every answer stays well-formed.
_NOT_XML = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
#: finds a character that XML text must escape (or replace)
_NEEDS_ESCAPE = re.compile(f"[&<>\r{_NOT_XML}]").search
_REPLACE_NOT_XML = re.compile(f"[{_NOT_XML}]").sub


def escape_text(text: str) -> str:
    if _NEEDS_ESCAPE(text):
        return _REPLACE_NOT_XML(
            "\ufffd",
            text.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace("\r", "&#xD;"),
        )
    return text


def format_timestamp(value: datetime) -> str:
    """``2024-01-02T03:04:05Z``; naive datetimes are taken to be UTC already."""
    if value.tzinfo is not None and value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # "YYYY-MM-DDTHH:MM:SS" then any fraction and offset, which the Z replaces
    return value.isoformat()[:19] + "Z"


def _as_text(value: Any) -> str:
    """A plain ``str``: a str subclass (a StrEnum) by its characters, anything else by str()."""
    return str.__str__(value) if isinstance(value, str) else str(value)


def _render_string(value: Any) -> str:
    return escape_text(value if value.__class__ is str else _as_text(value))


def _render_boolean(value: Any) -> str:
    return "true" if value else "false"


def _render_integer(value: Any) -> str:
    return str(int(value))


def _render_blob(value: Any) -> str:
    raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return base64.b64encode(raw).decode("ascii")


def _render_iso8601(value: Any) -> str:
    if isinstance(value, datetime):
        return format_timestamp(value)
    return escape_text(str(value))


def _tags(element: str) -> tuple[str, str]:
    """Opening and closing tags of ``element``, checked to be safe to write into code."""
    if not _XML_NAME.fullmatch(element):
        raise ValueError(f"not an XML element name: {element!r}")
    return f"<{element}>", f"</{element}>"


def _append_element(open_tag: str, text_expression: str) -> str:
    """Code appending one element whose text is ``text_expression`` (one f-string: a single
    allocation). The tags are safe in code: ``_tags`` checked them."""
    return f'append(f"{open_tag}{{{text_expression}}}</{open_tag[1:]}")'


def _item(spec: ShapeSpec) -> ShapeSpec:
    assert spec.item is not None
    return spec.item


_SCALAR_RENDERERS: dict[str, Renderer] = {
    "string": _render_string,
    "boolean": _render_boolean,
    "integer": _render_integer,
    "blob": _render_blob,
    "timestamp": _render_iso8601,
}


class XmlWriterCompiler:
    """Compiles shape specs into writers, memoised per spec (recursion-safe)."""

    def __init__(self) -> None:
        self._writers: dict[int, Writer] = {}

    def renderer(self, spec: ShapeSpec) -> Renderer | None:
        """The scalar renderer for ``spec``; None for containers."""
        if spec.timestamp_format not in (None, "iso8601"):
            raise NotInTheModels(f"{spec.name}: timestampFormat {spec.timestamp_format!r}")
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
        if spec.flattened:
            raise NotInTheModels(f"{spec.name}: a flattened {spec.kind}")
        if spec.kind == "structure":
            return self._structure_writer(spec)
        if spec.kind == "list":
            return self._repeat_writer(_item(spec), spec.item_name)
        if spec.kind == "map":
            return self._entries_writer(spec)
        render = self.renderer(spec)
        if render is None:
            raise NotInTheModels(f"{spec.name}: no XML rendering for shape type {spec.kind!r}")
        scalar = render

        def write_scalar(out: list[str], value: Any) -> None:
            out.append(scalar(value))

        return write_scalar

    def _structure_writer(self, spec: ShapeSpec) -> Writer:
        """Generates ``write_structure(out, value)``: per member, in model order, one
        ``value.get`` and, unless None, its element appended (see the module docstring)."""
        helpers: dict[str, Any] = {
            "_as_text": _as_text,
            "_escape": escape_text,
            "_needs_escape": _NEEDS_ESCAPE,
            "_Memoized": Memoized,
            "_memo": {},
            "_MEMO_ENTRIES": MEMO_ENTRIES,
        }
        body = [
            "    if value.__class__ is _Memoized:",
            "        xml = _memo.get(value.key)",
            "        if xml is None:",
            "            part = []",
            "            write_structure(part, value.build())",
            "            xml = ''.join(part)",
            "            if len(_memo) >= _MEMO_ENTRIES:",
            "                _memo.clear()",
            "            _memo[value.key] = xml",
            "        out.append(xml)",
            "        return",
            "    get = value.get",
            "    append = out.append",
        ]
        for index, member in enumerate(spec.members):
            member_spec = member.shape
            open_tag, close_tag = _tags(member.xml_name)
            body += [f"    v = get({member.name!r})", "    if v is not None:"]
            if member_spec.flattened:
                raise NotInTheModels(f"{spec.name}.{member.name}: a flattened {member_spec.kind}")
            if member_spec.kind == "string":
                body += [
                    "        if v.__class__ is not str:",
                    "            v = _as_text(v)",
                    "        " + _append_element(open_tag, "_escape(v) if _needs_escape(v) else v"),
                ]
            elif (render := self.renderer(member_spec)) is not None:
                helpers[f"render_{index}"] = render
                body.append("        " + _append_element(open_tag, f"render_{index}(v)"))
            elif member_spec.kind == "list" and self.renderer(_item(member_spec)) is None:
                # a list of structures, looped here: its many empty lists cost no call
                helpers[f"write_{index}"] = self.writer(_item(member_spec))
                item_open, item_close = _tags(member_spec.item_name)
                body += [
                    "        if not v:",
                    f"            append({open_tag + close_tag!r})",
                    "        else:",
                    f"            append({open_tag!r})",
                    "            for item in v:",
                    f"                append({item_open!r})",
                    f"                write_{index}(out, item)",
                    f"                append({item_close!r})",
                    f"            append({close_tag!r})",
                ]
            else:
                helpers[f"write_{index}"] = self.writer(member_spec)
                body += [
                    f"        append({open_tag!r})",
                    f"        write_{index}(out, v)",
                    f"        append({close_tag!r})",
                ]
        source = "\n".join(["def write_structure(out, value):", *body])
        exec(compile(source, f"<xml writer for {spec.name}>", "exec"), helpers)
        writer: Writer = helpers["write_structure"]
        return writer

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

    def _entries_writer(self, spec: ShapeSpec) -> Writer:
        assert spec.key is not None and spec.value is not None
        open_entry = f"<entry><{spec.key_name}>"
        middle = f"</{spec.key_name}><{spec.value_name}>"
        close_entry = f"</{spec.value_name}></entry>"
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
