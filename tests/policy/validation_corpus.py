"""Loads tests/policy/validation_cases/*.json (see its README) for the library and CLI runners."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CASES_DIR = Path(__file__).parent / "validation_cases"


def load_cases(name: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads((CASES_DIR / name).read_text(encoding="utf-8"))
    return cases


def policy_text(case: dict[str, Any]) -> str:
    """The document as text: strings are used as written, JSON values pretty-printed."""
    policy = case["policy"]
    return policy if isinstance(policy, str) else json.dumps(policy, indent=2)


MALFORMED = load_cases("malformed.json")
VALID = load_cases("valid.json")
