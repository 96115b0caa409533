"""The IAM policy simulator: ``SimulatePrincipalPolicy``, ``SimulateCustomPolicy``,
``GetContextKeysForPrincipalPolicy`` and ``GetContextKeysForCustomPolicy``
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_testing-policies.html).

Authorization as IAM does it: ``iam:SimulatePrincipalPolicy`` and
``iam:GetContextKeysForPrincipalPolicy`` on the ``PolicySourceArn`` (the user, group or role
whose policies they disclose), the ``Custom`` pair on ``*`` (their policies come with the
request). Then the entity (``NoSuchEntity``), the inputs (``InvalidInput``), and the simulation
by the engine every request is authorized with (:mod:`.run`).
"""

from __future__ import annotations

from collections.abc import Sequence

from rolegate.catalog.operator_services import service_reference
from rolegate.domain.errors import (
    InvalidInput,
    MalformedPolicyDocument,
    PolicyEvaluation,
)
from rolegate.policy import PolicyKind, validate_policy
from rolegate.policy.compile import CompiledPolicy, PolicyCompiler
from rolegate.policy.evaluate import PolicySet
from rolegate.services._pagination import DEFAULT_MAX_ITEMS, page_by_position
from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam.simulator import inputs
from rolegate.services.iam.simulator.entities import caller_id, load_source, simulated_principal
from rolegate.services.iam.simulator.inputs import IamEntity
from rolegate.services.iam.simulator.run import Simulation, simulate, statement_keys
from rolegate.services.iam.simulator.sources import (
    SourcePolicy,
    exclusions,
    input_policies,
)

# Compiled simulation policies by content hash (the same documents are simulated again and again).
_COMPILER = PolicyCompiler(max_entries=2048)
# Work one page may do, in statements x resources per action: ActionNames times ResourceArns
# times statements grows faster than the request, so a large simulation comes in shorter pages
# ("IAM might return fewer results, even when there are more results available", MaxItems).
WORK_PER_PAGE = 1_000_000


def _checked(policies: list[SourcePolicy], kind: PolicyKind) -> list[SourcePolicy]:
    """Documents given with the request must be valid policies of their kind."""
    for policy in policies:
        try:
            validate_policy(policy.text, kind)
        except MalformedPolicyDocument as exc:
            raise InvalidInput(exc.message) from None  # unverified: IAM's code for it
    return policies


def _compile(policy: SourcePolicy, engine_id: str) -> CompiledPolicy:
    try:
        return _COMPILER.compile(policy.text, policy_id=engine_id)
    except MalformedPolicyDocument as exc:
        raise PolicyEvaluation(
            f"The policy {policy.policy_id} could not be evaluated: {exc.message}"  # unverified
        ) from None


def _run(
    ctx: OperationContext,
    params: Params,
    identity: list[SourcePolicy],
    boundary: SourcePolicy | None,
    principal_entity: IamEntity | None,
    unique_id: str | None,
    *,
    custom: bool,
) -> Result:
    actions = inputs.action_names(params["ActionNames"], wildcards=not custom)
    resources = inputs.resource_arns(params.get("ResourceArns"))
    inputs.resource_handling(params.get("ResourceHandlingOption"), resources or [])
    owner_text = params.get("ResourceOwner")
    owner = inputs.resource_owner(owner_text)
    if owner_text is not None and principal_entity is not None and principal_entity.kind == "role":
        raise inputs.not_a_resource_owner(owner_text)  # roles take no resource policy
    context = inputs.context_entries(params.get("ContextEntries"))
    resource_text = params.get("ResourcePolicy")
    resource: SourcePolicy | None = None
    if resource_text is not None:
        if principal_entity is None or principal_entity.kind != "user":
            raise InvalidInput(  # unverified
                "CallerArn must name an IAM user when a ResourcePolicy is given."
            )
        resource = _checked(
            [SourcePolicy("ResourcePolicy", "resource", resource_text)], PolicyKind.RESOURCE
        )[0]
    sources: dict[str, SourcePolicy] = {}

    def compiled(policy: SourcePolicy) -> CompiledPolicy:
        engine_id = str(len(sources))
        sources[engine_id] = policy
        return _compile(policy, engine_id)

    levels = params.get("OrderedOrganizationPolicyInputList") or ()
    organization = tuple(
        PolicySet(
            identity=tuple(
                compiled(p)
                for p in _checked(
                    input_policies(
                        f"OrderedOrganizationPolicyInputList.{number}.ServiceControlPolicyInputList",
                        level.get("ServiceControlPolicyInputList"),
                    ),
                    PolicyKind.SCP,
                )
            )
        )
        for number, level in enumerate(levels, start=1)
    )
    policy_set = PolicySet(
        identity=tuple(compiled(p) for p in identity),
        resource=compiled(resource) if resource is not None else None,
        boundary=compiled(boundary) if boundary is not None else None,
    )
    simulation = Simulation(
        policy_set,
        sources,
        simulated_principal(ctx, principal_entity, unique_id),
        context,
        owner,
        service_reference(),
        named_principal=principal_entity is not None,
        organization=organization,
    )
    numbered = [str(i) for i in range(len(actions))]
    statements = sum(len(p.statements) for p in _every_policy(policy_set, organization))
    per_action = len(resources or "*") * max(1, statements)
    max_items = min(
        params.get("MaxItems") or DEFAULT_MAX_ITEMS, max(1, WORK_PER_PAGE // per_action)
    )
    page = page_by_position(numbered, "EvaluationResults", {**params, "MaxItems": max_items})
    chosen = [actions[int(i)] for i in page["EvaluationResults"]]
    page["EvaluationResults"] = simulate(simulation, chosen, resources)
    return page


def _every_policy(policies: PolicySet, organization: tuple[PolicySet, ...]) -> list[CompiledPolicy]:
    found = [*policies.identity, *(p for p in (policies.resource, policies.boundary) if p)]
    return found + [p for level in organization for p in level.identity]


def _one_boundary(params: Params) -> SourcePolicy | None:
    given = input_policies(
        "PermissionsBoundaryPolicyInputList", params.get("PermissionsBoundaryPolicyInputList")
    )
    if len(given) > 1:
        raise InvalidInput(  # unverified
            "PermissionsBoundaryPolicyInputList takes only one permissions boundary policy."
        )
    return _checked(given, PolicyKind.BOUNDARY)[0] if given else None


def simulate_principal_policy(ctx: OperationContext, params: Params) -> Result:
    source = inputs.policy_source(params["PolicySourceArn"])
    ctx.authorize("iam:SimulatePrincipalPolicy", source.arn)
    stored = load_source(ctx, source)
    excluded = exclusions(params.get("PolicyExclusionList"))
    identity = [p for p in stored.identity if not excluded.excludes(p)]
    identity += _checked(
        input_policies("PolicyInputList", params.get("PolicyInputList")), PolicyKind.IDENTITY
    )
    boundary = _one_boundary(params) or stored.boundary
    if (
        boundary is not None
        and boundary is stored.boundary
        and excluded.excludes(boundary, boundary=True)
    ):
        boundary = None
    caller_arn = params.get("CallerArn")
    if caller_arn is not None:
        caller = inputs.caller_entity(caller_arn)
        return _run(ctx, params, identity, boundary, caller, caller_id(ctx, caller), custom=False)
    return _run(ctx, params, identity, boundary, source, stored.unique_id, custom=False)


def simulate_custom_policy(ctx: OperationContext, params: Params) -> Result:
    ctx.authorize("iam:SimulateCustomPolicy", "*")
    identity = _checked(
        input_policies("PolicyInputList", params["PolicyInputList"]), PolicyKind.IDENTITY
    )
    boundary = _one_boundary(params)
    caller_arn = params.get("CallerArn")
    caller = inputs.caller_entity(caller_arn) if caller_arn is not None else None
    unique_id = caller_id(ctx, caller) if caller is not None else None
    return _run(ctx, params, identity, boundary, caller, unique_id, custom=True)


def _context_keys(policies: Sequence[SourcePolicy]) -> Result:
    """Every context key the policies read, in the order they appear, each once."""
    names: dict[str, str] = {}
    for policy in policies:
        document = _COMPILER.compile(policy.text, policy_id=policy.policy_id).document
        for statement in document.statements if document is not None else ():
            for key in statement_keys(statement):
                names.setdefault(key.lower(), key)
    return {"ContextKeyNames": list(names.values())}


def get_context_keys_for_principal_policy(ctx: OperationContext, params: Params) -> Result:
    source = inputs.policy_source(params["PolicySourceArn"])
    ctx.authorize("iam:GetContextKeysForPrincipalPolicy", source.arn)
    stored = load_source(ctx, source)
    given = _checked(
        input_policies("PolicyInputList", params.get("PolicyInputList")), PolicyKind.IDENTITY
    )
    return _context_keys([*stored.identity, *given])


def get_context_keys_for_custom_policy(ctx: OperationContext, params: Params) -> Result:
    ctx.authorize("iam:GetContextKeysForCustomPolicy", "*")
    given = _checked(
        input_policies("PolicyInputList", params["PolicyInputList"]), PolicyKind.IDENTITY
    )
    return _context_keys(given)


HANDLERS: dict[str, Handler] = {
    "SimulatePrincipalPolicy": simulate_principal_policy,
    "SimulateCustomPolicy": simulate_custom_policy,
    "GetContextKeysForPrincipalPolicy": get_context_keys_for_principal_policy,
    "GetContextKeysForCustomPolicy": get_context_keys_for_custom_policy,
}
