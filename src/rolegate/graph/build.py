"""Who can assume which role, decided by the policy engine (``rolegate.policy.evaluate``).

For every role, its trust policy names the candidates (ARNs, unique ids, accounts, services,
identity providers, ``*``); each candidate's call is then evaluated as STS evaluates it
(``services.authz.evaluate_trust``): the trust policy is the resource policy and must allow in
all cases; in the role's own account a trust policy that names the caller's ARN is enough, one
that names the account needs the caller's identity policies (and boundary) to allow too; across
accounts both sides must allow
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).
Conditions the graph cannot know make an edge conditional (:mod:`rolegate.graph.conditions`).
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from rolegate.graph.assumers import Assumers
from rolegate.graph.conditions import (
    KNOWN_KEYS,
    OPTIMISTIC,
    PESSIMISTIC,
    Unknown,
    reading,
    unknowns_of,
)
from rolegate.graph.explain import denial_steps, edge_steps
from rolegate.graph.inputs import AccountView, Document, IamPrincipal, principals
from rolegate.graph.model import ALLOWED, CONDITIONAL, KINDS, Denial, Edge, Graph, Node
from rolegate.graph.sources import (
    Source,
    account_of,
    account_source,
    everyone_source,
    external_role,
    external_source,
    iam_source,
    provider_source,
    service_source,
)
from rolegate.policy import (
    CompiledPolicy,
    Decision,
    PolicyCompiler,
    PolicySet,
    Request,
    evaluate,
)
from rolegate.policy.decision import IMPLICIT_DENY
from rolegate.policy.principals import UNIQUE_ID

# The policy id trust policies are compiled under: roles whose trust policies have the same text
# share one compiled policy (and one PolicySet per caller); ``Judge.documents`` puts the role's
# own Document back in the explanation.
ROLE_TRUST = "(the role's trust policy)"


T = TypeVar("T")
_Held = tuple[object, T]  # (what the value was made from, the value)


def _held(cache: Mapping[Any, _Held[T]], key: object, made_from: object) -> T | None:
    found = cache.get(key)
    return found[1] if found is not None and found[0] is made_from else None


class Judge:
    """Compiles each document once per reading and evaluates one caller against one role.

    Its caches are keyed by the identity of the documents they were made from, and hold them:
    an ``id`` is only reused once its object is gone, and the explanations make stand-in
    documents long after the graph was built."""

    def __init__(self, compiler: PolicyCompiler | None = None) -> None:
        self.compiler = compiler or PolicyCompiler()
        self._compiled: dict[tuple[int, frozenset[str], str], _Held[CompiledPolicy]] = {}
        self._bodies: dict[tuple[int, frozenset[str], str], _Held[CompiledPolicy]] = {}
        self._trusts: dict[tuple[int, frozenset[str], str], _Held[CompiledPolicy]] = {}
        self._identity_sets: dict[str, PolicySet] = {}
        self._sets: dict[tuple[str, int, str], _Held[PolicySet]] = {}

    def compiled(self, doc: Document, known: frozenset[str], mode: str) -> CompiledPolicy:
        key = (id(doc), known, mode)
        found = _held(self._compiled, key, doc)
        if found is None:  # the text's compiled statements, under this document's policy id
            found = replace(self._body(doc, known, mode), policy_id=doc.policy_id)
            self._compiled[key] = (doc, found)
        return found

    def _body(self, doc: Document, known: frozenset[str], mode: str) -> CompiledPolicy:
        """``doc``'s text compiled in one reading, once however many documents share it."""
        key = (id(doc.parsed), known, mode)
        found = _held(self._bodies, key, doc.parsed)
        if found is None:
            variant = reading(doc.parsed, known, mode) or doc.parsed
            found = self.compiler.compile(variant, policy_id=doc.policy_id)
            self._bodies[key] = (doc.parsed, found)
        return found

    def trust(self, doc: Document, known: frozenset[str], mode: str) -> CompiledPolicy:
        """A trust policy compiled under ``ROLE_TRUST``, once per parsed text and reading."""
        key = (id(doc.parsed), known, mode)
        found = _held(self._trusts, key, doc.parsed)
        if found is None:
            found = replace(self._body(doc, known, mode), policy_id=ROLE_TRUST)
            self._trusts[key] = (doc.parsed, found)
        return found

    @staticmethod
    def documents(documents: dict[str, Document], role: IamPrincipal) -> Mapping[str, Document]:
        """``documents`` with ``ROLE_TRUST`` naming ``role``'s trust policy (not a role of
        another account: its trust policy, a stand-in, is said apart)."""
        assert role.trust is not None
        return documents if role.elsewhere else ChainMap({ROLE_TRUST: role.trust}, documents)

    def identity_may_allow(self, source: Source, role: IamPrincipal, action: str) -> bool:
        """Whether the caller's own side (identity policies within the boundary, read
        optimistically) may allow ``action`` on ``role``: a cheap first test for the callers a
        trust policy names only through their account, who need it (one PolicySet per caller)."""
        policies = self._identity_sets.get(source.node.id)
        if policies is None:
            known = KNOWN_KEYS[source.node.kind]
            policies = self._identity_sets[source.node.id] = PolicySet(
                identity=tuple(self.compiled(d, known, OPTIMISTIC) for d in source.identity),
                boundary=(
                    self.compiled(source.boundary, known, OPTIMISTIC) if source.boundary else None
                ),
            )
        # no trust policy here: the engine refuses, and says whether only the trust was missing
        decision = evaluate(Request(source.principal, action, role.arn), policies)
        return decision.effect == IMPLICIT_DENY and decision.missing_allow == ("resource",)

    def decide(self, source: Source, role: IamPrincipal, action: str, mode: str) -> Decision:
        assert role.trust is not None
        key = (source.node.id, id(role.trust.parsed), mode)
        policies = _held(self._sets, key, role.trust.parsed)
        if policies is None:  # one per caller and trust text: its plans are built once
            known = KNOWN_KEYS[source.node.kind]
            policies = PolicySet(
                identity=tuple(self.compiled(d, known, mode) for d in source.identity),
                resource=self.trust(role.trust, known, mode),
                boundary=self.compiled(source.boundary, known, mode) if source.boundary else None,
            )
            self._sets[key] = (role.trust.parsed, policies)
        return evaluate(Request(source.principal, action, role.arn, role.account), policies)


def build_graph(views: Sequence[AccountView], compiler: PolicyCompiler | None = None) -> Graph:
    """The access graph of the given accounts (one, or several whose cross-account edges are
    then decided on both sides)."""
    builder = _Builder(views, Judge(compiler))
    return builder.run()


# Why a source cannot assume a role directly (see ``explain_denial``).
Explain = Callable[[str, str], Denial | None]


def build_graph_explained(
    views: Sequence[AccountView], compiler: PolicyCompiler | None = None
) -> tuple[Graph, Explain]:
    """``build_graph``, and ``explain_denial`` for the same accounts without reading them again
    (what was parsed and compiled for the graph is kept for the explanations)."""
    builder = _Builder(views, Judge(compiler))
    return builder.run(), builder.denial


def explain_denial(views: Sequence[AccountView], source_id: str, target_id: str) -> Denial | None:
    """Why ``source_id`` cannot assume the role ``target_id`` directly (None: it can, or the
    target is not a role of the given accounts)."""
    return _Builder(views, Judge()).denial(source_id, target_id)


class _Builder:
    def __init__(self, views: Sequence[AccountView], judge: Judge) -> None:
        self.judge = judge
        self.graph = Graph(tuple(v.account_id for v in views))
        self.accounts = {v.account_id for v in views}
        self.saml = {arn for v in views for arn in v.saml_providers}
        self.oidc = {arn for v in views for arn in v.oidc_providers}
        self.iam: list[IamPrincipal] = [p for v in views for p in principals(v)]
        self.by_arn = {p.arn: p for p in self.iam}
        self.by_id = {p.unique_id: p for p in self.iam}
        self.sources = {p.arn: iam_source(p) for p in self.iam}
        self.documents: dict[str, Document] = {}
        for p in self.iam:
            for doc in (*p.identity, p.boundary, p.trust):
                if doc is not None:
                    self.documents[doc.policy_id] = doc
            self.graph.skipped.extend(p.skipped)
        self._assumers = Assumers(self.sources, judge.compiled)

    def run(self) -> Graph:
        for arn in sorted(self.oidc | self.saml):
            self.graph.add(provider_source(arn, arn in self.saml).node)
        for p in self.iam:
            self.graph.add(self.sources[p.arn].node)
        for role in self.iam:
            if role.kind != "role" or role.trust is None:
                continue
            named, delegated = self._candidates(role)
            for source in (*named.values(), *delegated.values()):
                if source.node.id in delegated and not self.judge.identity_may_allow(
                    source, role, source.actions[0]
                ):
                    continue  # named only through its account, and its own side says no
                edge = self.edge(source, role)
                if edge is not None:
                    self.graph.add(source.node)
                    self.graph.edges.append(edge)
        self._outward()
        order = {kind: n for n, kind in enumerate(KINDS)}
        self.graph.nodes = dict(
            sorted(self.graph.nodes.items(), key=lambda i: (order[i[1].kind], i[1].label))
        )
        self.graph.edges.sort(key=lambda e: (e.target, e.source))
        return self.graph

    def denial(self, source_id: str, target_id: str) -> Denial | None:
        role = self.by_arn.get(target_id)
        if role is None or role.kind != "role" or role.trust is None:
            return None
        source = self.source_for(source_id)
        if source is None:
            return None
        if self.edge(source, role) is not None:
            return None
        action = source.actions[0]
        decision = self.judge.decide(source, role, action, OPTIMISTIC)
        documents = self.judge.documents(self.documents, role)
        return Denial(source_id, target_id, decision.effect, denial_steps(decision, documents))

    def _outward(self) -> None:
        """Edges to roles of accounts the graph was not given, which an identity policy names
        by their ARN: decided on the caller's side (its identity policies and boundary)."""
        for p in self.iam:
            source = self.sources[p.arn]
            for arn in _named_roles(p.identity):
                role = external_role(arn)
                if role is None or role.account in self.accounts:
                    continue
                edge = self.edge(source, role)
                if edge is not None:
                    node = Node(arn, "external", f"role {role.name} ({role.account})", role.account)
                    self.graph.add(node)
                    self.graph.edges.append(edge)

    def source_for(self, node_id: str) -> Source | None:
        if node_id in self.sources:
            return self.sources[node_id]
        if node_id == "*":
            return everyone_source()
        if node_id in self.saml or ":saml-provider/" in node_id:
            return provider_source(node_id, True)
        if node_id in self.oidc or ":oidc-provider/" in node_id:
            return provider_source(node_id, False)
        account = account_of(node_id)
        if account is not None:
            return account_source(account) if account not in self.accounts else None
        if node_id.endswith(".amazonaws.com") or node_id.endswith(".amazonaws.com.cn"):
            return service_source(node_id)
        return external_source(node_id) or provider_source(node_id, False)

    def edge(self, source: Source, role: IamPrincipal) -> Edge | None:
        """The edge ``source`` -> ``role``, or None: the first of the source's actions the
        engine allows, unconditionally if it can."""
        best: Edge | None = None
        for action in source.actions:
            pessimistic = self.judge.decide(source, role, action, PESSIMISTIC)
            if pessimistic.allowed:
                return self._edge(source, role, action, ALLOWED, pessimistic, ())
            if best is not None:
                continue
            optimistic = self.judge.decide(source, role, action, OPTIMISTIC)
            if optimistic.allowed:
                conditions = self._conditions(source, role, optimistic, pessimistic)
                best = self._edge(source, role, action, CONDITIONAL, optimistic, conditions)
        return best

    def _edge(
        self,
        source: Source,
        role: IamPrincipal,
        action: str,
        status: str,
        decision: Decision,
        conditions: tuple[Unknown, ...],
    ) -> Edge:
        cross = source.node.account is not None and source.node.account != role.account
        documents = self.judge.documents(self.documents, role)
        steps = edge_steps(source, role, action, decision, documents, conditions, cross)
        return Edge(source.node.id, role.arn, action, status, steps, conditions, cross)

    def _conditions(
        self, source: Source, role: IamPrincipal, optimistic: Decision, pessimistic: Decision
    ) -> tuple[Unknown, ...]:
        """The unknown clauses the edge depends on: those of the Allows that let it through,
        and those of the Denies that may apply."""
        known = KNOWN_KEYS[source.node.kind]
        documents = self.judge.documents(self.documents, role)
        found: list[Unknown] = []
        for decision, effect in ((optimistic, "Allow"), (pessimistic, "Deny")):
            for matched in decision.matched:
                doc = documents.get(matched.policy_id)
                if matched.effect == effect and doc is not None:
                    statement = doc.parsed.statements[matched.index]
                    found.extend(unknowns_of(doc.policy_id, statement, known))
        return tuple(dict.fromkeys(found))

    def _candidates(self, role: IamPrincipal) -> tuple[dict[str, Source], dict[str, Source]]:
        """Everyone the role's trust policy may name (the engine then decides): those it names
        in some other way, and the principals of given accounts it names only by the account."""
        assert role.trust is not None
        seen: dict[str, Source] = {}
        delegated: dict[str, Source] = {}
        for statement in role.trust.parsed.statements:
            if statement.effect != "Allow":
                continue  # a Deny names whom it refuses
            for names in (statement.principal, statement.not_principal):
                if names is None:
                    continue
                if names.wildcard or statement.not_principal is not None:
                    seen.update(self.sources)
                    seen.setdefault("*", everyone_source())
                for value in names.aws:
                    self._named_aws(value, role, seen, delegated)
                for value in names.service:
                    seen.setdefault(value, service_source(value))
                for value in names.federated:
                    saml = value in self.saml or (
                        value not in self.oidc
                        and (":saml-provider/" in value or _says_saml(statement.action))
                    )
                    seen.setdefault(value, provider_source(value, saml))
        seen.pop(role.arn, None)  # a role trusting itself is no path anywhere
        delegated.pop(role.arn, None)
        return seen, {k: v for k, v in delegated.items() if k not in seen}

    def _named_aws(
        self,
        value: str,
        role: IamPrincipal,
        seen: dict[str, Source],
        delegated: dict[str, Source],
    ) -> None:
        if value == "*":
            return  # handled as a wildcard
        account = account_of(value)
        if account is not None:
            if account in self.accounts:  # its principals, as their own policies allow
                for arn in self._assumers.of(role.arn, account):
                    delegated.setdefault(arn, self.sources[arn])
            else:
                seen.setdefault(f"arn:aws:iam::{account}:root", account_source(account))
            return
        if UNIQUE_ID.fullmatch(value):
            found = self.by_id.get(value)
            if found is not None:
                seen.setdefault(found.arn, self.sources[found.arn])
            return
        if value in self.sources:
            seen.setdefault(value, self.sources[value])
            return
        external = external_source(value)
        if external is not None and external.node.account not in self.accounts:
            seen.setdefault(value, external)


def _named_roles(documents: Iterable[Document]) -> list[str]:
    """Role ARNs the Allow statements of ``documents`` name as resources, in order, once."""
    found: dict[str, None] = {}
    for doc in documents:
        for statement in doc.parsed.statements:
            if statement.effect == "Allow" and statement.resource:
                found.update((r, None) for r in statement.resource if ":role/" in r)
    return list(found)


def _says_saml(actions: tuple[str, ...] | None) -> bool:
    return any(a.lower() == "sts:assumerolewithsaml" for a in actions or ())
