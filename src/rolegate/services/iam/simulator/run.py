"""One simulation: every action on every resource, decided by the policy engine
(``rolegate.policy.evaluate``, the one that authorizes every request), and the results in the
shape of IAM's ``EvaluationResult``
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html).

* ``EvalDecision``: ``allowed``, ``explicitDeny`` or ``implicitDeny``; per action, over every
  resource, the most restrictive of the resources' decisions.
* ``MatchedStatements``: the identity-based and resource-based statements behind the decision
  (the Denies of an explicit deny, the Allows of an allow, none for an implicit deny), with
  ``StartPosition``/``EndPosition``: 1-based line and column in the document text as IAM counts
  them, just after the statement's ``{`` and just after its ``}`` (AWS's
  ``simulate-custom-policy`` example: a statement whose ``{`` is column 37 starts at 38).
* ``MissingContextValues``: the condition keys (and policy variables) of statements that apply to
  the action and resource, that the request can carry (the Service Authorization Reference:
  the action's keys, its resource type's, the global ones) and the simulation was not given.
* ``EvalDecisionDetails``: ``{}`` in one account when resources are named (as recorded), per
  policy type across accounts; ``PermissionsBoundaryDecisionDetail`` when a boundary takes part;
  ``OrganizationsDecisionDetail`` ``{AllowedByOrganizations: true}`` (no organization here).
* ``ResourceSpecificResults``, one per resource, whenever ``ResourceArns`` are given; the
  action's ``EvalResourceName`` is then the ARN format of the resource type they are (``*``
  when the reference has none).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rolegate.catalog.service_reference import ServiceReference
from rolegate.policy import PolicyDocument, Position, Principal, Request
from rolegate.policy.compile import CompiledPolicy, CompiledStatement
from rolegate.policy.decision import ALLOW, EXPLICIT_DENY, Decision, MatchedStatement
from rolegate.policy.evaluate import PolicySet, evaluate
from rolegate.policy.request import ContextValue, principal_context
from rolegate.services.iam.simulator.sources import SourcePolicy

WIRE_DECISION = {ALLOW: "allowed", EXPLICIT_DENY: "explicitDeny"}
_RESTRICTIVENESS = {"allowed": 0, "implicitDeny": 1, "explicitDeny": 2}
# The names EvalDecisionDetails gives the policy types.  # unverified
_DETAIL_TYPES = {"identity": "IAM Policy", "resource": "Resource Policy"}
_SHOWN_TYPES = ("identity", "resource")  # "This field doesn't include statements from SCPs"
_VARIABLE = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True, slots=True)
class Simulation:
    """Everything one simulation decides with; ``sources`` names each compiled policy (by its
    engine policy id) in the results."""

    policies: PolicySet
    sources: Mapping[str, SourcePolicy]
    principal: Principal
    context: Mapping[str, ContextValue]
    resource_owner: str | None
    reference: ServiceReference
    # False for SimulateCustomPolicy without CallerArn: no principal gives keys by itself.
    named_principal: bool = True
    # OrderedOrganizationPolicyInputList: the SCPs of each level, organization root first.
    organization: tuple[PolicySet, ...] = ()


def simulate(sim: Simulation, actions: Sequence[str], resources: list[str] | None) -> list[Any]:
    """One ``EvaluationResult`` per action; ``resources`` None means ``*`` (none named)."""
    keys = _StatementKeys(sim)
    return [_action_result(sim, keys, action, resources) for action in actions]


def _action_result(
    sim: Simulation, keys: _StatementKeys, action: str, resources: list[str] | None
) -> dict[str, Any]:
    per_resource = [_resource_result(sim, keys, action, arn) for arn in resources or ["*"]]
    decision = max(
        (r["EvalResourceDecision"] for r in per_resource), key=_RESTRICTIVENESS.__getitem__
    )
    result: dict[str, Any] = {
        "EvalActionName": action,
        "EvalResourceName": "*" if resources is None else _resource_name(sim, action, resources),
        "EvalDecision": decision,
        "MatchedStatements": _union(
            r["MatchedStatements"] for r in per_resource if r["EvalResourceDecision"] == decision
        ),
        "MissingContextValues": list(
            dict.fromkeys(k for r in per_resource for k in r["MissingContextValues"])
        ),
        "OrganizationsDecisionDetail": {
            "AllowedByOrganizations": all(r.pop("_organizations") for r in per_resource)
        },
    }
    if resources is not None and any(arn != "*" for arn in resources):
        result["EvalDecisionDetails"] = _most_restrictive(
            r["EvalDecisionDetails"] for r in per_resource
        )
    if sim.policies.boundary is not None:
        allowed = all(
            r["PermissionsBoundaryDecisionDetail"]["AllowedByPermissionsBoundary"]
            for r in per_resource
        )
        result["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": allowed}
    if resources is not None:
        result["ResourceSpecificResults"] = per_resource
    return result


def _resource_result(
    sim: Simulation, keys: _StatementKeys, action: str, arn: str
) -> dict[str, Any]:
    owner = _resource_account(sim, arn)
    request = Request(sim.principal, action, arn, owner, sim.context)
    decision = evaluate(request, sim.policies)
    wire = WIRE_DECISION.get(decision.effect, "implicitDeny")
    matched = _matched(keys, decision)
    organizations = _organizations(sim, request)
    if organizations != ALLOW and wire != "explicitDeny":
        # Every level of the organization must allow; a Deny in any SCP denies
        # (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html).
        wire = "explicitDeny" if organizations == EXPLICIT_DENY else "implicitDeny"
        matched = []
    result: dict[str, Any] = {
        "EvalResourceName": arn,
        "EvalResourceDecision": wire,
        "MatchedStatements": matched,
        "MissingContextValues": keys.missing(action, arn),
        "EvalDecisionDetails": _decision_details(decision, owner, sim.principal.account),
    }
    if sim.policies.boundary is not None:
        result["PermissionsBoundaryDecisionDetail"] = {
            "AllowedByPermissionsBoundary": _type_decision(decision, "boundary") == "allowed"
        }
    result["_organizations"] = organizations == ALLOW  # taken out by _action_result
    return result


def _organizations(sim: Simulation, request: Request) -> str:
    """The SCPs' verdict: ExplicitDeny if a level denies, ImplicitDeny if one does not allow."""
    if not sim.organization:
        return ALLOW
    # SCPs limit the caller's account whoever owns the resource: judged as if in one account.
    own = Request(request.principal, request.action, request.resource, None, request.context)
    verdict = ALLOW
    for level in sim.organization:
        effect = evaluate(own, level).effect
        if effect == EXPLICIT_DENY:
            return EXPLICIT_DENY
        if effect != ALLOW:
            verdict = effect
    return verdict


def _matched(keys: _StatementKeys, decision: Decision) -> list[dict[str, Any]]:
    if decision.effect == ALLOW:
        wanted = "Allow"
    elif decision.effect == EXPLICIT_DENY:
        wanted = "Deny"
    else:
        return []
    return [
        _statement(keys, found)
        for found in decision.matched
        if found.effect == wanted and found.policy_type in _SHOWN_TYPES
    ]


def _statement(keys: _StatementKeys, found: MatchedStatement) -> dict[str, Any]:
    source = keys.sim.sources[found.policy_id]
    document = keys.documents.get(found.policy_id)
    out: dict[str, Any] = {
        "SourcePolicyId": source.policy_id,
        "SourcePolicyType": source.source_type,
    }
    if document is not None:
        statement = document.statements[found.index]
        out["StartPosition"] = _after(statement.position)
        if statement.end_position is not None:
            out["EndPosition"] = _after(statement.end_position)
    return out


def _after(position: Position) -> dict[str, int]:
    return {"Line": position.line, "Column": position.column + 1}


def _all_policies(policies: PolicySet) -> list[CompiledPolicy]:
    found = list(policies.identity)
    found += [p for p in (policies.resource, policies.boundary) if p is not None]
    return found + list(policies.session or ()) + list(policies.scps or ())


def _union(lists: Any) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str, object], dict[str, Any]] = {}
    for statements in lists:
        for statement in statements:
            start = statement.get("StartPosition") or {}
            key = (statement["SourcePolicyId"], statement["SourcePolicyType"], tuple(start.items()))
            seen.setdefault(key, statement)
    return list(seen.values())


def _type_decision(decision: Decision, policy_type: str) -> str:
    effects = {m.effect for m in decision.matched if m.policy_type == policy_type}
    if "Deny" in effects:
        return "explicitDeny"
    return "allowed" if "Allow" in effects else "implicitDeny"


def _decision_details(decision: Decision, owner: str | None, account: str | None) -> dict[str, str]:
    """Per policy type across accounts; ``{}`` in one account."""
    if owner is None or account is None or owner == account:
        return {}
    return {name: _type_decision(decision, kind) for kind, name in _DETAIL_TYPES.items()}


def _most_restrictive(details: Any) -> dict[str, str]:
    merged: dict[str, str] = {}
    for detail in details:
        for name, value in detail.items():
            if _RESTRICTIVENESS[value] >= _RESTRICTIVENESS.get(merged.get(name, "allowed"), 0):
                merged[name] = value
    return merged


def _resource_account(sim: Simulation, arn: str) -> str | None:
    """Who owns the resource: ``ResourceOwner``, else the account in its ARN, else the caller's.
    Only a simulation with a resource policy can cross accounts: without one, the simulator
    evaluates the identity-based policies alone, as the caller's account would (the owner's
    side of a cross-account request is its resource policy, "Cross-account policy evaluation
    logic")."""
    if sim.policies.resource is None or arn == "*":
        return None
    return sim.resource_owner or _arn_account(arn) or sim.principal.account


def _arn_account(arn: str) -> str | None:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 and parts[4] else None


def _resource_name(sim: Simulation, action: str, resources: list[str]) -> str:
    """The ARN format of the resource type the first named resource is, else ``*``."""
    spec = sim.reference.action(action)
    if spec is None:
        return "*"
    for arn in resources:
        found = sim.reference.resource_type(spec, arn)
        if found is not None and found.arn_formats:
            return found.arn_formats[0]
    return "*"


class _StatementKeys:
    """The condition keys and policy variables of each statement, and which of them a request
    for an action on a resource lacks."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        given = {key.lower() for key in sim.context}
        if sim.named_principal:
            given.update(principal_context(sim.principal))
        self.given = given
        self.context = {key.lower(): value for key, value in sim.context.items()}
        self.statements: list[tuple[CompiledStatement, tuple[str, ...]]] = []
        self.documents: dict[str, PolicyDocument | None] = {}
        for policy in _all_policies(sim.policies):
            self.documents[policy.policy_id] = policy.document
            if policy.document is None or policy in (sim.policies.scps or ()):
                continue
            for compiled, statement in zip(
                policy.statements, policy.document.statements, strict=True
            ):
                self.statements.append((compiled, statement_keys(statement)))
        self._by_action: dict[str, list[tuple[CompiledStatement, tuple[str, ...]]]] = {}

    def missing(self, action: str, arn: str) -> list[str]:
        lowered = action.lower()
        candidates = self._by_action.get(lowered)
        if candidates is None:  # the statements of this action, with the keys not given
            candidates = self._by_action[lowered] = [
                (compiled, ungiven)
                for compiled, keys in self.statements
                if (ungiven := tuple(k for k in keys if k.lower() not in self.given))
                and compiled.matches_action(lowered)
            ]
        missing: dict[str, None] = {}
        applies = self.sim.reference.key_applies
        for compiled, keys in candidates:
            if compiled.resource_templates or compiled.matches_resource(arn, self.context):
                for key in keys:
                    if key not in missing and applies(action, arn, key):
                        missing[key] = None
        return list(missing)


def statement_keys(statement: Any) -> tuple[str, ...]:
    """The context keys a statement reads, in the order they appear: the variables of its
    resources, then its condition keys and the variables of their values."""
    keys: list[str] = []
    for resource in (*(statement.resource or ()), *(statement.not_resource or ())):
        keys.extend(variables_in(resource))
    for clause in statement.conditions:
        keys.append(clause.key)
        for value in clause.values:
            keys.extend(variables_in(value))
    return tuple(dict.fromkeys(keys))


def variables_in(text: str) -> list[str]:
    """``${aws:username}`` -> ``aws:username``; ``${*}``, ``${?}``, ``${$}`` are characters, and
    a default value (``${aws:username, 'x'}``) is not part of the name."""
    found = []
    for match in _VARIABLE.finditer(text):
        name = match.group(1).partition(",")[0].strip()
        if ":" in name:
            found.append(name)
    return found
