"""Evaluation cases in JSON form, as ``rolegate policy eval`` reads them (issue 3, part 5).

A case::

    {"policies": {"identity": [DOC, ...], "resource": DOC|null, "boundary": DOC|null,
                  "session": [DOC, ...]|null, "scps": [DOC, ...]|null},
     "principal_ids": {"arn:aws:iam::111122223333:user/bob": "AIDA..."},
     "request": {"principal": {"type": "...", "arn": "...", "account": "...",
                               "role_arn": "...", "user_arn": "...", "id": "...",
                               "unique_id": "..."},
                 "action": "s3:GetObject", "resource": "arn:...", "resource_account": "...",
                 "context": {"aws:SourceIp": "10.0.0.1", "aws:TagKeys": ["a", "b"]}}}

``DOC`` is a policy document as a JSON object or as its text. Policy ids (for ``matched``) are
the document's ``Id`` when it has one, else ``identity[0]``, ``resource``, ``boundary``,
``session[1]``, ``scps[0]``. ``principal_ids`` (optional) are the unique ids the resource
policy's user and role principals were bound to when it was stored (``rolegate.policy.principals``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from rolegate.domain.entities import PrincipalIds
from rolegate.policy.compile import CompiledPolicy, PolicyCompiler
from rolegate.policy.decision import Decision
from rolegate.policy.evaluate import PolicySet, evaluate
from rolegate.policy.request import PRINCIPAL_TYPES, ContextValue, Principal, Request


class CaseError(ValueError):
    """The case itself is not shaped as documented above."""


def evaluate_case(case: Mapping[str, Any], compiler: PolicyCompiler | None = None) -> Decision:
    """Compile the case's policies and decide its request."""
    if not isinstance(case, Mapping):
        raise CaseError("a case must be a JSON object")
    compiler = compiler or PolicyCompiler()
    return evaluate(request_from_json(case.get("request")), policies_from_json(case, compiler))


def policies_from_json(case: Mapping[str, Any], compiler: PolicyCompiler) -> PolicySet:
    policies = case.get("policies") or {}
    if not isinstance(policies, Mapping):
        raise CaseError('"policies" must be an object')
    unknown = set(policies) - {"identity", "resource", "boundary", "session", "scps"}
    if unknown:
        raise CaseError(f"unknown policy types: {', '.join(sorted(unknown))}")

    def one(doc: object, default_id: str, ids: PrincipalIds = ()) -> CompiledPolicy:
        text = doc if isinstance(doc, str) else json.dumps(doc)
        name = doc.get("Id") if isinstance(doc, Mapping) else None
        policy_id = name if isinstance(name, str) else default_id
        return compiler.compile(text, policy_id=policy_id, principal_ids=ids)

    def many(kind: str) -> tuple[CompiledPolicy, ...] | None:
        docs = policies.get(kind)
        if docs is None:
            return None
        if not isinstance(docs, list):
            raise CaseError(f'"{kind}" must be a list of documents')
        return tuple(one(doc, f"{kind}[{i}]") for i, doc in enumerate(docs))

    resource, boundary = policies.get("resource"), policies.get("boundary")
    return PolicySet(
        identity=many("identity") or (),
        resource=None if resource is None else one(resource, "resource", _principal_ids(case)),
        boundary=None if boundary is None else one(boundary, "boundary"),
        session=many("session"),
        scps=many("scps"),
    )


def request_from_json(request: object) -> Request:
    """The request of a case (module docstring). Written for speed, as callers may turn every
    request they decide into a ``Request`` this way: exact class checks for what JSON gives
    (``dict``, ``list``, ``str``), the general checks only for other types."""
    if request.__class__ is not dict and not isinstance(request, Mapping):
        raise CaseError('"request" must be an object')
    get = request.get
    principal = get("principal")
    if (principal.__class__ is not dict and not isinstance(principal, Mapping)) or principal.get(
        "type"
    ) not in PRINCIPAL_TYPES:
        raise CaseError(f'"principal" needs a "type" among {", ".join(PRINCIPAL_TYPES)}')
    field = principal.get
    who = Principal(
        principal["type"],
        _text(field("arn", ""), "principal.arn"),
        _optional_text(field("account"), "principal.account"),
        _optional_text(field("role_arn"), "principal.role_arn"),
        _optional_text(field("user_arn"), "principal.user_arn"),
        _optional_text(field("id"), "principal.id"),
        _optional_text(field("unique_id"), "principal.unique_id"),
    )
    context = get("context") or {}
    if context.__class__ is not dict and not isinstance(context, Mapping):
        raise CaseError('"context" must be an object')
    return Request(
        who,
        _text(get("action"), "action"),
        _text(get("resource", "*"), "resource"),
        _optional_text(get("resource_account"), "resource_account"),
        {
            k if k.__class__ is str else str(k): v if v.__class__ is str else _context_value(v)
            for k, v in context.items()
        },
    )


def _principal_ids(case: Mapping[str, Any]) -> PrincipalIds:
    ids = case.get("principal_ids") or {}
    if not isinstance(ids, Mapping):
        raise CaseError('"principal_ids" must be an object of ARNs and unique ids')
    return tuple((_text(arn, "principal_ids"), _text(i, "principal_ids")) for arn, i in ids.items())


def _text(value: object, name: str) -> str:
    if value.__class__ is not str and not isinstance(value, str):
        raise CaseError(f'"{name}" must be a string')
    return value


def _optional_text(value: object, name: str) -> str | None:
    return None if value is None else _text(value, name)


def _scalar(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise CaseError("context values are strings, numbers, booleans or lists of them")


def _context_value(value: object) -> ContextValue:
    if value.__class__ is list or (isinstance(value, Sequence) and not isinstance(value, str)):
        return [item if item.__class__ is str else _scalar(item) for item in value]
    return _scalar(value)
