"""Hypothesis strategies for policy documents, principals and requests (small vocabularies, so
that generated statements often apply and decisions vary)."""

from __future__ import annotations

from hypothesis import strategies as st

from rolegate.policy.ast import ConditionClause, PolicyDocument, Position, PrincipalSet, Statement
from rolegate.policy.compile import CompiledPolicy, PolicyCompiler
from rolegate.policy.evaluate import PolicySet
from rolegate.policy.request import Principal, Request

ACCT_A, ACCT_B = "111122223333", "444455556666"
ROLE_A = f"arn:aws:iam::{ACCT_A}:role/app"
ALICE = f"arn:aws:iam::{ACCT_A}:user/alice"
# Unique ids: alice and role app, and the user and role re-created under the same names.
ALICE_ID, NEW_ALICE_ID = "AIDAALICE00000000", "AIDAALICE11111111"
APP_ID, NEW_APP_ID = "AROAAPP000000000", "AROAAPP111111111"
PRINCIPALS = (
    Principal("user", ALICE, ACCT_A, id=ALICE_ID, unique_id=ALICE_ID),
    Principal("user", ALICE, ACCT_A, id=NEW_ALICE_ID, unique_id=NEW_ALICE_ID),
    Principal("user", f"arn:aws:iam::{ACCT_B}:user/bob", ACCT_B, id="AIDABOB", unique_id="AIDABOB"),
    Principal(
        "role_session",
        f"arn:aws:sts::{ACCT_A}:assumed-role/app/s1",
        ACCT_A,
        role_arn=ROLE_A,
        id=f"{APP_ID}:s1",
        unique_id=APP_ID,
    ),
    Principal(
        "role_session",
        f"arn:aws:sts::{ACCT_A}:assumed-role/app/s1",
        ACCT_A,
        role_arn=ROLE_A,
        id=f"{NEW_APP_ID}:s1",
        unique_id=NEW_APP_ID,
    ),
    Principal(
        "federated_user",
        f"arn:aws:sts::{ACCT_A}:federated-user/fed",
        ACCT_A,
        user_arn=ALICE,
        unique_id=ALICE_ID,
    ),
    Principal("root", f"arn:aws:iam::{ACCT_A}:root", ACCT_A),
    Principal("root", f"arn:aws:iam::{ACCT_B}:root", ACCT_B),
    Principal("service", "ec2.amazonaws.com"),
    Principal("anonymous", "*"),
    Principal("web_identity", "accounts.google.com"),
)
PRINCIPAL_VALUES = (
    "*",
    ACCT_A,
    ACCT_B,
    f"arn:aws:iam::{ACCT_A}:root",
    ALICE,
    f"arn:aws:iam::{ACCT_B}:user/bob",
    ROLE_A,
    f"arn:aws:sts::{ACCT_A}:assumed-role/app/s1",
    f"arn:aws:sts::{ACCT_A}:federated-user/fed",
    f"arn:aws:iam::{ACCT_A}:user/*",
    ALICE_ID,
    APP_ID,
)
# How a stored resource policy's principals may have been bound (rolegate.policy.principals):
# not at all, to the principal of the ARN, to one re-created since, to one already gone.
PRINCIPAL_ID_BINDINGS = (
    (),
    ((ALICE, ALICE_ID),),
    ((ALICE, NEW_ALICE_ID), (ROLE_A, APP_ID)),
    ((ALICE, ""), (ROLE_A, NEW_APP_ID)),
)
ACTIONS = (
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "iam:CreateUser",
    "sts:AssumeRole",
    "kms:Decrypt",
)
ACTION_PATTERNS = (*ACTIONS, "s3:Get*", "S3:getobject", "*", "s3:*", "*:*Object", "s3:?utObject")
RESOURCES = (
    "arn:aws:s3:::bucket/alice/x.txt",
    "arn:aws:s3:::bucket/bob/y:z",
    "arn:aws:s3:::other",
    ALICE,
    ROLE_A,
    "*",
)
RESOURCE_PATTERNS = (
    *RESOURCES,
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::bucket/${aws:username}/*",
    "arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'alice'}/*",
    "arn:aws:s3:::bucket/?ob/*",
    "arn:aws:s3:::*",
    "arn:*:s3:::bucket/*",
    "arn:aws:*:*:*:*",
    f"arn:aws:iam::{ACCT_A}:*",
    "arn:aws:s3",
    "arn:aws:s3:::bucket/${*}",
)
CONTEXT_VALUES = {
    "aws:SourceIp": st.sampled_from(["10.0.0.1", "192.168.1.9", "2001:db8::1", "bogus"]),
    "aws:TagKeys": st.lists(st.sampled_from(["a", "b", "c*"]), max_size=3),
    "aws:PrincipalTag/team": st.sampled_from(["alice", "bob", "*", ""]),
    "aws:CurrentTime": st.sampled_from(
        ["2024-01-01T00:00:00Z", "2030-06-01T12:00:00Z", "1700000000"]
    ),
    "s3:max-keys": st.sampled_from(["5", "10", "10.0", "x"]),
    "aws:SecureTransport": st.sampled_from(["true", "false", "TRUE", "yes"]),
    "aws:SourceArn": st.sampled_from([ROLE_A, "arn:aws:s3:::bucket/alice/x.txt", "nope"]),
    "k:bin": st.sampled_from(["aGVsbG8=", "d29ybGQ=", "raw"]),
}
OPERATOR_VALUES = {
    "String": ("StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringLike"),
    "Numeric": ("NumericEquals", "NumericLessThan", "NumericGreaterThanEquals", "NumericNotEquals"),
    "Date": ("DateLessThan", "DateGreaterThan", "DateEquals", "DateNotEquals"),
}
CONDITION_CHOICES = (
    ("StringEquals", "aws:PrincipalTag/team", ("alice", "${aws:username}", "*")),
    ("StringNotEquals", "aws:PrincipalTag/team", ("alice", "bob")),
    ("StringEqualsIgnoreCase", "aws:PrincipalTag/TEAM", ("ALICE",)),
    ("StringLike", "aws:TagKeys", ("a", "c${*}", "?")),
    ("StringNotLike", "aws:PrincipalTag/team", ("a*",)),
    ("ForAllValues:StringEquals", "aws:TagKeys", ("a", "b")),
    ("ForAnyValue:StringLike", "aws:TagKeys", ("c*",)),
    ("ForAllValues:StringNotLike", "aws:TagKeys", ("a*",)),
    ("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", ("b",)),
    ("NumericLessThan", "s3:max-keys", ("10",)),
    ("NumericNotEquals", "s3:max-keys", ("10", "5")),
    ("NumericGreaterThanEqualsIfExists", "s3:max-keys", ("10",)),
    ("DateLessThan", "aws:CurrentTime", ("2025-01-01T00:00:00Z",)),
    ("DateGreaterThan", "aws:CurrentTime", ("1600000000",)),
    ("DateNotEquals", "aws:CurrentTime", ("2024-01-01",)),
    ("Bool", "aws:SecureTransport", ("true",)),
    ("BoolIfExists", "aws:SecureTransport", ("false",)),
    ("IpAddress", "aws:SourceIp", ("10.0.0.0/8", "2001:db8::/32")),
    ("NotIpAddress", "aws:SourceIp", ("10.0.0.0/8",)),
    ("NotIpAddressIfExists", "aws:SourceIp", ("192.168.0.0/16",)),
    ("ArnLike", "aws:SourceArn", ("arn:aws:iam::*:role/*",)),
    ("ArnNotEquals", "aws:SourceArn", (ROLE_A,)),
    ("ArnLike", "aws:SourceArn", ("*",)),
    ("Null", "aws:SourceIp", ("true",)),
    ("Null", "aws:TagKeys", ("false",)),
    ("BinaryEquals", "k:bin", ("aGVsbG8=",)),
    ("StringLikeIfExists", "aws:username", ("a*",)),
)
_POSITION = Position(1, 1)


def _maybe_tuple(pool: tuple[str, ...]) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(pool), min_size=1, max_size=3).map(tuple)


conditions = st.lists(
    st.sampled_from(CONDITION_CHOICES).map(lambda c: ConditionClause(c[0], c[1], c[2], _POSITION)),
    max_size=2,
).map(tuple)

principal_sets = st.builds(
    lambda values: PrincipalSet(
        wildcard=values == ("*",),
        aws=tuple(v for v in values if v != "svc" and v != "web"),
        service=("ec2.amazonaws.com",) if "svc" in values else (),
        federated=("accounts.google.com",) if "web" in values else (),
    ),
    _maybe_tuple((*PRINCIPAL_VALUES, "svc", "web")),
)


@st.composite
def statements(draw: st.DrawFn, *, resource_policy: bool, effect: str | None = None) -> Statement:
    use_not_action = draw(st.booleans()) and draw(st.booleans())
    actions = draw(_maybe_tuple(ACTION_PATTERNS))
    resource_mode = draw(st.sampled_from(["resource", "resource", "not_resource", "none"]))
    resources = draw(_maybe_tuple(RESOURCE_PATTERNS))
    principal = not_principal = None
    if resource_policy:
        if draw(st.integers(0, 4)) == 0:
            not_principal = draw(principal_sets)
        else:
            principal = draw(principal_sets)
    return Statement(
        index=0,
        sid=None,
        effect=effect or draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        principal=principal,
        not_principal=not_principal,
        action=None if use_not_action else actions,
        not_action=actions if use_not_action else None,
        resource=resources if resource_mode == "resource" else None,
        not_resource=resources if resource_mode == "not_resource" else None,
        conditions=draw(conditions),
        position=_POSITION,
    )


def document(
    items: list[Statement], version: str | None = "2012-10-17", name: str | None = None
) -> PolicyDocument:
    numbered = tuple(
        Statement(
            i,
            f"S{i}",
            s.effect,
            s.principal,
            s.not_principal,
            s.action,
            s.not_action,
            s.resource,
            s.not_resource,
            s.conditions,
            s.position,
        )
        for i, s in enumerate(items)
    )
    return PolicyDocument(version, name, numbered, source="")


@st.composite
def documents(draw: st.DrawFn, *, resource_policy: bool = False) -> PolicyDocument:
    items = draw(st.lists(statements(resource_policy=resource_policy), min_size=1, max_size=4))
    version = draw(st.sampled_from(["2012-10-17", "2012-10-17", None]))
    return document(items, version, name=f"P{draw(st.integers(0, 2**32))}")


@st.composite
def policy_docs(draw: st.DrawFn) -> dict[str, object]:
    """Documents per policy type (before compilation)."""
    return {
        "identity": draw(st.lists(documents(), max_size=3)),
        "resource": draw(st.none() | documents(resource_policy=True)),
        "resource_ids": draw(st.sampled_from(PRINCIPAL_ID_BINDINGS)),
        "boundary": draw(st.none() | documents()),
        "session": draw(st.none() | st.lists(documents(), min_size=1, max_size=2)),
        "scps": draw(st.none() | st.lists(documents(), min_size=1, max_size=1)),
    }


def compile_set(
    docs: dict[str, object], compiler: PolicyCompiler | None = None, *, strategy: str = "auto"
) -> PolicySet:
    compiler = compiler or PolicyCompiler()

    def one(kind: str, i: int, doc: PolicyDocument) -> CompiledPolicy:
        ids = docs.get("resource_ids", ()) if kind == "resource" else ()
        assert isinstance(ids, tuple)
        return compiler.compile(doc, policy_id=doc.id or f"{kind}-{i}", principal_ids=ids)

    def many(kind: str) -> tuple[CompiledPolicy, ...] | None:
        value = docs[kind]
        if value is None:
            return None
        assert isinstance(value, list)
        return tuple(one(kind, i, d) for i, d in enumerate(value))

    resource, boundary = docs["resource"], docs["boundary"]
    assert resource is None or isinstance(resource, PolicyDocument)
    assert boundary is None or isinstance(boundary, PolicyDocument)
    return PolicySet(
        identity=many("identity") or (),
        resource=one("resource", 0, resource) if resource else None,
        boundary=one("boundary", 0, boundary) if boundary else None,
        session=many("session"),
        scps=many("scps"),
        strategy=strategy,
    )


@st.composite
def requests(draw: st.DrawFn) -> Request:
    context = {}
    for key, values in CONTEXT_VALUES.items():
        if draw(st.booleans()):
            context[key] = draw(values)
    return Request(
        principal=draw(st.sampled_from(PRINCIPALS)),
        action=draw(st.sampled_from((*ACTIONS, "S3:GETOBJECT"))),
        resource=draw(st.sampled_from(RESOURCES)),
        resource_account=draw(st.sampled_from([ACCT_A, ACCT_A, ACCT_B, None])),
        context=context,
    )
