"""Validation of a parsed policy by kind, with AWS's ``MalformedPolicyDocument`` messages.

IAM reports only the first problem it finds, and which one comes first is observable. The
checks run in IAM's order as recorded against AWS (see messages.py):

1. syntax ("Syntax errors in policy.") — done by the parser;
2. ``Version`` must be 2012-10-17 for identity, boundary, session policies and SCPs;
3. elements the kind forbids or requires (Principal / Resource);  # order unverified against AWS
4. legacy parsing: ``Effect`` case, ``Date*`` values, short ARNs;
5. unique ``Sid`` values, then alphanumeric ``Sid`` (IAM policy kinds);
6. every statement has actions; trust policies only STS assume-role actions;
7. resource ARN format, then action vendor prefixes;
8. every statement has resources (kinds that need them);
9. principal values (trust and resource policies).

:func:`find_problems` returns every problem in that order (the CLI prints them all);
:func:`validate_policy` raises :class:`PolicyValidationError` whose message is the first one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from rolegate.policy import messages
from rolegate.policy.ast import PolicyDocument, PolicyKind, Position, Statement
from rolegate.policy.errors import PolicyParseError, PolicyValidationError
from rolegate.policy.parser import parse_policy, split_condition_operator
from rolegate.policy.validate_principals import principal_problem, trust_action_allowed
from rolegate.policy.validate_values import (
    action_problem,
    date_value_parses,
    resource_fails_legacy_parsing,
    resource_problem,
)

CURRENT_VERSION = "2012-10-17"
#: Policies managed through IAM's own API (identity-based, boundaries, trust) and STS.
_IAM_KINDS = frozenset(
    {PolicyKind.IDENTITY, PolicyKind.BOUNDARY, PolicyKind.SESSION, PolicyKind.TRUST}
)
#: Kinds without a Principal: the principal is whoever the policy is attached to.
_PRINCIPAL_LESS_KINDS = frozenset(
    {PolicyKind.IDENTITY, PolicyKind.BOUNDARY, PolicyKind.SESSION, PolicyKind.SCP}
)
_NEED_CURRENT_VERSION = _PRINCIPAL_LESS_KINDS
_NEED_RESOURCES = frozenset(
    {PolicyKind.IDENTITY, PolicyKind.BOUNDARY, PolicyKind.SESSION, PolicyKind.RESOURCE}
)
_ALPHANUMERIC = re.compile(r"[0-9A-Za-z]*", re.ASCII)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: AWS's message and where it is (statement index and source position)."""

    message: str
    position: Position | None = None
    statement_index: int | None = None


def validate_policy(text: str, kind: PolicyKind) -> PolicyDocument:
    """Parse and validate ``text`` as a policy of ``kind``; raise MalformedPolicyDocument."""
    return validate_document(parse_policy_of_kind(text, kind), kind)


def parse_policy_of_kind(text: str, kind: PolicyKind) -> PolicyDocument:
    """``parse_policy`` with the message AWS gives for ``kind``: text that is not JSON is
    "This policy contains invalid Json" in a role trust policy."""
    try:
        return parse_policy(text)
    except PolicyParseError as exc:
        if kind is PolicyKind.TRUST and exc.not_json:
            raise PolicyParseError(
                messages.TRUST_NOT_JSON, position=exc.position, detail=exc.detail, not_json=True
            ) from None
        raise


def validate_document(document: PolicyDocument, kind: PolicyKind) -> PolicyDocument:
    """Return ``document`` if it is valid for ``kind``; else raise PolicyValidationError."""
    problems = find_problems(document, kind)
    if problems:
        raise PolicyValidationError(problems)
    return document


def find_problems(document: PolicyDocument, kind: PolicyKind) -> list[Finding]:
    """Every problem of ``document`` as a policy of ``kind``, in the order AWS checks."""
    statements = document.statements
    findings: list[Finding] = []
    if kind in _NEED_CURRENT_VERSION and document.version != CURRENT_VERSION:
        findings.append(Finding(messages.VERSION_TOO_OLD, Position(1, 1)))
    for statement in statements:
        findings.extend(_element_problems(statement, kind))
    for statement in statements:
        findings.extend(_legacy_parsing_problems(statement))
    findings.extend(_sid_problems(statements, check_characters=kind in _IAM_KINDS))
    findings.extend(_action_presence_problems(statements, kind))
    findings.extend(_resource_format_problems(statements))
    findings.extend(_action_format_problems(statements))
    if kind in _NEED_RESOURCES:
        findings.extend(
            _at(statement, messages.MISSING_RESOURCES)
            for statement in statements
            if not statement.resource and not statement.not_resource
        )
    if kind in (PolicyKind.TRUST, PolicyKind.RESOURCE):
        findings.extend(_principal_value_problems(statements, kind))
    return findings


def _element_problems(statement: Statement, kind: PolicyKind) -> Iterator[Finding]:
    has_principal = statement.principal is not None or statement.not_principal is not None
    if kind in _PRINCIPAL_LESS_KINDS and has_principal:
        yield _at(statement, messages.PRINCIPAL_NOT_ALLOWED)
    elif kind is PolicyKind.TRUST:
        if statement.resource is not None or statement.not_resource is not None:
            yield _at(statement, messages.TRUST_HAS_RESOURCE)
        if statement.principal is None:  # NotPrincipal cannot be used in trust policies
            yield _at(statement, messages.MISSING_PRINCIPAL)
    elif kind is PolicyKind.RESOURCE and not has_principal:
        yield _at(statement, messages.MISSING_PRINCIPAL)


def _legacy_parsing_problems(statement: Statement) -> Iterator[Finding]:
    """IAM's "legacy parsing" rejects: Effect not exactly Allow/Deny, unreadable dates, ARNs."""
    if statement.effect not in ("Allow", "Deny"):
        yield _at(statement, messages.LEGACY_PARSING)
    for clause in statement.conditions:
        parts = split_condition_operator(clause.operator)
        is_date = parts is not None and parts[1].startswith("Date")
        if is_date and not all(date_value_parses(value) for value in clause.values):
            yield Finding(messages.LEGACY_PARSING, clause.position, statement.index)
    for resource in (*(statement.resource or ()), *(statement.not_resource or ())):
        if resource_problem(resource) is None and resource_fails_legacy_parsing(resource):
            yield _at(statement, messages.LEGACY_PARSING)


def _action_presence_problems(
    statements: tuple[Statement, ...], kind: PolicyKind
) -> Iterator[Finding]:
    for statement in statements:
        if not statement.action and not statement.not_action:
            yield _at(statement, messages.MISSING_ACTIONS)
        elif kind is PolicyKind.TRUST and not all(
            trust_action_allowed(action) for action in _actions(statement)
        ):
            yield _at(statement, messages.TRUST_ACTIONS_NOT_STS)


def _resource_format_problems(statements: tuple[Statement, ...]) -> Iterator[Finding]:
    for statement in statements:
        for resource in (*(statement.resource or ()), *(statement.not_resource or ())):
            problem = resource_problem(resource)
            if problem is not None:
                yield _at(statement, problem)


def _action_format_problems(statements: tuple[Statement, ...]) -> Iterator[Finding]:
    """Vendor prefixes: every ``Action`` first, then every ``NotAction`` (IAM's order)."""
    for field in ("action", "not_action"):
        for statement in statements:
            for action in getattr(statement, field) or ():
                problem = action_problem(action)
                if problem is not None:
                    yield _at(statement, problem)


def _principal_value_problems(
    statements: tuple[Statement, ...], kind: PolicyKind
) -> Iterator[Finding]:
    for statement in statements:
        for principals in (statement.principal, statement.not_principal):
            problem = None if principals is None else principal_problem(principals, kind)
            if problem is not None:
                yield _at(statement, problem)


def _sid_problems(statements: tuple[Statement, ...], *, check_characters: bool) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[str] = set()
    for statement in statements:
        if statement.sid:  # an empty Sid may repeat
            if statement.sid in seen:
                findings.append(_at(statement, messages.DUPLICATE_SID))
            seen.add(statement.sid)
    if check_characters:
        for statement in statements:
            if statement.sid is not None and not _ALPHANUMERIC.fullmatch(statement.sid):
                findings.append(_at(statement, messages.SID_NOT_ALPHANUMERIC))
    return findings


def _actions(statement: Statement) -> tuple[str, ...]:
    return (statement.action or ()) + (statement.not_action or ())


def _at(statement: Statement, message: str) -> Finding:
    return Finding(message, statement.position, statement.index)
