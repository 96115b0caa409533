"""The package dependency rules of ARCHITECTURE.md, checked on the source.

Dependencies point down: domain <- policy <- auth; domain <- wire; domain <- store;
services use all of those; server uses services; cli uses everything. The pure packages never
import a web framework, a database driver, or read the clock.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "rolegate"

# For each package: the rolegate packages and third-party distributions it may import.
ALLOWED: dict[str, tuple[set[str], set[str]]] = {
    "domain": ({"domain"}, set()),
    "policy": ({"domain", "policy"}, set()),
    "wire": ({"domain", "wire"}, {"botocore", "regex"}),
    "auth": ({"domain", "policy", "auth"}, {"cryptography"}),
    "federation": (
        {"domain", "federation"},
        {"cryptography", "joserfc", "signxml", "defusedxml", "lxml", "httpx"},
    ),
    "store": ({"domain", "store"}, {"sqlalchemy", "alembic", "psycopg"}),
}
CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("time", "time"), ("date", "today")}
PURE = ("domain", "policy", "wire", "auth")


def _modules(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_down(package: str) -> None:
    inner, third_party = ALLOWED[package]
    problems = []
    for path in _modules(package):
        if "migrations" in path.parts and package == "store":
            continue
        for name in _imports(path):
            top = name.split(".")[0]
            if top == "rolegate":
                sub = name.split(".")[1] if "." in name else ""
                if sub and sub not in inner:
                    problems.append(f"{path.relative_to(SRC)} imports {name}")
            elif (
                top not in sys.stdlib_module_names
                and top not in third_party
                and top != "__future__"
            ):
                problems.append(f"{path.relative_to(SRC)} imports {name}")
    assert problems == []


@pytest.mark.parametrize("package", PURE)
def test_pure_packages_never_read_the_clock(package: str) -> None:
    problems = []
    for path in _modules(package):
        if path.name in {"master_key.py"}:  # the key file loader is auth's one I/O edge
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                owner_name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
                if (owner_name, node.func.attr) in CLOCK_CALLS:
                    problems.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert problems == []


def test_services_do_not_reach_up() -> None:
    for path in _modules("services"):
        for name in _imports(path):
            assert not name.startswith(("rolegate.server", "rolegate.cli")), (
                f"{path} imports {name}"
            )
