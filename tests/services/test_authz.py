"""The engine-backed RequestAuthorizer and evaluate_trust over a real (SQLite) store."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from rolegate.auth.keyring import KeyRing
from rolegate.domain.arn import assumed_role_arn, role_arn, root_arn, user_arn
from rolegate.domain.caller import Caller
from rolegate.domain.entities import Account, InlinePolicy, Role, Tag, User
from rolegate.domain.errors import (
    AccessDenied,
    InvalidAuthorizationMessage,
    InvalidClientTokenId,
    ServiceFailure,
)
from rolegate.domain.mfa import MfaDevice
from rolegate.domain.session import SessionClaims, SessionKind
from rolegate.policy.compile import PolicyCompiler
from rolegate.services.authz.authorizer import PolicyDenied, RequestAuthorizer, evaluate_trust
from rolegate.services.authz.messages import AuthorizationMessages
from rolegate.services.authz.principal_policies import PolicySetCache, gather
from rolegate.services.context import OperationContext
from rolegate.services.iam import install_aws_managed_policies, load_aws_managed_policies
from rolegate.store import Store, Tx

A = "111111111111"
B = "222222222222"
NOW = datetime(2026, 11, 28, 2, 0, 0, tzinfo=UTC)
ISSUED = NOW - timedelta(minutes=10)


class _PlainSealer:
    def seal(self, plaintext: bytes, *, purpose: str, aad: bytes = b"") -> bytes:
        return plaintext

    def open(self, sealed: bytes, *, purpose: str, aad: bytes = b"") -> bytes:
        return sealed


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'authz.db'}", sealer=_PlainSealer())
    with opened.transaction() as tx:
        tx.accounts.create(Account(A, NOW))
        tx.accounts.create(Account(B, NOW))
        install_aws_managed_policies(tx, load_aws_managed_policies())
    yield opened
    opened.close()


def make_role(
    tx: Tx,
    name: str,
    *,
    account: str = A,
    trust: str | None = None,
    policies: tuple[str, ...] = (),
    boundary: str | None = None,
    tags: tuple[Tag, ...] = (),
) -> Role:
    role = Role(
        account_id=account,
        role_id="AROA" + secrets.token_hex(8).upper(),
        role_name=name,
        path="/",
        arn=role_arn(account, "/", name),
        create_date=NOW,
        assume_role_policy_document=trust or doc(),
        permissions_boundary_arn=boundary,
        tags=tags,
    )
    tx.roles.create(role)
    for i, policy in enumerate(policies):
        tx.role_policies.put(role.role_id, InlinePolicy(f"p{i}", policy))
    return role


def session_of(role: Role, name: str = "s1", **claims: Any) -> Caller:
    session = SessionClaims(
        kind=SessionKind.ROLE,
        account_id=role.account_id,
        access_key_id="ASIA" + "X" * 16,
        secret_access_key="secret",
        issued_at=claims.pop("issued_at", ISSUED),
        expires_at=NOW + timedelta(hours=1),
        principal_arn=assumed_role_arn(role.account_id, role.role_name, name),
        principal_id=f"{role.role_id}:{name}",
        role_arn=role.arn,
        role_id=role.role_id,
        session_name=name,
        **claims,
    )
    return Caller(
        role.account_id,
        "role_session",
        session.principal_arn,
        session.principal_id,
        access_key_id=session.access_key_id,
        session=session,
    )


def authorizer(tx: Tx, caller: Caller, **kwargs: Any) -> RequestAuthorizer:
    return RequestAuthorizer(
        caller=caller,
        now=NOW,
        tx=tx,
        compiler=PolicyCompiler(),
        source_ip="10.1.2.3",
        secure_transport=True,
        region="us-east-1",
        **kwargs,
    )


def denied(fn: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(AccessDenied) as info:
        fn(*args, **kwargs)
    return info.value.message


def test_role_session_gets_exactly_what_its_role_policy_allows(store: Store) -> None:
    with store.transaction() as tx:
        role = make_role(
            tx, "reader", policies=(doc(allow("iam:GetRole", f"arn:aws:iam::{A}:role/*")),)
        )
        caller = session_of(role)
        auth = authorizer(tx, caller)
        auth.require("iam:GetRole", role.arn)
        message = denied(auth.require, "iam:CreateRole", role_arn(A, "/", "new"))
    assert message == (
        f"User: {caller.arn} is not authorized to perform: iam:CreateRole on resource: "
        f"arn:aws:iam::{A}:role/new because no identity-based policy allows the iam:CreateRole "
        "action"
    )


def test_explicit_deny_names_the_identity_policy(store: Store) -> None:
    with store.transaction() as tx:
        role = make_role(tx, "r", policies=(doc(allow("iam:*")), doc(deny("iam:DeleteRole"))))
        auth = authorizer(tx, session_of(role))
        auth.require("iam:GetRole", role.arn)
        message = denied(auth.require, "iam:DeleteRole", role.arn)
    assert message.endswith(
        f"iam:DeleteRole on resource: {role.arn} with an explicit deny in an identity-based policy"
    )


def test_session_policy_only_narrows(store: Store) -> None:
    with store.transaction() as tx:
        role = make_role(tx, "r", policies=(doc(allow("iam:Get*")),))
        session_policy = doc(allow(["iam:GetRole", "iam:CreateRole"]))
        auth = authorizer(tx, session_of(role, session_policy=session_policy))
        auth.require("iam:GetRole", role.arn)
        narrowed = denied(auth.require, "iam:GetRolePolicy", role.arn)
        not_widened = denied(auth.require, "iam:CreateRole", role.arn)
    assert narrowed.endswith("because no session policy allows the iam:GetRolePolicy action")
    assert not_widened.endswith("because no identity-based policy allows the iam:CreateRole action")


def test_boundary_limits_the_role(store: Store) -> None:
    with store.transaction() as tx:
        role = make_role(
            tx,
            "bounded",
            policies=(doc(allow("iam:*")),),
            boundary="arn:aws:iam::aws:policy/IAMReadOnlyAccess",
        )
        auth = authorizer(tx, session_of(role))
        auth.require("iam:ListRoles", f"arn:aws:iam::{A}:role/")
        message = denied(auth.require, "iam:CreateRole", role.arn)
    assert message.endswith("because no permissions boundary allows the iam:CreateRole action")


def test_unknown_boundary_allows_nothing(store: Store) -> None:
    with store.transaction() as tx:
        role = make_role(
            tx, "b", policies=(doc(allow("*")),), boundary=f"arn:aws:iam::{A}:policy/Missing"
        )
        message = denied(authorizer(tx, session_of(role)).require, "iam:GetRole", role.arn)
    assert "no permissions boundary allows" in message


def test_revocation_denies_sessions_issued_before(store: Store) -> None:
    """id_roles_use_revoke-sessions.md: AWSRevokeOlderSessions."""
    revoke = deny("*", Condition={"DateLessThan": {"aws:TokenIssueTime": "2026-11-28T01:55:00Z"}})
    with store.transaction() as tx:
        role = make_role(tx, "r", policies=(doc(allow("iam:GetRole")), doc(revoke)))
        old = authorizer(tx, session_of(role, issued_at=NOW - timedelta(minutes=10)))
        new = authorizer(tx, session_of(role, "s2", issued_at=NOW - timedelta(minutes=1)))
        message = denied(old.require, "iam:GetRole", role.arn)
        new.require("iam:GetRole", role.arn)
    assert message.endswith("with an explicit deny in an identity-based policy")


def test_session_tags_override_role_tags_as_principal_tags(store: Store) -> None:
    policy = doc(
        allow("iam:GetRole", Condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}})
    )
    with store.transaction() as tx:
        role = make_role(tx, "r", policies=(policy,), tags=(Tag("Team", "red"),))
        authorizer(tx, session_of(role, tags=(("team", "blue"),))).require("iam:GetRole", role.arn)
        denied(authorizer(tx, session_of(role)).require, "iam:GetRole", role.arn)


def test_resource_and_request_tags(store: Store) -> None:
    policy = doc(
        allow("iam:GetRole", Condition={"StringEquals": {"aws:ResourceTag/env": "dev"}}),
        allow(
            "iam:CreateRole",
            Condition={
                "StringEquals": {"aws:RequestTag/env": "dev"},
                "ForAllValues:StringEquals": {"aws:TagKeys": ["env"]},
            },
        ),
    )
    with store.transaction() as tx:
        caller_role = make_role(tx, "caller", policies=(policy,))
        dev = make_role(tx, "dev", tags=(Tag("env", "dev"),))
        prod = make_role(tx, "prod", tags=(Tag("env", "prod"),))
        caller = session_of(caller_role)
        authorizer(tx, caller).require("iam:GetRole", dev.arn)
        denied(authorizer(tx, caller).require, "iam:GetRole", prod.arn)
        good = {"Tags": [{"Key": "env", "Value": "dev"}]}
        bad = {"Tags": [{"Key": "env", "Value": "dev"}, {"Key": "owner", "Value": "x"}]}
        authorizer(tx, caller, params=good).require("iam:CreateRole", role_arn(A, "/", "n"))
        denied(authorizer(tx, caller, params=bad).require, "iam:CreateRole", role_arn(A, "/", "n"))


def test_surroundings_reach_conditions(store: Store) -> None:
    policy = doc(
        allow(
            "iam:GetRole",
            Condition={
                "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
                "Bool": {"aws:SecureTransport": "true"},
                "StringEquals": {"aws:PrincipalType": "AssumedRole"},
                "ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{A}:role/r"},
            },
        )
    )
    with store.transaction() as tx:
        role = make_role(tx, "r", policies=(policy,))
        caller = session_of(role)
        authorizer(tx, caller).require("iam:GetRole", role.arn)
        other_ip = RequestAuthorizer(
            caller=caller,
            now=NOW,
            tx=tx,
            compiler=PolicyCompiler(),
            source_ip="192.168.1.1",
            secure_transport=True,
        )
        denied(other_ip.require, "iam:GetRole", role.arn)


def test_deleted_role_leaves_its_sessions_nothing(store: Store) -> None:
    with store.transaction() as tx:
        role = make_role(tx, "gone", policies=(doc(allow("*")),))
        caller = session_of(role)
        tx.role_policies.delete(role.role_id, "p0")
        tx.roles.delete(A, "gone")
        make_role(tx, "gone", policies=(doc(allow("*")),))  # same name, new role id
        denied(authorizer(tx, caller).require, "iam:GetRole", role.arn)


def test_user_sessions_have_their_users_permissions_not_its_names(store: Store) -> None:
    """GetSessionToken and GetFederationToken sessions read their user's policies by its unique
    id: a user re-created under the name (with more permissions) lends them nothing (issue 13,
    finding 3a; authentication refuses such sessions before, see server.authn)."""
    with store.transaction() as tx:
        old = User(A, "AIDA" + "O" * 17, "bob", "/", user_arn(A, "/", "bob"), NOW)
        tx.users.create(old)
        tx.users.delete(old.user_id)
        new = replace(old, user_id="AIDA" + "N" * 17)
        tx.users.create(new)
        tx.user_policies.put(new.user_id, InlinePolicy("all", doc(allow("*"))))
        base = SessionClaims(
            kind=SessionKind.SESSION_TOKEN,
            account_id=A,
            access_key_id="ASIA" + "Y" * 16,
            secret_access_key="secret",
            issued_at=ISSUED,
            expires_at=NOW + timedelta(hours=1),
            principal_arn=old.arn,
            principal_id=old.user_id,
            source_user_arn=old.arn,
            source_user_id=old.user_id,
            mfa_authenticated=True,
        )
        federated = replace(
            base,
            kind=SessionKind.FEDERATED_USER,
            principal_arn=f"arn:aws:sts::{A}:federated-user/fed",
            principal_id=f"{A}:fed",
            session_policy=doc(allow("*")),
        )
        callers = (
            Caller(
                A,
                "user",
                old.arn,
                old.user_id,
                access_key_id="ASIA1",
                user_name="bob",
                session=base,
            ),
            Caller(A, "federated_user", federated.principal_arn, f"{A}:fed", session=federated),
        )
        for caller in callers:
            decision = authorizer(tx, caller).decide("s3:GetObject", "arn:aws:s3:::b/k")
            assert not decision.allowed
        new_session = replace(base, source_user_id=new.user_id, principal_id=new.user_id)
        caller = Caller(
            A,
            "user",
            new.arn,
            new.user_id,
            access_key_id="ASIA2",
            user_name="bob",
            session=new_session,
        )
        assert authorizer(tx, caller).decide("s3:GetObject", "arn:aws:s3:::b/k").allowed


def test_root_has_full_access_to_its_own_account_only(store: Store) -> None:
    root = Caller(A, "root", root_arn(A), A, access_key_id="AKIAROOT")
    with store.transaction() as tx:
        auth = authorizer(tx, root)
        auth.require("iam:CreateRole", role_arn(A, "/", "x"))
        message = denied(auth.require, "iam:GetRole", role_arn(B, "/", "x"), resource_account=B)
    assert message.startswith(f"User: arn:aws:iam::{A}:root is not authorized to perform")


def test_session_token_credentials_need_mfa_for_iam(store: Store) -> None:
    def with_session(mfa: bool) -> Caller:
        claims = SessionClaims(
            SessionKind.SESSION_TOKEN,
            A,
            "ASIA" + "Y" * 16,
            "s",
            ISSUED,
            NOW + timedelta(hours=1),
            root_arn(A),
            A,
            mfa_authenticated=mfa,
        )
        return Caller(A, "root", root_arn(A), A, access_key_id=claims.access_key_id, session=claims)

    with store.transaction() as tx:
        with pytest.raises(InvalidClientTokenId) as info:
            authorizer(tx, with_session(False)).require("iam:GetRole", role_arn(A, "/", "x"))
        assert info.value.message == "The security token included in the request is invalid"
        authorizer(tx, with_session(True)).require("iam:GetRole", role_arn(A, "/", "x"))


# --- evaluate_trust -----------------------------------------------------------------------------


def ctx_for(tx: Tx, caller: Caller) -> OperationContext:
    return OperationContext(
        caller=caller,
        region="us-east-1",
        request_id="rid",
        now=NOW,
        tx=tx,
        rng=secrets.SystemRandom(),
        authorizer=authorizer(tx, caller),
    )


def trust(principal: dict[str, Any], **extra: Any) -> str:
    return doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra})


def test_trust_naming_the_role_of_the_caller_suffices_in_the_same_account(store: Store) -> None:
    with store.transaction() as tx:
        caller_role = make_role(tx, "caller")  # no identity policy at all
        target = make_role(tx, "target", trust=trust({"AWS": caller_role.arn}))
        evaluate_trust(ctx_for(tx, session_of(caller_role)), target, "sts:AssumeRole", {})


def test_trust_naming_only_the_account_needs_an_identity_allow(store: Store) -> None:
    with store.transaction() as tx:
        bare = make_role(tx, "bare")
        able = make_role(
            tx, "able", policies=(doc(allow("sts:AssumeRole", f"arn:aws:iam::{A}:role/*")),)
        )
        target = make_role(tx, "target", trust=trust({"AWS": f"arn:aws:iam::{A}:root"}))
        bare_caller = session_of(bare)
        message = denied(evaluate_trust, ctx_for(tx, bare_caller), target, "sts:AssumeRole", {})
        evaluate_trust(ctx_for(tx, session_of(able)), target, "sts:AssumeRole", {})
    assert message == (
        f"User: {bare_caller.arn} is not authorized to perform: sts:AssumeRole on resource: "
        f"{target.arn}"
    )


def test_cross_account_needs_both_sides(store: Store) -> None:
    with store.transaction() as tx:
        able = make_role(tx, "able", policies=(doc(allow("sts:AssumeRole")),))
        bare = make_role(tx, "bare")
        trusting = make_role(tx, "t", account=B, trust=trust({"AWS": A}))
        untrusting = make_role(tx, "u", account=B, trust=trust({"AWS": B}))
        evaluate_trust(ctx_for(tx, session_of(able)), trusting, "sts:AssumeRole", {})
        denied(evaluate_trust, ctx_for(tx, session_of(bare)), trusting, "sts:AssumeRole", {})
        denied(evaluate_trust, ctx_for(tx, session_of(able)), untrusting, "sts:AssumeRole", {})


def test_trust_conditions_see_the_call_context(store: Store) -> None:
    condition = {"StringEquals": {"sts:ExternalId": "ext-123"}}
    with store.transaction() as tx:
        able = make_role(tx, "able", policies=(doc(allow("sts:AssumeRole")),))
        target = make_role(tx, "t", account=B, trust=trust({"AWS": A}, Condition=condition))
        ctx = ctx_for(tx, session_of(able))
        evaluate_trust(ctx, target, "sts:AssumeRole", {"sts:ExternalId": "ext-123"})
        denied(evaluate_trust, ctx, target, "sts:AssumeRole", {"sts:ExternalId": "wrong"})
        denied(evaluate_trust, ctx, target, "sts:AssumeRole", {})


def test_root_cannot_assume_roles(store: Store) -> None:
    root = Caller(A, "root", root_arn(A), A, access_key_id="AKIAROOT")
    with store.transaction() as tx:
        target = make_role(tx, "t", trust=trust({"AWS": A}))
        message = denied(evaluate_trust, ctx_for(tx, root), target, "sts:AssumeRole", {})
    assert message == "Roles may not be assumed by root accounts."


def test_trust_with_a_user_principal_override(store: Store) -> None:
    """For a caller other than the signer (federation), principal_override is judged."""
    with store.transaction() as tx:
        target = make_role(tx, "t", trust=trust({"AWS": user_arn(A, "/", "alice")}))
        signer = session_of(make_role(tx, "x"))
        alice = Caller(A, "user", user_arn(A, "/", "alice"), "AIDAALICE", user_name="alice")
        bob = replace(alice, arn=user_arn(A, "/", "bob"), user_name="bob")
        evaluate_trust(ctx_for(tx, signer), target, "sts:AssumeRole", {}, principal_override=alice)
        message = denied(
            evaluate_trust,
            ctx_for(tx, signer),
            target,
            "sts:AssumeRole",
            {},
            principal_override=bob,
        )
    assert message.startswith(f"User: {bob.arn} is not authorized")


# --- encoded authorization messages -------------------------------------------------------------


def test_denials_carry_a_sealed_decision_document(store: Store) -> None:
    messages = AuthorizationMessages(KeyRing.from_master_key(bytes(32)))
    with store.transaction() as tx:
        role = make_role(
            tx, "r", policies=(doc(allow("iam:*"), {**deny("iam:DeleteRole"), "Sid": "NoDelete"}),)
        )
        caller = session_of(role)
        auth = authorizer(tx, caller, messages=messages)
        with pytest.raises(PolicyDenied) as info:
            auth.require("iam:DeleteRole", role.arn)
    encoded = info.value.encoded_authorization_message
    assert encoded is not None
    decoded = messages.decode(A, encoded)
    assert decoded["allowed"] is False and decoded["explicitDeny"] is True
    (statement,) = decoded["matchedStatements"]["items"]
    assert statement["statementId"] == "NoDelete" and statement["effect"] == "DENY"
    assert statement["actions"]["items"] == [{"value": "iam:DeleteRole"}]
    context = decoded["context"]
    assert context["principal"]["arn"] == caller.arn
    assert (context["action"], context["resource"]) == ("iam:DeleteRole", role.arn)
    keys = {item["key"]: item["values"]["items"] for item in context["conditions"]["items"]}
    assert keys["aws:SourceIp"] == [{"value": "10.1.2.3"}]
    # Another account, or any changed character, cannot open it.
    with pytest.raises(InvalidAuthorizationMessage):
        messages.decode(B, encoded)
    with pytest.raises(InvalidAuthorizationMessage):
        messages.decode(A, encoded[:-2] + ("A" if encoded[-2] != "A" else "B") + encoded[-1])


def test_a_stored_policy_the_engine_cannot_read_fails_closed(store: Store) -> None:
    with store.transaction() as tx:
        role = make_role(tx, "r", policies=(doc(allow("iam:*")),))
        tx.role_policies.put(role.role_id, InlinePolicy("broken", "{not json"))
        with pytest.raises(ServiceFailure):
            authorizer(tx, session_of(role)).require("iam:GetRole", role.arn)


def test_an_identity_deny_wins_over_a_trust_policy_naming_the_caller(store: Store) -> None:
    with store.transaction() as tx:
        caller_role = make_role(tx, "caller", policies=(doc(deny("sts:AssumeRole")),))
        target = make_role(tx, "target", trust=trust({"AWS": caller_role.arn}))
        ctx = ctx_for(tx, session_of(caller_role))
        denied(evaluate_trust, ctx, target, "sts:AssumeRole", {})


def test_the_callers_boundary_and_session_policy_limit_account_wide_trust(store: Store) -> None:
    with store.transaction() as tx:
        bounded = make_role(
            tx,
            "bounded",
            policies=(doc(allow("sts:AssumeRole")),),
            boundary="arn:aws:iam::aws:policy/IAMReadOnlyAccess",
        )
        narrowed = make_role(tx, "narrowed", policies=(doc(allow("sts:AssumeRole")),))
        target = make_role(tx, "target", account=B, trust=trust({"AWS": A}))
        denied(evaluate_trust, ctx_for(tx, session_of(bounded)), target, "sts:AssumeRole", {})
        session_policy = doc(allow("iam:GetRole"))
        caller = session_of(narrowed, session_policy=session_policy)
        denied(evaluate_trust, ctx_for(tx, caller), target, "sts:AssumeRole", {})
        evaluate_trust(ctx_for(tx, session_of(narrowed)), target, "sts:AssumeRole", {})


def test_policy_sets_are_shared_by_requests_until_a_policy_changes(store: Store) -> None:
    cache = PolicySetCache()
    compiler = PolicyCompiler()

    def request(tx: Tx, caller: Caller) -> RequestAuthorizer:
        return RequestAuthorizer(
            caller=caller, now=NOW, tx=tx, compiler=compiler, policy_sets=cache
        )

    with store.transaction() as tx:
        role = make_role(tx, "r", policies=(doc(allow("iam:GetRole")),))
        first, second = request(tx, session_of(role)), request(tx, session_of(role, "s2"))
        first.require("iam:GetRole", role.arn)
        second.require("iam:GetRole", role.arn)  # another session of the role: same set
        assert len(cache) == 1
        assert first._policy_set(None) is second._policy_set(None)
        tx.role_policies.put(role.role_id, InlinePolicy("p0", doc(deny("iam:GetRole"))))
        third = request(tx, session_of(role))
        denied(third.require, "iam:GetRole", role.arn)  # the changed text misses the cache
        assert len(cache) == 2


def test_trust_checks_see_the_roles_tags_as_resource_tags(store: Store) -> None:
    only_dev = allow("sts:AssumeRole", Condition={"StringEquals": {"aws:ResourceTag/env": "dev"}})
    with store.transaction() as tx:
        caller = session_of(make_role(tx, "caller", policies=(doc(only_dev),)))
        dev = make_role(tx, "dev", account=B, trust=trust({"AWS": A}), tags=(Tag("env", "dev"),))
        prod = make_role(tx, "prod", account=B, trust=trust({"AWS": A}), tags=(Tag("env", "prod"),))
        evaluate_trust(ctx_for(tx, caller), dev, "sts:AssumeRole", {})
        denied(evaluate_trust, ctx_for(tx, caller), prod, "sts:AssumeRole", {})


def test_resource_tags_of_mfa_devices(store: Store) -> None:
    dev_only = {"StringEquals": {"aws:ResourceTag/env": "dev"}}
    with store.transaction() as tx:
        caller = session_of(make_role(tx, "c", policies=(doc(allow("iam:*", Condition=dev_only)),)))
        for name, env in (("dev-mfa", "dev"), ("prod-mfa", "prod")):
            serial = f"arn:aws:iam::{A}:mfa/{name}"
            tx.mfa_devices.create(
                MfaDevice(A, serial, name, "/", "JBSWY3DPEHPK3PXP", NOW, tags=(Tag("env", env),))
            )
        authorizer(tx, caller).require(
            "iam:DeleteVirtualMFADevice", f"arn:aws:iam::{A}:mfa/dev-mfa"
        )
        denied(
            authorizer(tx, caller).require,
            "iam:DeleteVirtualMFADevice",
            f"arn:aws:iam::{A}:mfa/prod-mfa",
        )


def test_a_user_read_by_authentication_is_not_read_again(store: Store) -> None:
    with store.transaction() as tx:
        user = User(A, "AIDA" + "Q" * 17, "alice", "/", user_arn(A, "/", "alice"), NOW)
        tx.users.create(user)
        tx.user_policies.put(user.user_id, InlinePolicy("p", doc(allow("iam:GetUser"))))
        plain = Caller(
            A, "user", user.arn, user.user_id, access_key_id="AKIAALICE", user_name="alice"
        )
        known = replace(plain, user=user)
        engine = tx.connection.engine

        def user_reads(caller: Caller) -> tuple[int, object]:
            seen: list[str] = []

            def record(*args: object) -> None:
                seen.append(str(args[2]))

            event.listen(engine, "before_cursor_execute", record)
            try:
                found = gather(tx, caller)
            finally:
                event.remove(engine, "before_cursor_execute", record)
            return sum("FROM users" in statement for statement in seen), found

        reads_without, found_without = user_reads(plain)
        reads_with, found_with = user_reads(known)
        authorizer(tx, known).require("iam:GetUser", user.arn)
    assert found_without == found_with
    assert (reads_without, reads_with) == (1, 0)


def test_managed_session_policies_narrow_and_unknown_ones_allow_nothing(store: Store) -> None:
    read_only = ("arn:aws:iam::aws:policy/IAMReadOnlyAccess",)
    missing = (f"arn:aws:iam::{A}:policy/NoSuchPolicy",)
    with store.transaction() as tx:
        role = make_role(tx, "r", policies=(doc(allow("iam:*")),))
        narrowed = authorizer(tx, session_of(role, session_policy_arns=read_only))
        narrowed.require("iam:GetRole", role.arn)
        message = denied(narrowed.require, "iam:CreateRole", role.arn)
        nothing = authorizer(tx, session_of(role, "s2", session_policy_arns=missing))
        denied(nothing.require, "iam:GetRole", role.arn)
    assert message.endswith("because no session policy allows the iam:CreateRole action")


_SCOPE_ACTIONS = ("iam:GetRole", "iam:ListRoles", "iam:GetUser", "iam:ListUsers")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    role_allows=st.sets(st.sampled_from(_SCOPE_ACTIONS)),
    layers=st.lists(
        st.tuples(
            st.sets(st.sampled_from(_SCOPE_ACTIONS)), st.sets(st.sampled_from(_SCOPE_ACTIONS))
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_scope_down_layers_intersect(
    store: Store,
    role_allows: set[str],
    layers: list[tuple[set[str], set[str]]],
) -> None:
    """GetScopedCredentials' layers: an action is allowed iff the role allows it and every layer
    allows and none denies it."""
    documents = tuple(
        doc(allow(sorted(allowed) or "rolegate:None"), deny(sorted(denied) or "rolegate:None"))
        for allowed, denied in layers
    )
    with store.transaction() as tx:
        role = make_role(
            tx,
            f"r{secrets.token_hex(4)}",
            policies=(doc(allow(sorted(role_allows) or "rolegate:None")),),
        )
        auth = authorizer(tx, session_of(role, scope_policies=documents))
        for action in _SCOPE_ACTIONS:
            expected = action in role_allows and all(
                action in allowed and action not in denied for allowed, denied in layers
            )
            assert auth.judge(action, role.arn).allowed == expected, action


def test_a_scope_layer_sees_the_callers_context(store: Store) -> None:
    """A layer's conditions read the real caller's keys (aws:PrincipalType, aws:userid)."""
    with store.transaction() as tx:
        role = make_role(tx, "ctx", policies=(doc(allow("iam:*")),))
        caller = session_of(
            role,
            scope_policies=(
                doc(
                    allow(
                        "iam:GetRole",
                        Condition={
                            "StringEquals": {"aws:PrincipalType": "AssumedRole"},
                            "StringLike": {"aws:userid": f"{role.role_id}:*"},
                        },
                    ),
                    allow(
                        "iam:ListRoles", Condition={"StringEquals": {"aws:PrincipalType": "User"}}
                    ),
                ),
            ),
        )
        auth = authorizer(tx, caller)
        auth.require("iam:GetRole", role.arn)
        message = denied(auth.require, "iam:ListRoles", f"arn:aws:iam::{A}:role/")
    assert message.endswith("because no session policy allows the iam:ListRoles action")
