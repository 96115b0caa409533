"""Policy JSON text -> :class:`~rolegate.policy.ast.PolicyDocument`, with source positions.

Positions: Python's ``json`` module reports none and silently keeps the last of two equal
keys. So the text is decoded by the C ``json`` scanner (an ``object_pairs_hook`` catches
duplicate keys; numbers are kept *as written*: ``10`` -> ``"10"``, ``1.50`` -> ``"1.50"``), then
one regex pass over the valid text finds where each object and key starts (see
:class:`_JsonReader`): less work than a recursive-descent reader in Python, and the JSON grammar
itself (escapes, numbers, control characters) is the standard library's.

Decisions (AWS grammar, "Grammar of the IAM JSON policy language",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html):

* Anything that is not JSON, or JSON not shaped like the grammar (unknown element, wrong type,
  ``Action`` together with ``NotAction``, an ``Effect`` other than allow/deny in any case, an
  unknown condition operator with a non-empty body, ...) raises :class:`PolicyParseError` with
  AWS's message "Syntax errors in policy." (AWS reports these before any other problem).
* Duplicate keys: the grammar notes say "Individual elements must not contain multiple
  instances of the same key"; a document that has them is ambiguous, so we reject it as a
  syntax error.  # behaviour unverified against AWS
* Element names and condition operator names are case-sensitive; ``Effect`` is accepted here in
  any case and kept as written, the validator then rejects a wrong case the way AWS does
  ("The policy failed legacy parsing").
* ``"Principal": "*"`` is the only string form of a principal; any other string is a syntax
  error.  # behaviour unverified against AWS
"""

from __future__ import annotations

import bisect
import json
import re
from typing import NoReturn

from rolegate.policy import messages
from rolegate.policy.ast import ConditionClause, PolicyDocument, Position, PrincipalSet, Statement
from rolegate.policy.errors import PolicyParseError

VALID_VERSIONS = ("2008-10-17", "2012-10-17")

#: Base condition operators ("IAM JSON policy elements: Condition operators").
CONDITION_OPERATORS = frozenset(
    {
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddress",
        "ArnEquals",
        "ArnLike",
        "ArnNotEquals",
        "ArnNotLike",
        "Null",
    }
)
SET_OPERATOR_PREFIXES = ("ForAnyValue:", "ForAllValues:")
IF_EXISTS_SUFFIX = "IfExists"

_TOP_LEVEL_FIELDS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_FIELDS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)
_EXCLUSIVE_PAIRS = (("Action", "NotAction"), ("Resource", "NotResource"))
_EXCLUSIVE_PRINCIPALS = ("Principal", "NotPrincipal")
_PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")

# In valid JSON a string followed by ":" is a key; other strings and all scalars are skipped.
_STRUCTURE_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"(?P<key>[ \t\n\r]*:)?|[{}]', re.DOTALL)


def split_condition_operator(operator: str) -> tuple[str | None, str, bool] | None:
    """``"ForAnyValue:StringLikeIfExists"`` -> ``("ForAnyValue", "StringLike", True)``.

    Returns None when the base operator is unknown. One set prefix and one ``IfExists`` suffix
    are stripped, as AWS does (``ForAnyValue::StringEquals`` is unknown).
    """
    set_operator = None
    base = operator
    for prefix in SET_OPERATOR_PREFIXES:
        if base.startswith(prefix):
            set_operator = prefix[:-1]
            base = base[len(prefix) :]
            break
    if_exists = base.endswith(IF_EXISTS_SUFFIX) and base != IF_EXISTS_SUFFIX
    if if_exists:
        base = base[: -len(IF_EXISTS_SUFFIX)]
    if base not in CONDITION_OPERATORS:
        return None
    return set_operator, base, if_exists


class JsonNumber(str):
    """A JSON number kept as its source text (so ``1.50`` stays ``"1.50"``)."""

    __slots__ = ()


def parse_policy(text: str) -> PolicyDocument:
    """Parse a policy document; raise :class:`PolicyParseError` if it is not one."""
    if not isinstance(text, str):
        raise PolicyParseError(messages.SYNTAX_ERRORS, detail="policy text must be a string")
    reader = _JsonReader(text)
    try:
        root = reader.read_document()
    except _Malformed as exc:
        raise PolicyParseError(
            messages.SYNTAX_ERRORS,
            position=reader.position(exc.offset),
            detail=str(exc),
            not_json=exc.not_json,
        ) from None
    return _AstBuilder(reader).document(root)


class _Malformed(ValueError):
    """Not JSON (or a duplicate key) at ``offset``; becomes "Syntax errors in policy."."""

    def __init__(self, offset: int, detail: str, *, not_json: bool = False) -> None:
        super().__init__(detail)
        self.offset = offset
        self.not_json = not_json


class _JsonReader:
    """Strict JSON (RFC 8259) via the C ``json`` scanner, plus where every object and key starts.

    Two passes, both mostly in C: ``json.loads`` validates and decodes (an ``object_pairs_hook``
    sees every object, innermost first, and spots duplicate keys); then a regex walks the now
    known-valid text, matching only strings and braces, and lists each object's ``{`` offset and
    key offsets in the same innermost-first order, so the two line up one to one.
    """

    __slots__ = ("_line_starts", "container_ends", "container_offsets", "key_offsets", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.container_offsets: dict[int, int] = {}  # id(dict) -> offset of its "{"
        self.container_ends: dict[int, int] = {}  # id(dict) -> offset of its "}"
        self.key_offsets: dict[int, dict[str, int]] = {}  # id(dict) -> key -> offset of key
        self._line_starts: list[int] | None = None

    def position(self, offset: int) -> Position:
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_right(self._line_starts, offset)
        return Position(line=line, column=offset - self._line_starts[line - 1] + 1)

    def read_document(self) -> object:
        objects: list[tuple[dict[str, object], list[str]]] = []
        duplicates: list[tuple[int, int]] = []  # (object number, index of the repeated key)

        def collect(pairs: list[tuple[str, object]]) -> dict[str, object]:
            result = dict(pairs)
            keys = [key for key, _ in pairs]
            if len(result) != len(pairs):
                duplicates.append((len(objects), _first_repeat(keys)))
            objects.append((result, keys))
            return result

        try:
            root = json.loads(
                self.text,
                object_pairs_hook=collect,
                parse_int=JsonNumber,
                parse_float=JsonNumber,
                parse_constant=self._reject_constant,
            )
        except json.JSONDecodeError as exc:
            raise _Malformed(exc.pos, exc.msg, not_json=True) from None
        except RecursionError:
            raise _Malformed(0, "nested too deeply") from None
        layout = self._object_layout()
        for (result, keys), (start, key_offsets, end) in zip(objects, layout, strict=True):
            self.container_offsets[id(result)] = start
            self.container_ends[id(result)] = end
            self.key_offsets[id(result)] = dict(zip(keys, key_offsets, strict=True))
        if duplicates:
            number, index = duplicates[0]
            key = objects[number][1][index]
            raise _Malformed(layout[number][1][index], f"duplicate key {key!r}")
        return root

    def _object_layout(self) -> list[tuple[int, list[int], int]]:
        """(offset of "{", offsets of its keys, offset of "}") for every object, innermost
        first."""
        open_objects: list[tuple[int, list[int]]] = []
        closed: list[tuple[int, list[int], int]] = []
        text = self.text
        for token in _STRUCTURE_TOKEN.finditer(text):
            start = token.start()
            char = text[start]
            if char == '"':
                if token.lastgroup == "key":
                    open_objects[-1][1].append(start)
            elif char == "{":
                open_objects.append((start, []))
            else:
                closed.append((*open_objects.pop(), start))
        return closed

    def _reject_constant(self, name: str) -> object:
        raise _Malformed(max(self.text.find(name), 0), f"{name} is not JSON")


def _first_repeat(keys: list[str]) -> int:
    seen: set[str] = set()
    for index, key in enumerate(keys):
        if key in seen:
            return index
        seen.add(key)
    return 0


class _AstBuilder:
    """Checks the grammar's shapes and builds the AST from the reader's plain values."""

    __slots__ = ("_reader",)

    def __init__(self, reader: _JsonReader) -> None:
        self._reader = reader

    # --- positions and failures --------------------------------------------------------------
    def _container_position(self, container: object) -> Position:
        return self._reader.position(self._reader.container_offsets.get(id(container), 0))

    def _container_end(self, container: object) -> Position:
        return self._reader.position(self._reader.container_ends.get(id(container), 0))

    def _key_position(self, container: dict[str, object], key: str) -> Position:
        offsets = self._reader.key_offsets.get(id(container), {})
        offset = offsets.get(key, self._reader.container_offsets.get(id(container), 0))
        return self._reader.position(offset)

    def _fail(self, position: Position, detail: str) -> NoReturn:
        raise PolicyParseError(messages.SYNTAX_ERRORS, position=position, detail=detail)

    # --- document ----------------------------------------------------------------------------
    def document(self, root: object) -> PolicyDocument:
        if not isinstance(root, dict):
            self._fail(Position(1, 1), "a policy must be a JSON object")
        for key in root:
            if key not in _TOP_LEVEL_FIELDS:
                self._fail(self._key_position(root, key), f"unknown element {key!r}")
        version = root.get("Version")
        if version is not None and (type(version) is not str or version not in VALID_VERSIONS):
            self._fail(self._key_position(root, "Version"), f"unsupported Version {version!r}")
        if "Version" in root and version is None:
            self._fail(self._key_position(root, "Version"), "Version must be a string")
        policy_id = root.get("Id")
        if "Id" in root and type(policy_id) is not str:
            self._fail(self._key_position(root, "Id"), "Id must be a string")
        if "Statement" not in root:
            self._fail(Position(1, 1), "missing element 'Statement'")
        raw_statements = root["Statement"]
        if isinstance(raw_statements, dict):
            raw_statements = [raw_statements]
        if not isinstance(raw_statements, list) or not raw_statements:
            self._fail(
                self._key_position(root, "Statement"),
                "Statement must be an object or a non-empty list of objects",
            )
        statements = tuple(
            self._statement(raw, index, root) for index, raw in enumerate(raw_statements)
        )
        return PolicyDocument(
            version=version,
            id=policy_id,
            statements=statements,
            source=self._reader.text,
        )

    # --- statement ---------------------------------------------------------------------------
    def _statement(self, raw: object, index: int, root: dict[str, object]) -> Statement:
        if not isinstance(raw, dict):
            self._fail(self._key_position(root, "Statement"), "a statement is an object")
        position = self._container_position(raw)
        for key in raw:
            if key not in _STATEMENT_FIELDS:
                self._fail(self._key_position(raw, key), f"unknown element {key!r}")
        for first, second in (*_EXCLUSIVE_PAIRS, _EXCLUSIVE_PRINCIPALS):
            if first in raw and second in raw:
                self._fail(position, f"{first} and {second} cannot both be present")
        effect = raw.get("Effect")
        if type(effect) is not str or effect.lower() not in ("allow", "deny"):
            self._fail(self._key_position(raw, "Effect"), "Effect must be Allow or Deny")
        sid = raw.get("Sid")
        if "Sid" in raw and type(sid) is not str:
            self._fail(self._key_position(raw, "Sid"), "Sid must be a string")
        return Statement(
            index=index,
            sid=sid,
            effect=effect,
            principal=self._principal(raw, "Principal"),
            not_principal=self._principal(raw, "NotPrincipal"),
            action=self._strings(raw, "Action"),
            not_action=self._strings(raw, "NotAction"),
            resource=self._strings(raw, "Resource"),
            not_resource=self._strings(raw, "NotResource"),
            conditions=self._conditions(raw),
            position=position,
            end_position=self._container_end(raw),
        )

    def _strings(self, statement: dict[str, object], key: str) -> tuple[str, ...] | None:
        if key not in statement:
            return None
        value = statement[key]
        if type(value) is str:
            return (value,)
        if isinstance(value, list) and all(type(item) is str for item in value):
            return tuple(value)
        self._fail(self._key_position(statement, key), f"{key} must be a string or strings")

    def _principal(self, statement: dict[str, object], key: str) -> PrincipalSet | None:
        if key not in statement:
            return None
        value = statement[key]
        if value == "*" and type(value) is str:
            return PrincipalSet(wildcard=True)
        if not isinstance(value, dict):
            self._fail(self._key_position(statement, key), f'{key} must be "*" or an object')
        by_type: dict[str, tuple[str, ...]] = {}
        for principal_type, ids in value.items():
            if principal_type not in _PRINCIPAL_TYPES:
                self._fail(
                    self._key_position(value, principal_type),
                    f"unknown principal type {principal_type!r}",
                )
            if type(ids) is str:
                by_type[principal_type] = (ids,)
            elif isinstance(ids, list) and all(type(item) is str for item in ids):
                by_type[principal_type] = tuple(ids)
            else:
                self._fail(
                    self._key_position(value, principal_type),
                    f"{principal_type} principals must be a string or strings",
                )
        aws = by_type.get("AWS", ())
        return PrincipalSet(
            wildcard="*" in aws,
            aws=aws,
            service=by_type.get("Service", ()),
            federated=by_type.get("Federated", ()),
            canonical_user=by_type.get("CanonicalUser", ()),
        )

    def _conditions(self, statement: dict[str, object]) -> tuple[ConditionClause, ...]:
        if "Condition" not in statement:
            return ()
        block = statement["Condition"]
        if not isinstance(block, dict):
            self._fail(self._key_position(statement, "Condition"), "Condition must be an object")
        clauses: list[ConditionClause] = []
        for operator, body in block.items():
            if not isinstance(body, dict):
                self._fail(self._key_position(block, operator), f"{operator} must be an object")
            if body and split_condition_operator(operator) is None:
                self._fail(self._key_position(block, operator), f"unknown operator {operator!r}")
            for key, raw_values in body.items():
                clauses.append(
                    ConditionClause(
                        operator=operator,
                        key=key,
                        values=self._condition_values(body, key, raw_values),
                        position=self._key_position(body, key),
                    )
                )
        return tuple(clauses)

    def _condition_values(
        self, body: dict[str, object], key: str, raw_values: object
    ) -> tuple[str, ...]:
        items = raw_values if isinstance(raw_values, list) else [raw_values]
        values: list[str] = []
        for item in items:
            if isinstance(item, bool):
                values.append("true" if item else "false")
            elif isinstance(item, str):  # a JSON string, or a JsonNumber kept as written
                values.append(str(item))
            else:
                self._fail(
                    self._key_position(body, key),
                    "condition values are strings, numbers or booleans",
                )
        return tuple(values)
