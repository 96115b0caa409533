"""``rolegate policy validate``: the validation corpus through the CLI, plus its own contract."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from policy.validation_corpus import MALFORMED, VALID, policy_text
from rolegate.cli.policy_cmd import main


def run_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str, stdin: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["policy", "validate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("case", MALFORMED, ids=[case["id"] for case in MALFORMED])
def test_cli_reports_aws_message_first(
    case: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(
        monkeypatch, capsys, "-", "--kind", case["kind"], "--json", stdin=policy_text(case)
    )
    first = json.loads(out.splitlines()[0])
    assert code == 1
    assert first["code"] == "MalformedPolicyDocument"
    assert first["message"] == case["error"]


@pytest.mark.parametrize("case", VALID, ids=[case["id"] for case in VALID])
def test_cli_accepts_valid_policy(
    case: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(
        monkeypatch, capsys, "-", "--kind", case["kind"], stdin=policy_text(case)
    )
    assert code == 0
    first, *warnings = out.splitlines()
    assert first == f"-: valid {case['kind']} policy"
    # names no service defines (these cases' "iam: asdf", vendors like "a-b") are warnings only
    assert all(": Warning: " in line for line in warnings)


def test_text_output_lists_every_finding_with_position(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.json"
    path.write_text(
        '{\n  "Version": "2012-10-17",\n  "Statement": {\n    "Sid": "a_b",\n'
        '    "Effect": "Allow", "Principal": "*", "Action": "s3"\n  }\n}\n'
    )
    code, out, _ = run_cli(monkeypatch, capsys, str(path), stdin="")
    assert code == 1
    assert out.splitlines() == [
        f"{path}:3:16: MalformedPolicyDocument: Policy document should not specify a principal.",
        f"{path}:3:16: MalformedPolicyDocument: Statement IDs (SID) must be alpha-numeric. "
        "Check that your input satisfies the regular expression [0-9A-Za-z]*",
        f"{path}:3:16: MalformedPolicyDocument: Actions/Conditions must be prefaced by a vendor, "
        "e.g., iam, sdb, ec2, etc.",
        f"{path}:3:16: MalformedPolicyDocument: Policy statement must contain resources.",
    ]


def test_syntax_error_shows_position_and_detail(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(monkeypatch, capsys, "-", stdin='{"Statement": [\n  1,,\n]}')
    assert code == 1
    assert out == "-:2:5: MalformedPolicyDocument: Syntax errors in policy. [Expecting value]\n"


def test_size_quota_is_reported_as_limit_exceeded(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    principals = [f"arn:aws:iam::111122223333:role/r{i:04d}" for i in range(60)]
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": {"AWS": principals},
                "Action": "sts:AssumeRole",
            },
        }
    )
    code, out, _ = run_cli(monkeypatch, capsys, "-", "--kind", "trust", "--json", stdin=trust)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert records == [
        {
            "file": "-",
            "kind": "trust",
            "code": "LimitExceeded",
            "message": "Cannot exceed quota for ACLSizePerRole: 2048",
            "line": None,
            "column": None,
            "statement": None,
            "detail": "",
        }
    ]


def test_usage_errors_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(monkeypatch, capsys, str(tmp_path / "missing.json"), stdin="")
    assert code == 2
    assert "cannot read" in err
    with pytest.raises(SystemExit) as exited:
        main(["policy", "validate", "-", "--kind", "bogus"])
    assert exited.value.code == 2


def test_module_entry_point_runs_as_a_process(tmp_path: Path) -> None:
    path = tmp_path / "trust.json"
    path.write_text(policy_text(VALID[0]))
    done = subprocess.run(
        [sys.executable, "-m", "rolegate.cli.policy_cmd", "policy", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (0, f"{path}: valid identity policy\n")


@pytest.mark.parametrize(
    ("kind", "quota"),
    [
        ("identity", "Cannot exceed quota for PolicySize: 6144"),
        ("boundary", "Cannot exceed quota for PolicySize: 6144"),
        ("resource", None),
        ("scp", None),
    ],
)
def test_size_quota_by_kind(
    kind: str,
    quota: str | None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    principal = {"Principal": "*"} if kind == "resource" else {}
    statement = {"Effect": "Allow", **principal, "Action": "s3:GetObject", "Resource": "*"}
    big = json.dumps(
        {"Version": "2012-10-17", "Statement": [{**statement, "Sid": f"S{i}"} for i in range(120)]}
    )
    code, out, _ = run_cli(monkeypatch, capsys, "-", "--kind", kind, "--json", stdin=big)
    messages = [json.loads(line)["message"] for line in out.splitlines()]
    assert messages == ([quota] if quota else [])
    assert code == (1 if quota else 0)


def test_main_rolegate_command_has_policy_validate(tmp_path: Path) -> None:
    path = tmp_path / "trust.json"
    path.write_text(
        '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": "*", '
        '"Action": "sts:AssumeRole"}}'
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "rolegate.cli.main",
            "policy",
            "validate",
            str(path),
            "--kind",
            "trust",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stdout == (
        f"{path}:1:40: MalformedPolicyDocument: "
        'AssumeRolepolicy contained an invalid principal: "STAR":"*".\n'
    )
