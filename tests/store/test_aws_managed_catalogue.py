"""The AWS managed policy catalogue: shipped files, operator files, and installing them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rolegate.catalog import aws_policy_id
from rolegate.domain.managed_policy import AWS_ACCOUNT
from rolegate.services.iam import install_aws_managed_policies as install
from rolegate.services.iam import load_aws_managed_policies as load_catalogue
from rolegate.store import Store

SHIPPED = {
    "AdministratorAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
    "IAMFullAccess",
    "IAMReadOnlyAccess",
}


def _write(directory: Path, name: str, version: str, action: str, **extra: object) -> None:
    directory.mkdir(exist_ok=True)
    content = {
        "PolicyName": name,
        "Description": f"{name} for tests",
        "DefaultVersionId": version,
        "CreateDate": "2020-01-01T00:00:00+00:00",
        "Document": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
        },
        **extra,
    }
    (directory / f"{name}.json").write_text(json.dumps(content))


def test_shipped_catalogue_is_valid_and_attachable_where_it_should_be() -> None:
    entries = {e.policy.policy_name: e for e in load_catalogue()}
    assert set(entries) >= SHIPPED
    for name in SHIPPED:
        assert entries[name].policy.is_attachable, name
        assert entries[name].policy.arn == f"arn:aws:iam::aws:policy/{name}"
    service_role = [e for e in entries.values() if e.policy.path == "/aws-service-role/"]
    assert service_role and not any(e.policy.is_attachable for e in service_role)


def test_ids_are_stable_and_aws_shaped() -> None:
    assert aws_policy_id("AdministratorAccess") == aws_policy_id("AdministratorAccess")
    assert aws_policy_id("A") != aws_policy_id("B")
    policy_id = aws_policy_id("AdministratorAccess")
    assert policy_id.startswith("ANPA") and len(policy_id) == 21 and policy_id.isupper()


def test_operator_files_add_and_replace(tmp_path: Path) -> None:
    _write(tmp_path, "Extra", "v2", "s3:GetObject")
    _write(tmp_path, "AdministratorAccess", "v9", "iam:*")
    entries = {e.policy.policy_name: e for e in load_catalogue(tmp_path)}
    assert entries["Extra"].policy.default_version == 2
    assert entries["AdministratorAccess"].policy.default_version == 9
    assert '"iam:*"' in entries["AdministratorAccess"].document


@pytest.mark.parametrize(
    "broken",
    [
        "{not json",
        json.dumps({"PolicyName": "NoVersion", "CreateDate": "2020-01-01", "Document": {}}),
        json.dumps(
            {
                "PolicyName": "BadDoc",
                "DefaultVersionId": "v1",
                "CreateDate": "2020-01-01T00:00:00+00:00",
                "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]},
            }
        ),
    ],
)
def test_a_bad_file_is_refused_with_its_name(tmp_path: Path, broken: str) -> None:
    (tmp_path / "broken.json").write_text(broken)
    with pytest.raises(ValueError, match=r"broken\.json"):
        load_catalogue(tmp_path)
    with pytest.raises(ValueError, match="does not exist"):
        load_catalogue(tmp_path / "missing")


def test_install_is_idempotent_and_follows_changed_files(store: Store, tmp_path: Path) -> None:
    _write(tmp_path, "Changing", "v1", "s3:GetObject")
    for _ in range(2):
        with store.transaction() as tx:
            install(tx, load_catalogue(tmp_path))
    arn = "arn:aws:iam::aws:policy/Changing"
    with store.transaction(write=False) as tx:
        policy = tx.managed_policies.get_by_arn(arn)
        assert policy is not None and policy.account_id == AWS_ACCOUNT
        assert tx.managed_policies.count(AWS_ACCOUNT) == len(load_catalogue(tmp_path))
        assert [v.version for v in tx.managed_policies.versions(policy.policy_id)] == [1]
    _write(tmp_path, "Changing", "v3", "s3:PutObject")
    with store.transaction() as tx:
        install(tx, load_catalogue(tmp_path))
    with store.transaction(write=False) as tx:
        changed = tx.managed_policies.get_by_arn(arn)
        assert changed is not None and changed.policy_id == policy.policy_id
        assert changed.default_version_id == "v3"
        assert [v.version for v in tx.managed_policies.versions(policy.policy_id)] == [3]
        assert "s3:PutObject" in (tx.managed_policies.policy_document(arn) or "")
