"""scripts/check_service_linked_roles.py: the service-linked-role catalogue against the AWS
managed policies and the "AWS services that work with IAM" page."""

from __future__ import annotations

from pathlib import Path

import pytest

import check_service_linked_roles as check
from rolegate.catalog import (
    AwsManagedCatalogue,
    LinkedService,
    NotCreatable,
    aws_managed_catalogue,
    not_creatable,
    parse_catalog,
    service_catalog,
)
from rolegate.catalog.managed_policy_archive import ArchivedPolicy, PolicyArchive, write_archive

ROLE = "arn:aws:iam::aws:policy/aws-service-role/"
YES = (
    "![\\[Image NOT FOUND\\]](http://docs.aws.amazon.com/IAM/latest/UserGuide/images/icon-yes.png)"
)
NO = "![\\[Image NOT FOUND\\]](http://docs.aws.amazon.com/IAM/latest/UserGuide/images/icon-no.png)"
MAYBE = "![\\[Image NOT FOUND\\]](http://docs.aws.amazon.com/IAM/latest/UserGuide/images/icon-maybe.png)"
HEADER = (
    "|  **Service**  |  **Actions**  |  **Resource\\-level permissions**  | **Resource\\-based "
    "policies** |  **ABAC**  |  **Temporary credentials**  |  **Service\\-linked roles**  | \n"
    "| --- | --- | --- | --- | --- | --- | --- | \n"
)


def _row(service: str, linked: str) -> str:
    return f"|  {service}  |{f' {YES} Yes |' * 5} {linked} | \n"


PAGE = (
    '## Compute services<a name="compute_svcs"></a>\n\n'
    + HEADER
    + _row("[AWS Batch](https://docs.aws.amazon.com/batch/x.html)", f"{YES} [Yes](https://b/slr)")
    + _row("[Amazon Elastic Compute Cloud \\(Amazon EC2\\)](https://e/)", f"{MAYBE} Partial¹")
    + _row("[AWS Lambda](https://l/)", f"{MAYBE} [Partial](https://l/slr)²")
    + _row("[Amazon Lightsail](https://ls/)", f"{NO} No")
    + "\n¹ Amazon EC2 service\\-linked roles can be used only for some features\\.\n\n"
    + "## Containers services\n\n"
    + HEADER
    + _row("[Amazon S3](https://s3/)¹", f"{YES} [Yes²](https://s3/slr)")
    + _row("[AWS Batch](https://docs.aws.amazon.com/batch/x.html)", f"{YES} [Yes](https://b/slr)")
    + "\n## Additional resources\n\n| **Service** | **Notes** |\n| --- | --- |\n"
    + "| [AWS Foo](https://foo/) | [Yes](https://foo/yes) |\n"
)


def test_page_rows_with_service_linked_roles() -> None:
    rows = check.parse_services_page(PAGE)
    assert rows == [
        check.PageRow("AWS Batch", "Yes", "https://b/slr"),  # listed twice, reported once
        check.PageRow("AWS Lambda", "Partial", "https://l/slr"),
        check.PageRow("Amazon Elastic Compute Cloud (Amazon EC2)", "Partial", None),
        check.PageRow("Amazon S3", "Yes", "https://s3/slr"),
    ]  # not Lightsail (No), nor a table without the "Service-linked roles" column


def _policy(name: str, path: str) -> ArchivedPolicy:
    date = "2020-01-01T00:00:00+00:00"
    document = '{"Version": "2012-10-17", "Statement": []}'
    return ArchivedPolicy(name, path, f"About {name}", date, date, 1, {1: (date, document)})


@pytest.fixture
def policies(tmp_path: Path) -> AwsManagedCatalogue:
    archive = tmp_path / "policies.zip"
    write_archive(
        archive,
        [
            _policy("FooServiceRolePolicy", "/aws-service-role/"),
            _policy("BarServiceRolePolicy", "/aws-service-role/"),
            _policy("BazServiceRolePolicy", "/aws-service-role/"),
            _policy("PlainPolicy", "/"),
        ],
        "test@1",
    )
    return AwsManagedCatalogue(PolicyArchive(archive))


def _services(arns: dict[str, list[str]]) -> dict[str, LinkedService]:
    entries = {
        f"{name}.amazonaws.com": {"role_name": f"AWSServiceRoleFor{name}", "policy_arns": arn}
        for name, arn in arns.items()
    }
    return parse_catalog({"services": entries}, "test")


def test_unattached_and_stale(policies: AwsManagedCatalogue) -> None:
    services = _services(
        {
            "foo": [ROLE + "fooservicerolepolicy"],  # names match without regard to case
            "gone": [ROLE + "GoneServiceRolePolicy", ROLE + "BazServiceRolePolicy"],
            "plain": ["arn:aws:iam::aws:policy/PlainPolicy"],
            "wrongpath": ["arn:aws:iam::aws:policy/BarServiceRolePolicy"],
        }
    )
    findings = check.compare(services, policies)
    assert findings.unattached == [(ROLE + "BarServiceRolePolicy", "About BarServiceRolePolicy")]
    assert findings.stale == [
        ("gone.amazonaws.com", ROLE + "GoneServiceRolePolicy", "no such AWS managed policy"),
        (
            "plain.amazonaws.com",
            "arn:aws:iam::aws:policy/PlainPolicy",
            "its path is /, not /aws-service-role/",
        ),
        (
            "wrongpath.amazonaws.com",
            "arn:aws:iam::aws:policy/BarServiceRolePolicy",
            "no such AWS managed policy",
        ),
    ]
    text = check.report(services, findings, "test@1")
    assert "(candidates for missing services): 1\n" in text
    assert f"  {ROLE}BarServiceRolePolicy  # About BarServiceRolePolicy\n" in text
    assert "(stale): 3\n" in text
    assert f"  gone.amazonaws.com: {ROLE}GoneServiceRolePolicy (no such" in text
    assert "AWS services that work with IAM" not in text  # no page given


@pytest.mark.parametrize(
    ("arns", "status"),
    [
        ({"foo": [ROLE + "FooServiceRolePolicy"], "bar": [ROLE + "BarServiceRolePolicy"]}, 1),
        (
            {
                "foo": [ROLE + "FooServiceRolePolicy"],
                "bar": [ROLE + "BarServiceRolePolicy", ROLE + "BazServiceRolePolicy"],
            },
            0,
        ),
        (
            {
                "foo": [ROLE + "FooServiceRolePolicy", ROLE + "Missing"],
                "bar": [ROLE + "BarServiceRolePolicy", ROLE + "BazServiceRolePolicy"],
            },
            1,
        ),
    ],
)
def test_exit_status(
    policies: AwsManagedCatalogue,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    arns: dict[str, list[str]],
    status: int,
) -> None:
    monkeypatch.setattr(check, "aws_managed_catalogue", lambda: policies)
    monkeypatch.setattr(check, "service_catalog", lambda env: _services(arns))
    monkeypatch.setattr(check, "not_creatable", dict)
    page = tmp_path / "page.md"
    page.write_text(PAGE, encoding="utf-8")
    assert check.main(["--services-page", str(page)]) == status
    out = capsys.readouterr().out
    assert out.startswith("Service-linked-role catalogue: 2 services; AWS managed policies: test@1")
    assert "rows with service-linked roles: 4\n(2 Yes, 2 Partial)" in out
    assert "left to the maintainer" in out
    assert "  Amazon Elastic Compute Cloud (Amazon EC2) [Partial] (no link)\n" in out


def _explained(*names: str) -> dict[str, NotCreatable]:
    return {
        ROLE + name: NotCreatable(ROLE + name, "undocumented", f"no page for {name}")
        for name in names
    }


def test_an_explained_candidate_passes_and_an_unexplained_one_fails(
    policies: AwsManagedCatalogue,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    arns = {"foo": [ROLE + "FooServiceRolePolicy"]}  # Bar and Baz are candidates
    monkeypatch.setattr(check, "aws_managed_catalogue", lambda: policies)
    monkeypatch.setattr(check, "service_catalog", lambda env: _services(arns))

    monkeypatch.setattr(check, "not_creatable", lambda: _explained("BarServiceRolePolicy"))
    assert check.main([]) == 1  # Baz is neither catalogued nor explained
    out = capsys.readouterr().out
    assert f"(candidates for missing services): 1\n  {ROLE}BazServiceRolePolicy  # About" in out
    assert "Explained by not_creatable (no entry on purpose): 1\n" in out
    assert f"  {ROLE}BarServiceRolePolicy [undocumented] no page for BarServiceRolePolicy\n" in out

    both = _explained("barservicerolepolicy", "BazServiceRolePolicy")  # ARNs match in any case
    monkeypatch.setattr(check, "not_creatable", lambda: both)
    assert check.main([]) == 0
    out = capsys.readouterr().out
    assert "(candidates for missing services): 0\n" in out
    assert "Explained by not_creatable (no entry on purpose): 2\n" in out
    assert "(stale explanations): 0\n" in out


def test_explanations_for_attached_or_other_policies_are_stale(
    policies: AwsManagedCatalogue,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    services = _services({"foo": [ROLE + "FooServiceRolePolicy"]})
    explanations = {
        **_explained("BarServiceRolePolicy", "BazServiceRolePolicy"),
        **_explained("FooServiceRolePolicy", "GoneServiceRolePolicy"),
        "arn:aws:iam::aws:policy/PlainPolicy": NotCreatable(
            "arn:aws:iam::aws:policy/PlainPolicy", "retired", "not a service-role policy"
        ),
    }
    findings = check.compare(services, policies, explanations)
    assert findings.unattached == []
    assert [e.policy_arn for e in findings.explained] == [
        ROLE + "BarServiceRolePolicy",
        ROLE + "BazServiceRolePolicy",
    ]
    assert findings.stale == []
    assert findings.stale_explanations == [
        ("arn:aws:iam::aws:policy/PlainPolicy", "its path is /, not /aws-service-role/"),
        (ROLE + "FooServiceRolePolicy", "foo.amazonaws.com attaches it"),
        (ROLE + "GoneServiceRolePolicy", "no such AWS managed policy"),
    ]

    monkeypatch.setattr(check, "aws_managed_catalogue", lambda: policies)
    monkeypatch.setattr(check, "service_catalog", lambda env: services)
    monkeypatch.setattr(check, "not_creatable", lambda: explanations)
    assert check.main([]) == 1  # nothing unexplained, but stale explanations
    out = capsys.readouterr().out
    assert "(stale explanations): 3\n" in out
    assert f"  {ROLE}FooServiceRolePolicy (foo.amazonaws.com attaches it)\n" in out


def test_the_shipped_catalogues(capsys: pytest.CaptureFixture[str]) -> None:
    status = check.main([])
    out = capsys.readouterr().out
    services = service_catalog({})
    explained = not_creatable()
    findings = check.compare(services, aws_managed_catalogue(), explained)
    assert findings.stale == []  # test_service_catalog.py holds every entry to that
    assert findings.stale_explanations == []
    assert all(arn.startswith(ROLE) for arn, _ in findings.unattached)
    assert len(findings.explained) == len(explained)
    assert status == (1 if findings.unattached else 0)  # a refreshed archive may add candidates
    assert f"Service-linked-role catalogue: {len(services)} services;" in out
    assert f"(candidates for missing services): {len(findings.unattached)}\n" in out
    assert f"Explained by not_creatable (no entry on purpose): {len(explained)}\n" in out
    assert "(stale): 0\n" in out
    assert "(stale explanations): 0\n" in out
