"""Condition clauses compiled to typed tests ("IAM JSON policy elements: Condition operators").

A clause ``Operator: {key: [v1, v2]}`` holds when (docs/policy-evaluation.md 4.4-4.6):

* plain operator, key present: the request value matches *any* policy value (OR); a negated
  operator (``StringNotEquals``, ``NotIpAddress``...) holds when it matches *none* (NOR); an
  empty string is a present value like any other (``StringLike ""`` matches it: the S3 home-folder
  example's ``"s3:prefix": ["", "home/"]``);
* plain operator, key missing (or an empty set): positive -> false, negated -> true;
  ``...IfExists`` -> true;
* plain operator on a multivalued key (2+ values): never holds ([undocumented]; iam-simulate);
* ``ForAllValues:``: every request value passes (missing key, empty set or empty string, "a null
  data set, such as an empty string" -> true);
* ``ForAnyValue:``: some request value passes (missing key, empty set or empty string -> false, or
  true with ``IfExists``);
* ``Null``: ``"true"`` holds when the key is absent or null (an empty string: "the value in the
  request context is null"), ``"false"`` when it has a value.

Policy values are parsed once here (numbers, dates, CIDRs, base-64); variables are substituted
per request for the String, ARN and Bool families (the only ones that accept them).
"""

from __future__ import annotations

import operator as op
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from rolegate.domain.errors import MalformedPolicyDocument
from rolegate.policy.ast import ConditionClause
from rolegate.policy.messages import invalid_condition_operator
from rolegate.policy.typed_values import (
    cidr_bits,
    read_binary,
    read_bool,
    read_date,
    read_ip,
    read_network,
    read_number,
)
from rolegate.policy.variables import (
    Context,
    RegexTemplate,
    has_variables,
    parse_template,
    renderer,
)
from rolegate.policy.wildcard import MatcherCache, compile_glob

# Per decision: typed readings of request values, by (reader, text) for the values of a
# multivalued key and by (key, reader, None) for a key's single value, so that a source IP or a
# date is parsed once however many conditions test it. Evaluation also keeps its condition
# results in the same dict (keyed by the conditions themselves).
Memo = dict[Any, Any]
ValueTest = Callable[[str, Context, "Memo | None"], bool]  # does one value match any policy value?
Reader = Callable[[str], Any]  # request text -> typed reading (None: not of the type)
TypedTest = Callable[[Any], bool]  # does a typed reading match any policy value?
_UNREAD = object()


class Holds(Protocol):
    """Does a condition hold for ``context`` (lower-cased key names)?"""

    def __call__(self, context: Context, memo: Memo | None = None, /) -> bool: ...


PLAIN, FOR_ALL, FOR_ANY = "plain", "all", "any"

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": op.eq,
    "lt": op.lt,
    "le": op.le,
    "gt": op.gt,
    "ge": op.ge,
}

# base operator (names are case-sensitive, as AWS's) -> (family, comparison, negated)
OPERATORS: dict[str, tuple[str, str, bool]] = {
    "StringEquals": ("string", "eq", False),
    "StringNotEquals": ("string", "eq", True),
    "StringEqualsIgnoreCase": ("string_ignore_case", "eq", False),
    "StringNotEqualsIgnoreCase": ("string_ignore_case", "eq", True),
    "StringLike": ("string_like", "eq", False),
    "StringNotLike": ("string_like", "eq", True),
    "NumericEquals": ("numeric", "eq", False),
    "NumericNotEquals": ("numeric", "eq", True),
    "NumericLessThan": ("numeric", "lt", False),
    "NumericLessThanEquals": ("numeric", "le", False),
    "NumericGreaterThan": ("numeric", "gt", False),
    "NumericGreaterThanEquals": ("numeric", "ge", False),
    "DateEquals": ("date", "eq", False),
    "DateNotEquals": ("date", "eq", True),
    "DateLessThan": ("date", "lt", False),
    "DateLessThanEquals": ("date", "le", False),
    "DateGreaterThan": ("date", "gt", False),
    "DateGreaterThanEquals": ("date", "ge", False),
    "Bool": ("bool", "eq", False),
    "BinaryEquals": ("binary", "eq", False),
    "IpAddress": ("ip", "eq", False),
    "NotIpAddress": ("ip", "eq", True),
    "ArnEquals": ("arn", "eq", False),
    "ArnLike": ("arn", "eq", False),
    "ArnNotEquals": ("arn", "eq", True),
    "ArnNotLike": ("arn", "eq", True),
    "Null": ("null", "eq", False),
}
_COST = {"null": 0, "string": 0, "string_ignore_case": 0, "bool": 0, "date": 2, "ip": 2}
_VARIABLE_FAMILIES = {"string", "string_ignore_case", "string_like", "arn", "bool"}


class UnsupportedConditionOperator(MalformedPolicyDocument):
    """The compiler never ignores an operator it does not know (docs/policy-evaluation.md 6.3)."""


def split_operator(name: str) -> tuple[str, str, bool]:
    """``ForAnyValue:StringLikeIfExists`` -> (``any``, ``StringLike``, if_exists=True)."""
    mode, base = PLAIN, name
    if base.startswith("ForAllValues:"):
        mode, base = FOR_ALL, base[len("ForAllValues:") :]
    elif base.startswith("ForAnyValue:"):
        mode, base = FOR_ANY, base[len("ForAnyValue:") :]
    if_exists = base.endswith("IfExists") and base != "IfExists"
    if if_exists:
        base = base[: -len("IfExists")]
    if base not in OPERATORS or (if_exists and base == "Null"):
        raise UnsupportedConditionOperator(invalid_condition_operator(name))
    return mode, base, if_exists


class CompiledCondition:
    """One compiled ``operator/key/values`` clause; ``holds(context, memo=None)`` answers it.

    ``equals`` is the fast path of the commonest clause, decided at compile time: a plain (no
    set operator) String/StringIgnoreCase/Bool equality against literal values, answered by one
    set lookup (``fold``: lower-case the request value first). The typed families (numbers,
    dates, IPs, binary) have a ``reader`` and a ``typed`` test: a key's single value is read
    once per decision, whichever of its conditions asks first. ``holds`` is a closure made for
    the clause's shape (:func:`_specialize`) that falls back to :meth:`holds_any`.
    """

    holds: Holds

    __slots__ = (
        "cost",
        "empty_is_null",
        "equals",
        "fold",
        "holds",
        "if_exists",
        "key",
        "mode",
        "negated",
        "null_wanted",
        "reader",
        "reading_key",
        "test",
        "typed",
        "when_null",
    )

    def __init__(self, clause: ConditionClause, *, variables: bool, cache: MatcherCache) -> None:
        self.mode, base, self.if_exists = split_operator(clause.operator)
        family, comparison, self.negated = OPERATORS[base]
        self.cost = _COST.get(family, 1)  # cheap tests run first (conditions are ANDed)
        self.key = clause.key.lower()
        self.null_wanted: tuple[bool, ...] | None = None
        self.equals: frozenset[str] | None = None
        self.fold = family in ("string_ignore_case", "bool")
        self.reader: Reader | None = None
        self.typed: TypedTest = _never_typed
        self.reading_key: tuple[str, Reader | None, None] = (self.key, None, None)
        # An empty string is a value for plain operators, a null data set for the others.
        self.empty_is_null = self.mode != PLAIN or family == "null"
        if family == "null":
            readings = (read_bool(value) for value in clause.values)
            self.null_wanted = tuple(reading == "true" for reading in readings if reading)
            self.when_null = True in self.null_wanted
            self.test: ValueTest = _never
            self.holds = self.holds_any
            return
        # Missing key or empty set (and an empty string under a set operator): a null data set,
        # whose answer is fixed.
        if self.mode == PLAIN:
            self.when_null = self.if_exists or self.negated
        else:
            self.when_null = self.mode == FOR_ALL or self.if_exists
        typed = _build_typed_test(family, _COMPARE[comparison], clause.values)
        if typed is not None:
            self.reader, self.typed = typed
            self.test = _reading_test(self.reader, self.typed)
        else:
            self.test = _build_test(
                family,
                clause.values,
                variables=variables and family in _VARIABLE_FAMILIES,
                cache=cache,
            )
        self.reading_key = (self.key, self.reader, None)  # (not a (reader, text) memo key)
        if self.mode == PLAIN and family in _EQUALITY_FAMILIES:
            self.equals = _literal_values(family, clause.values, variables=variables)
        self.holds = _specialize(self)

    def holds_any(self, context: Context, memo: Memo | None = None) -> bool:
        """Does the clause hold for ``context`` (lower-cased key names)? Every shape."""
        raw = context.get(self.key)
        equals = self.equals
        if equals is not None and raw.__class__ is str and raw:  # the fast path (see class)
            return ((raw.lower() if self.fold else raw) in equals) is not self.negated
        if raw is None or (len(raw) == 0 and (self.empty_is_null or raw.__class__ is not str)):
            return self.when_null  # missing key, empty set (or empty string): a null data set
        if self.null_wanted is not None:
            return False in self.null_wanted
        if isinstance(raw, str):  # one value; under a set operator, a one-element set
            reader = self.reader
            if reader is None:
                return self.test(raw, context, memo) is not self.negated
            if memo is None:
                return self.typed(reader(raw)) is not self.negated
            reading = memo.get(self.reading_key, _UNREAD)
            if reading is _UNREAD:
                reading = memo[self.reading_key] = reader(raw)
            return self.typed(reading) is not self.negated
        if self.mode == PLAIN:
            if len(raw) > 1:
                return False
            return self.test(raw[0], context, memo) is not self.negated
        test, negated = self.test, self.negated
        if self.mode == FOR_ALL:
            return all(test(value, context, memo) is not negated for value in raw)
        return any(test(value, context, memo) is not negated for value in raw)


_EQUALITY_FAMILIES = ("string", "string_ignore_case", "bool")


def _specialize(condition: CompiledCondition) -> Holds:
    """``condition.holds`` with the common cases inlined, without attribute lookups: a missing
    key, and a single string value (literal equality, a typed reading, any other test); sets
    and empty values go to ``holds_any``."""
    key, negated, fallback = condition.key, condition.negated, condition.holds_any
    equals, reader, typed, test = (
        condition.equals,
        condition.reader,
        condition.typed,
        condition.test,
    )
    when_null = condition.when_null
    if condition.null_wanted is not None:
        return fallback
    if equals is not None and not condition.fold:

        def holds_equal(context: Context, memo: Memo | None = None) -> bool:
            raw = context.get(key)
            if raw.__class__ is str and raw:
                return (raw in equals) is not negated
            return when_null if raw is None else fallback(context, memo)

        return holds_equal
    if equals is not None:

        def holds_equal_folded(context: Context, memo: Memo | None = None) -> bool:
            raw = context.get(key)
            if raw.__class__ is str and raw:
                return (raw.lower() in equals) is not negated
            return when_null if raw is None else fallback(context, memo)

        return holds_equal_folded
    if reader is not None:
        reading_key = condition.reading_key

        def holds_typed(context: Context, memo: Memo | None = None) -> bool:
            raw = context.get(key)
            if raw.__class__ is not str or not raw or memo is None:
                return when_null if raw is None else fallback(context, memo)
            reading = memo.get(reading_key, _UNREAD)
            if reading is _UNREAD:
                reading = memo[reading_key] = reader(raw)
            return typed(reading) is not negated

        return holds_typed

    def holds_text(context: Context, memo: Memo | None = None) -> bool:
        raw = context.get(key)
        if raw.__class__ is str and raw:
            return test(raw, context, memo) is not negated
        return when_null if raw is None else fallback(context, memo)

    return holds_text


def _literal_values(
    family: str, values: Sequence[str], *, variables: bool
) -> frozenset[str] | None:
    """The normalized policy values of an equality clause, or None when one holds a variable."""
    templates = [parse_template(value, variables_enabled=variables) for value in values]
    if any(has_variables(template) for template in templates):
        return None
    normalize = _normalizer(family)
    texts = ("".join(p[0] for p in t if isinstance(p, tuple)) for t in templates)
    return frozenset(n for n in map(normalize, texts) if n is not None)


def _read(read: Reader, value: str, memo: Memo | None) -> Any:
    """``read(value)``, once per decision."""
    if memo is None:
        return read(value)
    key = (read, value)
    found = memo.get(key, _UNREAD)
    if found is _UNREAD:
        found = memo[key] = read(value)
    return found


def _never(_value: str, _context: Context, _memo: Memo | None) -> bool:
    return False


def _never_typed(_reading: Any) -> bool:
    return False


def _reading_test(reader: Reader, typed: TypedTest) -> ValueTest:
    """A typed test on raw text (the values of a multivalued key), each read once per decision."""

    def reading_test(value: str, _context: Context, memo: Memo | None) -> bool:
        return typed(_read(reader, value, memo))

    return reading_test


def _build_typed_test(
    family: str, compare: Callable[[Any, Any], bool], values: Sequence[str]
) -> tuple[Reader, TypedTest] | None:
    """(reader, test of a reading) for the typed families; ``None`` for the string families."""
    if family == "numeric":
        return read_number, _ordered_test(read_number, values, compare)
    if family == "date":
        return read_date, _ordered_test(read_date, values, compare)
    if family == "ip":
        return read_ip, _ip_test(values)
    if family == "binary":
        blobs = frozenset(read_binary(value) for value in values)
        return read_binary, blobs.__contains__
    return None


def _build_test(
    family: str, values: Sequence[str], *, variables: bool, cache: MatcherCache
) -> ValueTest:
    if family in ("string", "string_ignore_case", "bool"):
        return _equality_test(family, values, variables=variables)
    return _glob_test(values, arn=family == "arn", variables=variables, cache=cache)


def _ip_test(values: Sequence[str]) -> TypedTest:
    bits = [cidr_bits(n) for n in map(read_network, values) if n is not None]
    v4 = tuple((network, mask) for version, network, mask in bits if version == 4)
    v6 = tuple((network, mask) for version, network, mask in bits if version == 6)

    def ip_test(reading: tuple[int, int] | None) -> bool:
        if reading is None:
            return False
        version, address = reading
        for network, mask in v4 if version == 4 else v6:  # noqa: SIM110 (hot path)
            if address & mask == network:
                return True
        return False

    return ip_test


def _normalizer(family: str) -> Callable[[str], str | None]:
    if family == "string_ignore_case":
        return str.lower
    if family == "bool":
        return read_bool
    return str


def _equality_test(family: str, values: Sequence[str], *, variables: bool) -> ValueTest:
    normalize = _normalizer(family)
    wanted = _literal_values(family, values, variables=variables)
    if wanted is not None:
        if family == "string":

            def exact_equals(value: str, _context: Context, _memo: Memo | None) -> bool:
                return value in wanted

            return exact_equals

        def static_equals(value: str, _context: Context, _memo: Memo | None) -> bool:
            return normalize(value) in wanted

        return static_equals

    renders = [renderer(parse_template(value, variables_enabled=variables)) for value in values]

    def templated_equals(value: str, context: Context, _memo: Memo | None) -> bool:
        actual = normalize(value)
        if actual is None:
            return False
        for render in renders:
            text = render(context)
            if text is not None and normalize(text) == actual:
                return True
        return False

    return templated_equals


def _glob_test(
    values: Sequence[str], *, arn: bool, variables: bool, cache: MatcherCache
) -> ValueTest:
    static = []
    templated: list[RegexTemplate] = []
    for value in values:
        template = parse_template(value, variables_enabled=variables)
        if has_variables(template):
            templated.append(RegexTemplate(template, arn=arn))
        elif len(template) == 1 and not template[0][1]:  # type: ignore[index]
            static.append(cache.get(value, arn=arn))
        else:  # ${*}, ${?}, ${$} only: fixed literal pieces
            static.append(compile_glob(template, arn=arn))  # type: ignore[arg-type]

    def glob_test(value: str, context: Context, _memo: Memo | None) -> bool:
        for matcher in static:
            if matcher(value):
                return True
        for template in templated:  # noqa: SIM110 (a generator costs more on this hot path)
            if template.matches(value, context):
                return True
        return False

    return glob_test


def _ordered_test(
    read: Reader, values: Sequence[str], compare: Callable[[Any, Any], bool]
) -> TypedTest:
    limits = tuple(limit for limit in map(read, values) if limit is not None)

    def ordered_test(actual: Any) -> bool:
        if actual is None:
            return False
        for limit in limits:  # noqa: SIM110 (a generator costs more on this hot path)
            if compare(actual, limit):
                return True
        return False

    return ordered_test
