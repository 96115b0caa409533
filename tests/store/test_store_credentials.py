"""A user's other credentials in the store, on SQLite and PostgreSQL: login profiles (hashes,
never passwords), SSH keys and signing certificates (unique per user / per account), sealed
service-specific passwords; and the console's password check (``verify_password``), which reads
the store."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from store_helpers import ACCOUNT, T0

from rolegate.auth.passwords import hash_password, needs_rehash
from rolegate.domain.credentials import (
    LoginProfile,
    ServiceSpecificCredential,
    SigningCertificate,
    SshPublicKey,
)
from rolegate.domain.entities import User
from rolegate.domain.password_policy import PasswordPolicy
from rolegate.services.iam import SignIn, verify_password
from rolegate.store import Conflict, Store
from rolegate.store.schema_credentials import login_profiles, service_specific_credentials

PASSWORD = "Rolegate-Store-Passw0rd!"


def user(name: str = "u") -> User:
    return User(
        ACCOUNT, f"AIDA{name.upper():0<17}", name, "/", f"arn:aws:iam::{ACCOUNT}:user/{name}", T0
    )


def with_user(store: Store, name: str = "u") -> User:
    made = user(name)
    with store.transaction() as tx:
        tx.users.create(made)
    return made


def profile(owner: User, **changes: object) -> LoginProfile:
    made = LoginProfile(ACCOUNT, owner.user_id, hash_password(PASSWORD), T0, T0)
    return replace(made, **changes)  # type: ignore[arg-type]


def test_login_profile_keeps_a_hash_never_the_password(store: Store) -> None:
    owner = with_user(store)
    made = profile(owner, previous_hashes=("$argon2id$old",), max_signin_session_duration=3600)
    with store.transaction() as tx:
        tx.login_profiles.create(made)
        with pytest.raises(Conflict):
            tx.login_profiles.create(made)
    with store.transaction(write=False) as tx:
        assert tx.login_profiles.get(owner.user_id) == made
        stored = tx.connection.execute(select(login_profiles.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    with store.transaction() as tx:
        tx.login_profiles.replace(replace(made, password_reset_required=True))
        tx.login_profiles.record_sign_in(owner.user_id, T0 + timedelta(hours=1))
    with store.transaction() as tx:
        got = tx.login_profiles.get(owner.user_id)
        assert got is not None and got.password_reset_required
        assert got.password_last_used == T0 + timedelta(hours=1)
        assert tx.login_profiles.delete(owner.user_id)
        assert not tx.login_profiles.delete(owner.user_id)


def test_ssh_keys_are_unique_per_user_by_fingerprint(store: Store) -> None:
    owner, other = with_user(store, "a"), with_user(store, "b")
    key = SshPublicKey("APKA1", ACCOUNT, owner.user_id, "ssh-rsa A", "aa:bb", "Active", T0)
    with store.transaction() as tx:
        tx.ssh_public_keys.create(key)
        tx.ssh_public_keys.create(replace(key, ssh_public_key_id="APKA2", user_id=other.user_id))
    with pytest.raises(Conflict), store.transaction() as tx:
        tx.ssh_public_keys.create(replace(key, ssh_public_key_id="APKA3"))
    with store.transaction() as tx:
        tx.ssh_public_keys.set_status("APKA1", "Inactive")
        assert [k.status for k in tx.ssh_public_keys.list_for_user(owner.user_id)] == ["Inactive"]
        assert tx.ssh_public_keys.delete("APKA1") and tx.ssh_public_keys.get("APKA1") is None


def test_signing_certificates_once_per_account_and_the_root_users(store: Store) -> None:
    owner = with_user(store)
    root_cert = SigningCertificate("C1", ACCOUNT, None, "pem", "ab" * 32, "Active", T0)
    with store.transaction() as tx:
        tx.signing_certificates.create(root_cert)
    with pytest.raises(Conflict), store.transaction() as tx:
        tx.signing_certificates.create(
            replace(root_cert, certificate_id="C2", user_id=owner.user_id)
        )
    with store.transaction() as tx:
        tx.signing_certificates.create(
            replace(root_cert, certificate_id="C2", user_id=owner.user_id, der_sha256="cd" * 32)
        )
        assert tx.signing_certificates.list_for(ACCOUNT, None) == [root_cert]
        assert [
            c.certificate_id for c in tx.signing_certificates.list_for(ACCOUNT, owner.user_id)
        ] == ["C2"]
        assert tx.signing_certificates.find(ACCOUNT, "ab" * 32) == root_cert


def test_service_passwords_are_sealed(store: Store) -> None:
    owner = with_user(store)
    made = ServiceSpecificCredential(
        "ACCA1",
        ACCOUNT,
        owner.user_id,
        "codecommit.amazonaws.com",
        "u-at-1",
        "s3cret",
        "Active",
        T0,
    )
    with store.transaction() as tx:
        tx.service_credentials.create(made)
        tx.service_credentials.set_password(made, "n3w-s3cret")
    with store.transaction(write=False) as tx:
        got = tx.service_credentials.get("ACCA1")
        assert got == replace(made, service_password="n3w-s3cret")
        raw = tx.connection.execute(
            select(service_specific_credentials.c.password_sealed)
        ).scalar_one()
        assert b"n3w-s3cret" not in raw
        assert tx.service_credentials.list(ACCOUNT, owner.user_id, "cassandra.amazonaws.com") == []
        assert tx.service_credentials.list(ACCOUNT, None) == [got]


def test_deleting_a_user_takes_its_credentials(store: Store) -> None:
    """DeleteUser refuses first; the cascade keeps the tables clean for Store.reset and the
    admin paths."""
    owner = with_user(store)
    with store.transaction() as tx:
        tx.login_profiles.create(profile(owner))
        tx.users.delete(owner.user_id)
    with store.transaction(write=False) as tx:
        assert tx.login_profiles.get(owner.user_id) is None


def test_verify_password(store: Store) -> None:
    owner = with_user(store)
    with store.transaction() as tx:
        assert verify_password(tx, ACCOUNT, "u", PASSWORD, T0) is SignIn.REFUSED  # no profile
        tx.login_profiles.create(profile(owner))
    with store.transaction() as tx:
        assert verify_password(tx, ACCOUNT, "u", "wrong", T0) is SignIn.REFUSED
        assert verify_password(tx, ACCOUNT, "nobody", PASSWORD, T0) is SignIn.REFUSED
        assert verify_password(tx, ACCOUNT, "U", PASSWORD, T0) is SignIn.SIGNED_IN  # any case
        got = tx.login_profiles.get(owner.user_id)
        assert got is not None and got.password_last_used == T0
        tx.login_profiles.replace(replace(got, password_reset_required=True))
        assert verify_password(tx, ACCOUNT, "u", PASSWORD, T0) is SignIn.MUST_CHANGE
        tx.account_settings.put_password_policy(ACCOUNT, PasswordPolicy(max_password_age=30))
        later = T0 + timedelta(days=30)
        assert verify_password(tx, ACCOUNT, "u", PASSWORD, later) is SignIn.MUST_CHANGE
        tx.account_settings.put_password_policy(
            ACCOUNT, PasswordPolicy(max_password_age=30, hard_expiry=True)
        )
        assert verify_password(tx, ACCOUNT, "u", PASSWORD, later) is SignIn.EXPIRED
        assert verify_password(tx, ACCOUNT, "u", PASSWORD, later - timedelta(seconds=1)) is (
            SignIn.MUST_CHANGE
        )


def test_a_hash_made_with_older_parameters_is_renewed_at_sign_in(store: Store) -> None:
    owner = with_user(store)
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with store.transaction() as tx:
        tx.login_profiles.create(profile(owner, password_hash=weak))
    with store.transaction() as tx:
        assert verify_password(tx, ACCOUNT, "u", PASSWORD, T0) is SignIn.SIGNED_IN
    with store.transaction() as tx:
        renewed = tx.login_profiles.get(owner.user_id)
        assert renewed is not None and renewed.password_hash != weak
        assert not needs_rehash(renewed.password_hash)
        assert verify_password(tx, ACCOUNT, "u", PASSWORD, T0) is SignIn.SIGNED_IN
