"""Warnings about names that exist nowhere: actions and condition keys the Service Authorization
Reference does not list (https://docs.aws.amazon.com/service-authorization/latest/reference/).

IAM accepts such a policy (a statement about an action that does not exist simply never
applies), so these are warnings, not AWS's errors: IAM Access Analyzer's policy checks report the
same kind of mistake. The reference itself is data this package does not hold; the caller passes
it in (``rolegate.catalog``'s ``ServiceReference``).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Collection
from typing import Protocol

from rolegate.policy.ast import PolicyDocument
from rolegate.policy.validate import Finding


class ServiceNames(Protocol):
    def action_names(self, prefix: str) -> Collection[str] | None:
        """The lower-cased action names of service ``prefix``; None for an unknown service."""
        ...

    def condition_key_exists(self, key: str) -> bool: ...


def unknown_references(document: PolicyDocument, reference: ServiceNames) -> list[Finding]:
    """A warning for each action (or pattern) that names no action, and each condition key that
    no service defines, in document order."""
    findings: list[Finding] = []
    for statement in document.statements:
        for action in (*(statement.action or ()), *(statement.not_action or ())):
            problem = _action_warning(action, reference)
            if problem is not None:
                findings.append(Finding(problem, statement.position, statement.index))
        for clause in statement.conditions:
            if ":" in clause.key and not reference.condition_key_exists(clause.key):
                message = f"Unknown condition key: {clause.key}"
                findings.append(Finding(message, clause.position, statement.index))
    return findings


def _action_warning(action: str, reference: ServiceNames) -> str | None:
    prefix, colon, name = action.partition(":")
    if not colon or "*" in prefix or "?" in prefix:
        return None  # "*", or malformed (an error of its own)
    names = reference.action_names(prefix)
    if names is None:
        return f"Unknown service prefix: {prefix}"
    wanted = name.lower()
    if "*" in wanted or "?" in wanted:
        return None if any(_matches(n, wanted) for n in names) else f"No action matches {action}"
    return None if wanted in names else f"Unknown action: {action}"


def _matches(name: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(name, pattern.replace("[", "[[]"))
