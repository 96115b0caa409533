"""One runner for the evaluation corpus (tests/policy/corpus/*.yaml): library, reference, CLI.

Each YAML file has optional ``defaults.request`` (merged under every case's ``request``) and a list
of ``cases``; each case has ``name``, ``cite`` (the AWS doc section it checks), ``policies``,
``request`` and ``expect``: ``decision`` and optionally ``matched`` (Sids of the statements that
applied, in order) and ``missing_allow``; optionally ``principal_ids`` (the resource policy's
principals bound to unique ids).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from rolegate.cli.policy_eval import eval_text
from rolegate.policy.cases import evaluate_case, policies_from_json, request_from_json
from rolegate.policy.compile import PolicyCompiler
from rolegate.policy.reference import reference_evaluate

CORPUS = Path(__file__).parent / "corpus"


def _merge(defaults: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    request = {**defaults.get("request", {}), **case.get("request", {})}
    merged = {"policies": case.get("policies") or {}, "request": request}
    if "principal_ids" in case:
        merged["principal_ids"] = case["principal_ids"]
    return merged


def load_corpus() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    loaded = []
    for path in sorted(CORPUS.glob("*.yaml")):
        content = yaml.safe_load(path.read_text())
        for case in content["cases"]:
            assert case.get("cite"), f"{path.name}: {case['name']} cites no AWS doc section"
            case_id = f"{path.stem}: {case['name']}"
            loaded.append((case_id, _merge(content.get("defaults", {}), case), case["expect"]))
    return loaded


CASES = load_corpus()


def _check(result: dict[str, Any], expect: dict[str, Any]) -> None:
    assert result["decision"] == expect["decision"]
    if "matched" in expect:
        assert [m["sid"] for m in result["matched"]] == expect["matched"]
    if "missing_allow" in expect:
        assert result["missing_allow"] == expect["missing_allow"]


@pytest.mark.parametrize(("case", "expect"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_library(case: dict[str, Any], expect: dict[str, Any]) -> None:
    _check(evaluate_case(case).to_json(), expect)


@pytest.mark.parametrize(("case", "expect"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_reference_evaluator(case: dict[str, Any], expect: dict[str, Any]) -> None:
    policies = policies_from_json(case, PolicyCompiler())
    _check(reference_evaluate(request_from_json(case["request"]), policies).to_json(), expect)


def test_cli_decides_the_whole_corpus_in_one_run() -> None:
    out, err = io.StringIO(), io.StringIO()
    status = eval_text(json.dumps([case for _, case, _ in CASES]), out, err)
    assert status == 0, err.getvalue()
    lines = out.getvalue().splitlines()
    assert len(lines) == len(CASES)
    for (case_id, _, expect), line in zip(CASES, lines, strict=True):
        try:
            _check(json.loads(line), expect)
        except AssertionError as failure:
            raise AssertionError(f"{case_id}: {line}") from failure


def test_cli_reads_json_lines_and_reports_case_errors() -> None:
    good = json.dumps(CASES[0][1])
    bad = json.dumps({"policies": {"identity": ["{not json"]}, "request": CASES[0][1]["request"]})
    out, err = io.StringIO(), io.StringIO()
    assert eval_text(f"{good}\n\n{bad}\n", out, err) == 1
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert "decision" in first
    assert second["error"]["code"] == "MalformedPolicyDocument"
