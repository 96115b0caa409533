"""Which service namespaces a permissions policy grants: those an ``Allow`` statement's
``Action`` names (``s3:GetObject`` grants ``s3``; ``*`` and ``s*:*`` grant every service they
match), or every service a ``NotAction`` statement does not exclude whole (``iam:*``). Only
permissions policies count, as for AWS: no boundary, resource policy or session policy
(API_GenerateServiceLastAccessedDetails). Deny statements do not take a service away, since
a policy may deny only part of it.

The services a pattern can match are AWS's (the Service Authorization Reference) plus any other
namespace the account's policies or recorded uses name (an operator's own services).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from rolegate.catalog.service_reference import aws_service_names, aws_service_prefixes
from rolegate.policy.parser import parse_policy
from rolegate.policy.wildcard import build_matcher, has_wildcard


def service_name(namespace: str) -> str:
    """AWS's name of the service (``Amazon S3``); the namespace itself for others."""
    return aws_service_names().get(namespace, namespace)


def named_namespaces(documents: Iterable[str]) -> set[str]:
    """Namespaces the documents' actions spell out without wildcards."""
    found: set[str] = set()
    for text in documents:
        found |= _statements(text)[2]
    return found


def granted(documents: Iterable[str], universe: Iterable[str]) -> set[str]:
    """The namespaces of ``universe`` (lower case) that any of ``documents`` grants."""
    candidates = set(universe)
    out: set[str] = set()
    for text in documents:
        allow_patterns, not_action_excluded, _ = _statements(text)
        for pattern in allow_patterns:
            matches = build_matcher(pattern, arn=False)
            out |= {ns for ns in candidates if matches(ns)}
        for excluded in not_action_excluded:
            matchers = [build_matcher(p, arn=False) for p in excluded]
            out |= {ns for ns in candidates if not any(m(ns) for m in matchers)}
    return out


def every_namespace(extra: Iterable[str]) -> set[str]:
    return set(aws_service_prefixes()) | {ns.lower() for ns in extra}


@functools.lru_cache(maxsize=1024)
def _statements(text: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...], frozenset[str]]:
    """(service patterns of Allow/Action, per Allow/NotAction statement the service patterns it
    excludes whole, namespaces named literally), lower case."""
    document = parse_policy(text)
    patterns: list[str] = []
    excluded: list[tuple[str, ...]] = []
    literal: set[str] = set()
    for statement in document.statements:
        for action in (*(statement.action or ()), *(statement.not_action or ())):
            service = action.lower().partition(":")[0]
            if service and not has_wildcard(service):
                literal.add(service)
        if statement.effect != "Allow":
            continue
        if statement.action is not None:
            patterns.extend(_service_pattern(a) for a in statement.action)
        if statement.not_action is not None:
            whole = [
                _service_pattern(a)
                for a in statement.not_action
                if a == "*" or a.partition(":")[2] == "*"
            ]
            excluded.append(tuple(whole))
    return tuple(patterns), tuple(excluded), frozenset(literal)


def _service_pattern(action: str) -> str:
    """The part of an action pattern that matches the service: ``s3`` of ``s3:Get*``; a pattern
    without a colon (``*``, ``s*``) may match any service it starts like."""
    service, colon, _ = action.lower().partition(":")
    return service if colon else (service if service.endswith("*") else service + "*")
