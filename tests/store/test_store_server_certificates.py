"""Server certificates, service last accessed data, account properties and STS preferences in
the store, on SQLite and PostgreSQL: a certificate's private key is sealed (never in the row),
names are unique per account, tags and renames; uses are upserted per principal, service and
action, by a recorder that writes each at most once a minute; report jobs complete once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select
from store_helpers import ACCOUNT, OTHER_ACCOUNT, T0

from rolegate.domain.caller import Caller
from rolegate.domain.entities import Tag, User
from rolegate.domain.last_accessed import LastAccessedJob, ServiceUse
from rolegate.domain.server_certificate import ServerCertificate, server_certificate_arn
from rolegate.services.authz import ServiceUseRecorder
from rolegate.store import Conflict, Store
from rolegate.store.schema_certificates import server_certificates

KEY = "-----BEGIN PRIVATE KEY-----\nsecret-key-material\n-----END PRIVATE KEY-----\n"


def cert(
    name: str = "web", path: str = "/", account: str = ACCOUNT, **kw: object
) -> ServerCertificate:
    made = ServerCertificate(
        f"ASCA{name.upper():0<17}",
        account,
        name,
        path,
        server_certificate_arn(account, path, name),
        "-----BEGIN CERTIFICATE-----\n...\n",
        None,
        KEY,
        T0,
        T0 + timedelta(days=90),
    )
    return replace(made, **kw)  # type: ignore[arg-type]


def test_the_private_key_is_sealed_and_read_back(store: Store) -> None:
    made = cert(tags=(Tag("k", "v"),), certificate_chain="chain")
    with store.transaction() as tx:
        tx.server_certificates.create(made)
    with store.transaction(write=False) as tx:
        assert tx.server_certificates.get(ACCOUNT, "web") == made
        sealed = tx.connection.execute(
            select(server_certificates.c.private_key_sealed)
        ).scalar_one()
    assert b"secret-key-material" not in sealed


def test_names_are_unique_per_account(store: Store) -> None:
    with store.transaction() as tx:
        tx.server_certificates.create(cert())
        with pytest.raises(Conflict):
            tx.server_certificates.create(cert(server_certificate_id="ASCAOTHER", path="/p/"))
        tx.server_certificates.create(cert(account=OTHER_ACCOUNT, server_certificate_id="ASCAO"))
        assert tx.server_certificates.count(ACCOUNT) == 1
        assert tx.server_certificates.get(ACCOUNT, "WEB") is None  # names keep their case


def test_list_by_path_rename_tags_delete(store: Store) -> None:
    with store.transaction() as tx:
        for name, path in (("b", "/prod/"), ("a", "/"), ("c", "/prod_x/")):
            tx.server_certificates.create(cert(name, path))
    with store.transaction() as tx:
        repo = tx.server_certificates
        assert [c.server_certificate_name for c in repo.list(ACCOUNT)] == ["a", "b", "c"]
        assert [c.server_certificate_name for c in repo.list(ACCOUNT, "/prod/")] == ["b"]
        assert [c.server_certificate_name for c in repo.list(ACCOUNT, "/prod_")] == ["c"]
        b = repo.get(ACCOUNT, "b")
        assert b is not None
        repo.rename(
            b.server_certificate_id, "d", "/live/", server_certificate_arn(ACCOUNT, "/live/", "d")
        )
        repo.set_tags(b.server_certificate_id, [Tag("x", "1"), Tag("a", "2")])
    with store.transaction() as tx:
        renamed = tx.server_certificates.get(ACCOUNT, "d")
        assert renamed is not None and renamed.path == "/live/"
        assert renamed.tags == (Tag("x", "1"), Tag("a", "2"))
        assert tx.server_certificates.get(ACCOUNT, "b") is None
        assert tx.server_certificates.delete(renamed.server_certificate_id)
        assert not tx.server_certificates.delete(renamed.server_certificate_id)
        assert tx.server_certificates.count(ACCOUNT) == 2


def use(service: str, action: str = "", when: object = T0, principal: str = "AIDAU") -> ServiceUse:
    arn = f"arn:aws:iam::{ACCOUNT}:user/u"
    return ServiceUse(ACCOUNT, principal, arn, service, action, when, "us-east-1")  # type: ignore[arg-type]


def test_uses_are_upserted_per_principal_service_and_action(store: Store) -> None:
    later = T0 + timedelta(minutes=5)
    with store.transaction() as tx:
        tx.last_accessed.record([use("iam"), use("iam", "GetUser")])
        tx.last_accessed.record([use("iam", when=later), use("sts", principal="AROAR")])
    with store.transaction(write=False) as tx:
        found = {
            (u.principal_id, u.service_namespace, u.action_name): u
            for u in tx.last_accessed.for_principals(["AIDAU"])
        }
        assert sorted(found) == [("AIDAU", "iam", ""), ("AIDAU", "iam", "GetUser")]
        assert found["AIDAU", "iam", ""].last_authenticated == later
        assert found["AIDAU", "iam", "GetUser"].last_authenticated == T0
        assert tx.last_accessed.for_principals([]) == []


def test_jobs_complete_once(store: Store) -> None:
    job = LastAccessedJob("1" * 36, ACCOUNT, "arn:req", "arn:entity", "ACTION_LEVEL", T0)
    with store.transaction() as tx:
        tx.last_accessed.create_job(job)
        with pytest.raises(Conflict):
            tx.last_accessed.create_job(job)
    done = replace(job, completion_date=T0, report_json="[]")
    with store.transaction() as tx:
        assert tx.last_accessed.get_job(job.job_id) == job
        tx.last_accessed.complete_job(done)
    with store.transaction(write=False) as tx:
        assert tx.last_accessed.get_job(job.job_id) == done
        assert tx.last_accessed.get_job("2" * 36) is None


def test_account_properties_and_token_version(store: Store) -> None:
    with store.transaction() as tx:
        settings = tx.account_settings
        assert settings.account_properties(ACCOUNT) == {}
        assert settings.global_endpoint_token_version(ACCOUNT) is None
        settings.put_account_properties(ACCOUNT, {"ns/b": "1", "ns/a": "2"})
        settings.put_account_properties(ACCOUNT, {"ns/b": "3"})
        settings.set_global_endpoint_token_version(ACCOUNT, "v2Token")
        settings.set_global_endpoint_token_version(ACCOUNT, "v1Token")
    with store.transaction(write=False) as tx:
        assert tx.account_settings.account_properties(ACCOUNT) == {"ns/a": "2", "ns/b": "3"}
        assert tx.account_settings.global_endpoint_token_version(ACCOUNT) == "v1Token"
        assert tx.account_settings.account_properties(OTHER_ACCOUNT) == {}


def test_the_recorder_writes_a_use_at_most_once_a_minute(store: Store) -> None:
    """ServiceUseRecorder: the service's row and the action's, then nothing more for a minute
    from this node; a user's federated sessions count as the user, unknown callers not at all."""
    user = User(ACCOUNT, "AIDAREC", "rec", "/", f"arn:aws:iam::{ACCOUNT}:user/rec", T0)
    caller = Caller(ACCOUNT, "user", user.arn, user.user_id, user=user)
    recorder = ServiceUseRecorder()
    with store.transaction() as tx:
        recorder.record(tx, caller, "iam:GetUser", "eu-west-1", T0)
        recorder.record(tx, caller, "iam:GetUser", "eu-west-1", T0 + timedelta(seconds=59))
        recorder.record(tx, caller, "iam:ListRoles", "eu-west-1", T0 + timedelta(seconds=30))
        anonymous = Caller(ACCOUNT, "anonymous", "", "")
        recorder.record(tx, anonymous, "sts:AssumeRoleWithSAML", "eu-west-1", T0)
    with store.transaction(write=False) as tx:
        found = {
            (u.action_name, u.last_authenticated)
            for u in tx.last_accessed.for_principals(["AIDAREC"])
        }
    assert found == {("", T0), ("GetUser", T0), ("ListRoles", T0 + timedelta(seconds=30))}
    later = T0 + timedelta(minutes=1)
    with store.transaction() as tx:
        recorder.record(tx, caller, "IAM:GetUser", "eu-west-1", later)
    with store.transaction(write=False) as tx:
        whole = [u for u in tx.last_accessed.for_principals(["AIDAREC"]) if u.action_name == ""]
    assert [u.last_authenticated for u in whole] == [later]
