"""Compile a policy document once into matchers; evaluation then runs only precompiled code.

* Actions: lower-cased globs (``Action`` names are case-insensitive, "IAM JSON policy elements:
  Action").
* Resources: case-sensitive ARN globs matched segment-wise (:mod:`rolegate.policy.wildcard`);
  variables only with Version ``2012-10-17`` (:mod:`rolegate.policy.variables`).
* Conditions: typed tests bound to their operator (:mod:`rolegate.policy.conditions`).

:class:`PolicyCompiler` caches compiled bodies by content hash (bounded LRU); the same text under
two policy ids shares one body. A resource policy compiles with the unique ids its user and role
principals were bound to when it was stored (``principal_ids``, :mod:`rolegate.policy.principals`):
they are part of the cache key.
"""

from __future__ import annotations

import hashlib
import sys
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from rolegate.domain.entities import PrincipalIds
from rolegate.policy.ast import ConditionClause, PolicyDocument, PrincipalSet, Statement
from rolegate.policy.conditions import CompiledCondition
from rolegate.policy.principals import CompiledPrincipals, Grant
from rolegate.policy.request import Principal
from rolegate.policy.variables import (
    VARIABLES_VERSION,
    Context,
    RegexTemplate,
    has_variables,
    is_plain,
    parse_template,
)
from rolegate.policy.wildcard import (
    Matcher,
    MatcherCache,
    compile_glob,
    has_wildcard,
    pad_short_arn,
)


class Interner(MatcherCache):
    """Shares equal matchers and equal compiled conditions across policies (bounded)."""

    __slots__ = ("_conditions", "_sets")

    def __init__(self, limit: int = 100_000) -> None:
        super().__init__(limit)
        self._conditions: dict[tuple[object, ...], CompiledCondition] = {}
        self._sets: dict[frozenset[str], frozenset[str]] = {}

    def shared(self, value: frozenset[str] | None) -> frozenset[str] | None:
        """One object per distinct small frozenset."""
        if value is None:
            return None
        if len(self._sets) >= self._limit:
            self._sets.clear()
        return self._sets.setdefault(value, value)

    def condition(self, clause: ConditionClause, variables: bool) -> CompiledCondition:
        key = (clause.operator, clause.key, clause.values, variables)
        found = self._conditions.get(key)
        if found is None:
            if len(self._conditions) >= self._limit:
                self._conditions.clear()
            found = self._conditions[key] = CompiledCondition(
                clause, variables=variables, cache=self
            )
        return found


class CompiledStatement:
    """One statement in matcher form; ``applies`` = action, resource, principal and conditions."""

    __slots__ = (
        "action_matchers",
        "actions",
        "conditions",
        "effect",
        "index",
        "is_deny",
        "needs_context",
        "not_action",
        "not_principals",
        "not_resource",
        "principals",
        "resource_any",
        "resource_matchers",
        "resource_services",
        "resource_templates",
        "resource_test",
        "sid",
    )

    def __init__(
        self,
        statement: Statement,
        *,
        variables: bool,
        cache: Interner,
        principal_ids: Mapping[str, str] | None = None,
    ) -> None:
        self.sid = statement.sid
        self.index = statement.index
        self.effect = statement.effect
        self.is_deny = statement.effect == "Deny"
        self.not_action = statement.action is None and statement.not_action is not None
        patterns = statement.not_action if self.not_action else statement.action
        self.actions: tuple[str, ...] = tuple(sys.intern(p.lower()) for p in patterns or ())
        self.action_matchers = tuple(cache.get(p, arn=False) for p in self.actions)
        self.not_resource = statement.resource is None and statement.not_resource is not None
        resources = statement.not_resource if self.not_resource else statement.resource
        # An absent Resource (trust policies) leaves the resource unconstrained.
        self.resource_any = resources is None or (not self.not_resource and "*" in resources)
        self.resource_matchers: tuple[Matcher, ...] = ()
        self.resource_templates: tuple[RegexTemplate, ...] = ()
        self.resource_services: frozenset[str] | None = None  # None: any service
        self.resource_test: Matcher | None = None
        if not self.resource_any:
            self._compile_resources(resources or (), variables=variables, cache=cache)
            if not self.not_resource:
                self.resource_services = cache.shared(_literal_services(resources or ()))
        self.principals = _principals(statement.principal, principal_ids)
        self.not_principals = _principals(statement.not_principal, principal_ids)
        conditions = (cache.condition(clause, variables) for clause in statement.conditions)
        self.conditions = tuple(sorted(conditions, key=lambda condition: condition.cost))
        self.needs_context = bool(self.conditions or self.resource_templates)

    def _compile_resources(
        self, patterns: tuple[str, ...], *, variables: bool, cache: Interner
    ) -> None:
        static: list[Matcher] = []
        templates: list[RegexTemplate] = []
        for raw in patterns:
            pattern = pad_short_arn(raw)
            head, colon, tail = _split_resource_part(pattern)
            template = parse_template(tail, variables_enabled=variables)
            if is_plain(template):
                static.append(cache.get(pattern, arn=True))
            elif has_variables(template):
                templates.append(RegexTemplate(((head + colon, False), *template), arn=True))
            else:
                pieces = ((head + colon, False), *template)
                static.append(compile_glob(pieces, arn=True))  # type: ignore[arg-type]
        self.resource_matchers = tuple(static)
        self.resource_templates = tuple(templates)
        if len(static) == 1 and not templates and not self.not_resource:
            self.resource_test = static[0]  # the common case, called directly

    def matches_action(self, action: str) -> bool:
        """``action`` must be lower-cased."""
        for matcher in self.action_matchers:
            if matcher(action):
                return not self.not_action
        return self.not_action

    def matches_resource(self, resource: str, context: Context | None) -> bool:
        if self.resource_any:
            return True
        found = False
        for matcher in self.resource_matchers:
            if matcher(resource):
                found = True
                break
        if not found and context is not None:
            for template in self.resource_templates:
                if template.matches(resource, context):
                    found = True
                    break
        return found is not self.not_resource

    def grant_for(self, who: Principal) -> Grant | None:
        """Resource policies: what this statement's Principal/NotPrincipal grants ``who``."""
        if self.principals is not None:
            return self.principals.grant(who)
        if self.not_principals is not None:  # everyone but the listed principals (4.3)
            if self.is_deny:
                return None if self.not_principals.excepts(who) else Grant.DIRECT
            return None if self.not_principals.names(who) else Grant.DIRECT
        return None  # a resource-policy statement without a principal applies to nobody

    def action_index_keys(self) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
        """(exact actions, services with wildcard patterns, needs the catch-all list)."""
        if self.not_action:
            return (), (), True
        exact: list[str] = []
        services: list[str] = []
        anywhere = False
        for pattern in self.actions:
            if not has_wildcard(pattern):
                exact.append(pattern)
                continue
            service, colon, _name = pattern.partition(":")
            if colon and not has_wildcard(service):
                services.append(service)
            else:
                anywhere = True
        return tuple(exact), tuple(services), anywhere


def resource_service(resource: str) -> str:
    """The service segment of a resource ARN (``""`` for ``*`` and other non-ARNs)."""
    if not resource.startswith("arn:"):
        return ""
    start = resource.find(":", 4) + 1  # (no list of parts: this runs once per decision)
    if not start:
        return ""
    end = resource.find(":", start)
    return resource[start:end] if end >= 0 else resource[start:]


def _literal_services(patterns: tuple[str, ...]) -> frozenset[str] | None:
    """Services the patterns can match, when every pattern names one without wildcards."""
    services = set()
    for pattern in patterns:
        parts = pad_short_arn(pattern).split(":", 3)
        if len(parts) < 4 or parts[0] != "arn" or has_wildcard(parts[2]) or not parts[2]:
            return None
        services.add(parts[2])
    return frozenset(services)


def _split_resource_part(pattern: str) -> tuple[str, str, str]:
    """``arn:p:s:r:a:rest`` -> (``arn:p:s:r:a``, ``:``, ``rest``); variables live in ``rest``."""
    parts = pattern.split(":", 5)
    if len(parts) < 6:
        return "", "", pattern
    return ":".join(parts[:5]), ":", parts[5]


def _principals(
    value: PrincipalSet | None, principal_ids: Mapping[str, str] | None
) -> CompiledPrincipals | None:
    return None if value is None else CompiledPrincipals(value, principal_ids)


@dataclass(frozen=True, slots=True)
class CompiledPolicy:
    """A compiled document under one policy id (ARN, inline name...) for the decision reasons."""

    policy_id: str
    document: PolicyDocument | None  # None when the compiler does not keep documents
    statements: tuple[CompiledStatement, ...]
    principal_ids: PrincipalIds = ()  # the bindings it was compiled with


class PolicyCompiler:
    """Compiles documents; keeps a bounded LRU of compiled bodies by content hash.

    ``keep_documents=False`` drops each AST after compiling (``CompiledPolicy.document`` is then
    ``None``): evaluation needs only the compiled statements, and the AST is most of the memory.
    """

    def __init__(self, max_entries: int = 10_000, *, keep_documents: bool = True) -> None:
        self._max_entries = max_entries
        self._keep_documents = keep_documents
        self._bodies: OrderedDict[
            tuple[str, PrincipalIds], tuple[PolicyDocument | None, tuple[CompiledStatement, ...]]
        ] = OrderedDict()
        self._interner = Interner()

    def compile(
        self,
        text_or_doc: str | PolicyDocument,
        *,
        policy_id: str,
        principal_ids: PrincipalIds = (),
    ) -> CompiledPolicy:
        """Parse (if given text) and compile; raises ``MalformedPolicyDocument`` subclasses.

        ``principal_ids``: a resource policy's principals bound to unique ids."""
        if isinstance(text_or_doc, PolicyDocument) and not text_or_doc.source:
            # built by hand, no text to hash: compile without caching
            statements = self._compile_statements(text_or_doc, principal_ids)
            return CompiledPolicy(policy_id, text_or_doc, statements, principal_ids)
        source = text_or_doc if isinstance(text_or_doc, str) else text_or_doc.source
        key = (hashlib.sha256(source.encode()).hexdigest(), principal_ids)
        body = self._bodies.get(key)
        if body is not None:
            try:
                self._bodies.move_to_end(key)
            except KeyError:  # evicted meanwhile by another thread (the server shares one)
                pass
        else:
            document = text_or_doc if isinstance(text_or_doc, PolicyDocument) else _parse(source)
            statements = self._compile_statements(document, principal_ids)
            body = (document if self._keep_documents else None, statements)
            self._bodies[key] = body
            if len(self._bodies) > self._max_entries:
                self._bodies.popitem(last=False)
        return CompiledPolicy(policy_id, body[0], body[1], principal_ids)

    def _compile_statements(
        self, document: PolicyDocument, principal_ids: PrincipalIds = ()
    ) -> tuple[CompiledStatement, ...]:
        variables = document.version == VARIABLES_VERSION
        bound = dict(principal_ids) if principal_ids else None
        return tuple(
            CompiledStatement(
                statement, variables=variables, cache=self._interner, principal_ids=bound
            )
            for statement in document.statements
        )

    def __len__(self) -> int:
        return len(self._bodies)


def _parse(text: str) -> PolicyDocument:
    from rolegate.policy.parser import parse_policy

    return parse_policy(text)
