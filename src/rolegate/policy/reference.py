"""A slow, straightforward reference evaluator: the oracle of the property tests and the baseline
of ``bench/policy_eval.py``.

It interprets the AST (``CompiledPolicy.document``) on every call, with a backtracking-free
dynamic-programming glob matcher instead of regexes, and follows docs/policy-evaluation.md step by
step
in plain ``if`` statements (sections 2-4). It shares only the typed value readers and the variable
template reader with the compiler.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rolegate.policy.ast import ConditionClause, PrincipalSet, Statement
from rolegate.policy.compile import CompiledPolicy
from rolegate.policy.decision import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Decision, MatchedStatement
from rolegate.policy.evaluate import PolicySet, resource_policy_required
from rolegate.policy.request import ContextValue, Principal, Request, lowered_context
from rolegate.policy.typed_values import (
    address_in,
    read_address,
    read_binary,
    read_bool,
    read_date,
    read_network,
    read_number,
)
from rolegate.policy.variables import VARIABLES_VERSION, parse_template, substitute

STAR, ONE = object(), object()  # wildcard tokens; every other token is one literal character
Token = object
Context = Mapping[str, ContextValue]


# --- wildcards -------------------------------------------------------------------------------
def tokens_of(pattern: str) -> list[Token]:
    return [STAR if c == "*" else ONE if c == "?" else c for c in pattern]


def glob_tokens_match(tokens: Sequence[Token], text: str) -> bool:
    """Classic DP: ``reach[j]`` = the first i tokens can produce ``text[:j]``."""
    reach = [True] + [False] * len(text)
    for token in tokens:
        if token is STAR:
            for j in range(1, len(text) + 1):
                reach[j] = reach[j] or reach[j - 1]
        else:
            for j in range(len(text), 0, -1):
                reach[j] = reach[j - 1] and (token is ONE or token == text[j - 1])
            reach[0] = False
    return reach[len(text)]


def glob_match(pattern: str, text: str) -> bool:
    return glob_tokens_match(tokens_of(pattern), text)


def arn_tokens_match(tokens: Sequence[Token], text: str) -> bool:
    """Six colon-delimited segments, each matched on its own; the sixth keeps its colons.

    A lone ``*`` matches every value.
    """
    if len(tokens) == 1 and tokens[0] is STAR:
        return True
    segments: list[list[Token]] = [[]]
    for token in tokens:
        if token == ":" and len(segments) < 6:
            segments.append([])
        else:
            segments[-1].append(token)
    parts = text.split(":", 5)
    if len(parts) != len(segments):
        return False
    return all(glob_tokens_match(seg, part) for seg, part in zip(segments, parts, strict=True))


def arn_match(pattern: str, text: str) -> bool:
    return arn_tokens_match(tokens_of(pattern), text)


def _template_tokens(value: str, context: Context, variables: bool) -> list[Token] | None:
    pieces = substitute(parse_template(value, variables_enabled=variables), context)
    if pieces is None:
        return None
    out: list[Token] = []
    for text, literal in pieces:
        out.extend(text if literal else tokens_of(text))
    return out


# --- statement elements ------------------------------------------------------------------------
def action_matches(statement: Statement, action: str) -> bool:
    if statement.action is not None:
        return any(glob_match(p.lower(), action.lower()) for p in statement.action)
    if statement.not_action is not None:
        return not any(glob_match(p.lower(), action.lower()) for p in statement.not_action)
    return False


def _pad(pattern: str) -> str:
    if pattern.startswith("arn:") and pattern.count(":") < 5:
        return pattern + ":*" * (5 - pattern.count(":"))
    return pattern


def _resource_listed(patterns: Sequence[str], resource: str, context: Context, var: bool) -> bool:
    for pattern in patterns:
        if pattern == "*":
            return True
        padded = _pad(pattern)
        head = ":".join(padded.split(":", 5)[:5]) + ":" if padded.count(":") >= 5 else ""
        tail = padded[len(head) :]
        tail_tokens = _template_tokens(tail, context, var)
        if tail_tokens is not None and arn_tokens_match(tokens_of(head) + tail_tokens, resource):
            return True
    return False


def resource_matches(statement: Statement, resource: str, context: Context, var: bool) -> bool:
    if statement.resource is not None:
        return _resource_listed(statement.resource, resource, context, var)
    if statement.not_resource is not None:
        return not _resource_listed(statement.not_resource, resource, context, var)
    return True


def _accounts_arns_ids(
    principals: PrincipalSet, bound: Mapping[str, str]
) -> tuple[set[str], set[str], set[str]]:
    """Named accounts, ARNs matched as written, and unique ids (bound ARNs, written ids)."""
    accounts, arns, ids = set(), set(), set()
    for value in principals.aws:
        parts = value.split(":")
        if value in bound:
            ids.add(bound[value])
        elif _is_unique_id(value):
            ids.add(value)
        elif len(value) == 12 and value.isdecimal():
            accounts.add(value)
        elif (
            len(parts) == 6
            and parts[0] == "arn"
            and parts[1]
            and parts[2:4] == ["iam", ""]
            and len(parts[4]) == 12
            and parts[4].isdecimal()
            and parts[5] == "root"
        ):
            accounts.add(parts[4])
        else:
            arns.add(value)
    ids.discard("")  # bound to a principal that was already gone: names no one
    return accounts, arns, ids


def _is_unique_id(value: str) -> bool:
    """A user's or role's unique id: AIDA or AROA, then at least 12 capitals and digits."""
    rest = value[4:]
    return value[:4] in ("AIDA", "AROA") and len(rest) >= 12 and all(c in _ID_CHARS for c in rest)


_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def principal_grant(
    principals: PrincipalSet, who: Principal, bound: Mapping[str, str] | None = None
) -> int:
    """0 = not named, 1 = account named, 2 = role / federating user named, 3 = caller named."""
    if principals.wildcard or "*" in principals.aws:
        return 3
    accounts, arns, ids = _accounts_arns_ids(principals, bound or {})
    if who.type == "service":
        return 3 if who.arn in principals.service else 0
    if who.type in ("web_identity", "saml"):
        return 3 if who.arn in principals.federated else 0
    if who.type == "anonymous":
        return 0
    if who.arn in arns or (who.type == "root" and who.account in accounts):
        return 3
    if who.unique_id in ids:
        return 3 if who.type == "user" else 2
    if who.type == "role_session" and who.role_arn in arns:
        return 2
    if who.type == "federated_user" and who.user_arn in arns:
        return 2
    if who.account in accounts or (who.id is not None and who.id in principals.canonical_user):
        return 1
    return 0


def principal_excepted(
    principals: PrincipalSet, who: Principal, bound: Mapping[str, str] | None = None
) -> bool:
    if principals.wildcard or "*" in principals.aws:
        return True
    accounts, arns, ids = _accounts_arns_ids(principals, bound or {})
    if who.type == "service":
        return who.arn in principals.service
    if who.type in ("web_identity", "saml"):
        return who.arn in principals.federated
    if who.type == "anonymous":
        return False
    if who.type == "root":
        return who.account in accounts or who.arn in arns
    if who.type == "user":
        return who.account in accounts and (who.arn in arns or who.unique_id in ids)
    if who.type == "role_session":
        role_named = who.role_arn in arns or who.unique_id in ids
        return who.account in accounts and who.arn in arns and role_named
    return who.account in accounts and who.arn in arns


# --- conditions --------------------------------------------------------------------------------
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnEquals",
}
_ORDER = {"Equals": "==", "LessThan": "<", "LessThanEquals": "<=", "GreaterThan": ">"}
_ORDER["GreaterThanEquals"] = ">="


def _compare(left: Any, sign: str, right: Any) -> bool:
    if sign == "==":
        return bool(left == right)
    if sign == "<":
        return bool(left < right)
    if sign == "<=":
        return bool(left <= right)
    if sign == ">":
        return bool(left > right)
    return bool(left >= right)


def _value_matches(base: str, value: str, wanted: str, context: Context, var: bool) -> bool:
    """One request value against one policy value under a positive base operator."""
    if base in ("StringEquals", "StringEqualsIgnoreCase", "Bool"):
        tokens = _template_tokens(wanted, context, var)
        if tokens is None:
            return False
        text = "".join(t if isinstance(t, str) else "*" if t is STAR else "?" for t in tokens)
        if base == "StringEquals":
            return value == text
        if base == "StringEqualsIgnoreCase":
            return value.lower() == text.lower()
        return read_bool(value) is not None and read_bool(value) == read_bool(text)
    if base in ("StringLike", "ArnEquals", "ArnLike"):
        tokens = _template_tokens(wanted, context, var)
        if tokens is None:
            return False
        if base == "StringLike":
            return glob_tokens_match(tokens, value)
        return arn_tokens_match(tokens, value)
    for family, read in (("Numeric", read_number), ("Date", read_date)):
        if base.startswith(family):
            left, right = read(value), read(wanted)
            sign = _ORDER[base[len(family) :]]
            return left is not None and right is not None and _compare(left, sign, right)
    if base == "IpAddress":
        address, network = read_address(value), read_network(wanted)
        return address is not None and network is not None and address_in(address, network)
    if base == "BinaryEquals":
        return read_binary(value) == read_binary(wanted)
    raise ValueError(f"unknown condition operator {base}")


def condition_holds(clause: ConditionClause, context: Context, var: bool) -> bool:
    name = clause.operator
    set_op = None
    for prefix in ("ForAllValues:", "ForAnyValue:"):
        if name.startswith(prefix):
            set_op, name = prefix[:-1], name[len(prefix) :]
    if_exists = name.endswith("IfExists") and name != "IfExists"
    if if_exists:
        name = name[: -len("IfExists")]
    raw = context.get(clause.key.lower())
    missing = raw is None or (not isinstance(raw, str) and len(raw) == 0)  # or an empty set
    # An empty string is a null data set for the set operators and Null (4.4, 4.6), and a value
    # like any other for the plain operators (StringLike "" matches it).
    null = missing or raw == ""
    if name == "Null":
        return any(read_bool(v) == ("true" if null else "false") for v in clause.values)
    negated = name in _NEGATED
    base = _NEGATED.get(name, name)
    v = var and (base.startswith(("String", "Arn")) or base == "Bool")

    def passes(value: str) -> bool:
        hit = any(_value_matches(base, value, wanted, context, v) for wanted in clause.values)
        return not hit if negated else hit

    if set_op is None:
        if missing:
            return if_exists or negated
        assert raw is not None
        if not isinstance(raw, str) and len(raw) > 1:
            return False
        return passes(raw if isinstance(raw, str) else raw[0])
    if null:
        return set_op == "ForAllValues" or if_exists
    assert raw is not None
    values = [raw] if isinstance(raw, str) else list(raw)
    if set_op == "ForAllValues":
        return all(passes(value) for value in values)
    return any(passes(value) for value in values)


# --- the algorithm -----------------------------------------------------------------------------
def _applies(statement: Statement, request: Request, context: Context, var: bool) -> bool:
    return (
        action_matches(statement, request.action)
        and resource_matches(statement, request.resource, context, var)
        and all(condition_holds(c, context, var) for c in statement.conditions)
    )


def _scan(
    kind: str, policies: Sequence[CompiledPolicy], request: Request, context: Context
) -> tuple[list[MatchedStatement], bool, bool, int]:
    """(matched, any Deny, any Allow, strongest principal grant of an Allow)."""
    matched, deny, allow, grant = [], False, False, 0
    for policy in policies:
        document = policy.document
        if document is None:
            raise ValueError("the reference evaluator needs documents (keep_documents=True)")
        var = document.version == VARIABLES_VERSION
        bound = dict(policy.principal_ids)
        for st in document.statements:
            if not _applies(st, request, context, var):
                continue
            named = 3
            if kind == "resource":
                if st.principal is not None:
                    named = principal_grant(st.principal, request.principal, bound)
                elif st.not_principal is not None and st.effect == "Deny":
                    excepted = principal_excepted(st.not_principal, request.principal, bound)
                    named = 0 if excepted else 3
                elif st.not_principal is not None:  # Allow: not to anyone the list names
                    listed = principal_grant(st.not_principal, request.principal, bound)
                    named = 0 if listed else 3
                else:
                    named = 0
                if named == 0:
                    continue
            matched.append(MatchedStatement(kind, policy.policy_id, st.sid, st.index, st.effect))
            if st.effect == "Deny":
                deny = True
            else:
                allow = True
                grant = max(grant, named)
    return matched, deny, allow, grant


def reference_evaluate(request: Request, policies: PolicySet) -> Decision:
    """The same decision as :func:`rolegate.policy.evaluate.evaluate`, computed naively."""
    context = lowered_context(request)
    who = request.principal
    is_session = who.type in ("role_session", "federated_user")
    kinds = {
        "identity": list(policies.identity),
        "resource": [policies.resource] if policies.resource else [],
        "boundary": [policies.boundary] if policies.boundary else [],
        "session": list(policies.session or ()) if is_session else [],
        "scp": list(policies.scps or ()),
    }
    matched: list[MatchedStatement] = []
    deny = False
    allows: dict[str, bool] = {}
    grant = 0
    for kind, group in kinds.items():
        found, kind_deny, kind_allow, kind_grant = _scan(kind, group, request, context)
        matched += found
        deny = deny or kind_deny
        allows[kind] = kind_allow
        if kind == "resource":
            grant = kind_grant
    # Step 2: an explicit deny anywhere wins.
    if deny:
        return Decision(EXPLICIT_DENY, tuple(matched))
    non_iam = who.type in ("service", "anonymous", "web_identity", "saml")
    # Step 3: SCPs, when present, must allow (principals of the organization only).
    if kinds["scp"] and not allows["scp"] and not non_iam:
        return Decision(IMPLICIT_DENY, tuple(matched), ("scp",))
    cross = (
        request.resource_account is not None
        and who.account is not None
        and request.resource_account != who.account
    )
    if who.type == "root" and not cross:
        return Decision(ALLOW, tuple(matched))
    if non_iam:
        return Decision(
            ALLOW if grant else IMPLICIT_DENY, tuple(matched), () if grant else ("resource",)
        )
    missing = []
    if not allows["identity"]:
        missing.append("identity")
    if kinds["boundary"] and not allows["boundary"]:
        missing.append("boundary")
    session_needed = bool(kinds["session"]) or who.type == "federated_user"
    if session_needed and not allows["session"]:
        missing.append("session")
    if who.type == "root":  # full access in its own account
        missing = []
    if cross:
        if not grant:
            return Decision(IMPLICIT_DENY, tuple(matched), ("resource", *missing))
        return Decision(IMPLICIT_DENY if missing else ALLOW, tuple(matched), tuple(missing))
    if grant == 3:
        return Decision(ALLOW, tuple(matched))
    if grant == 2:
        limits = tuple(m for m in missing if m != "identity")
        return Decision(IMPLICIT_DENY if limits else ALLOW, tuple(matched), limits)
    if resource_policy_required(request.action.lower()) and not grant:
        return Decision(IMPLICIT_DENY, tuple(matched), ("resource", *missing))
    return Decision(IMPLICIT_DENY if missing else ALLOW, tuple(matched), tuple(missing))
