"""``rolegate graph`` through the real command, on the node's database (SQLite and PostgreSQL):
a two-account chain, web identity and service principals, JSON, DOT that Graphviz accepts, paths
explained, and what each bad input gets."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
from account_helpers import Account, new_account

from harness import ACCOUNT_ID, Node

OIDC_URL = "https://issuer.example.com"


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


def _allow_assume(resource: str) -> str:
    return _doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": resource})


def _trust(principal: dict[str, str], action: str = "sts:AssumeRole", **more: Any) -> str:
    return _doc({"Effect": "Allow", "Principal": principal, "Action": action, **more})


@pytest.fixture
def world(node: Node) -> tuple[Account, Account]:
    """Account a: user dev may assume role deploy, which may assume role prod of account b;
    user intern may not; role ci trusts a web identity provider, role box trusts EC2."""
    a, b = new_account(node), new_account(node)
    prod = f"arn:aws:iam::{b.account_id}:role/prod"
    deploy = f"arn:aws:iam::{a.account_id}:role/deploy"
    a.iam.create_user(UserName="dev")
    a.iam.put_user_policy(UserName="dev", PolicyName="p", PolicyDocument=_allow_assume(deploy))
    a.iam.create_user(UserName="intern")
    a.iam.create_role(RoleName="deploy", AssumeRolePolicyDocument=_trust({"AWS": a.account_id}))
    a.iam.put_role_policy(RoleName="deploy", PolicyName="p", PolicyDocument=_allow_assume(prod))
    provider = a.iam.create_open_id_connect_provider(
        Url=OIDC_URL, ClientIDList=["app"], ThumbprintList=["a" * 40]
    )["OpenIDConnectProviderArn"]
    a.iam.create_role(
        RoleName="ci",
        AssumeRolePolicyDocument=_trust(
            {"Federated": provider},
            "sts:AssumeRoleWithWebIdentity",
            Condition={"StringEquals": {"issuer.example.com:aud": "app"}},
        ),
    )
    a.iam.create_role(
        RoleName="box", AssumeRolePolicyDocument=_trust({"Service": "ec2.amazonaws.com"})
    )
    b.iam.create_role(
        RoleName="prod",
        AssumeRolePolicyDocument=_trust({"AWS": f"arn:aws:iam::{a.account_id}:root"}),
    )
    return a, b


def _arn(account: Account, kind: str, name: str) -> str:
    return f"arn:aws:iam::{account.account_id}:{kind}/{name}"


def test_json_of_one_account(node: Node, world: tuple[Account, Account]) -> None:
    a, b = world
    done = node.admin("graph", "--account", a.account_id)
    assert done.returncode == 0, done.stderr
    graph = json.loads(done.stdout)
    found = {(e["from"], e["to"]): e for e in graph["edges"]}
    provider = f"arn:aws:iam::{a.account_id}:oidc-provider/issuer.example.com"
    assert set(found) == {
        (_arn(a, "user", "dev"), _arn(a, "role", "deploy")),
        (provider, _arn(a, "role", "ci")),
        ("ec2.amazonaws.com", _arn(a, "role", "box")),
        # b's role, named by deploy's policy: decided on a's side, b's trust out of sight
        (_arn(a, "role", "deploy"), _arn(b, "role", "prod")),
    }
    outward = found[(_arn(a, "role", "deploy"), _arn(b, "role", "prod"))]
    assert [s["kind"] for s in outward["explanation"]] == ["identity", "delegated"]
    web = found[(provider, _arn(a, "role", "ci"))]
    assert web["status"] == "conditional"
    assert web["action"] == "sts:AssumeRoleWithWebIdentity"
    assert [c["key"] for c in web["conditions"]] == ["issuer.example.com:aud"]
    dev = found[(_arn(a, "user", "dev"), _arn(a, "role", "deploy"))]
    assert [s["kind"] for s in dev["explanation"]] == ["trust", "identity"]
    assert dev["explanation"][1]["policy"] == f"inline policy p of {_arn(a, 'user', 'dev')}"
    assert (dev["explanation"][1]["line"], dev["explanation"][1]["column"]) == (4, 5)
    kinds = {n["id"]: n["kind"] for n in graph["nodes"]}
    assert kinds[_arn(a, "user", "intern")] == "user"  # a node, with no edge
    assert kinds[provider] == "oidc"
    # account b alone: a's principals stand behind one account node, which must allow too
    done = node.admin("graph", "--account", b.account_id, "--format", "text")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"account {a.account_id} -> role prod (sts:AssumeRole, allowed)\n"


def test_paths_across_two_accounts_explained(node: Node, world: tuple[Account, Account]) -> None:
    a, b = world
    accounts = ("--account", a.account_id, "--account", b.account_id)
    dev, prod = _arn(a, "user", "dev"), _arn(b, "role", "prod")
    done = node.admin("graph", *accounts, "--from", dev, "--to", prod)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Path 1: user dev -> role deploy -> role prod"
    assert f"  2. {_arn(a, 'role', 'deploy')} -> {prod} by sts:AssumeRole: allowed" in lines
    assert any(
        f"[trust policy of {prod}, line 4, column 5]" in line and "names its account" in line
        for line in lines
    )
    assert any("both sides must allow" in line for line in lines)
    done = node.admin("graph", *accounts, "--from", dev, "--to", prod, "--format", "json")
    (path,) = json.loads(done.stdout)["paths"]
    assert path["nodes"] == [dev, _arn(a, "role", "deploy"), prod]
    assert path["edges"][1]["cross_account"] is True
    # --from alone: the shortest path to everything dev reaches
    done = node.admin("graph", *accounts, "--from", dev, "--format", "json")
    reached = [p["nodes"] for p in json.loads(done.stdout)["paths"]]
    assert reached == [[dev, _arn(a, "role", "deploy")], [dev, _arn(a, "role", "deploy"), prod]]


def test_no_path_is_explained_and_exits_1(node: Node, world: tuple[Account, Account]) -> None:
    a, _ = world
    intern, deploy = _arn(a, "user", "intern"), _arn(a, "role", "deploy")
    done = node.admin("graph", "--account", a.account_id, "--from", intern, "--to", deploy)
    assert done.returncode == 1
    assert done.stdout == (
        f"No path.\n{intern} -> {deploy}: ImplicitDeny\n  - No identity-based policy allows it.\n"
    )


def test_dot_is_accepted_by_graphviz(node: Node, world: tuple[Account, Account]) -> None:
    a, b = world
    done = node.admin(
        "graph", "--account", a.account_id, "--account", b.account_id, "--format", "dot"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("digraph access {")
    assert "style=dashed" in done.stdout  # the web identity edge is conditional
    svg = subprocess.run(
        ["dot", "-Tsvg"], input=done.stdout, capture_output=True, text=True, timeout=60
    )
    assert svg.returncode == 0, svg.stderr
    assert svg.stderr == ""
    assert svg.stdout.count('class="edge"') == 4
    assert svg.stdout.count('class="node"') == 8  # 2 users, 4 roles, provider, service


def test_bad_input(node: Node) -> None:
    done = node.admin("graph", "--account", "12345")
    assert (done.returncode, done.stderr) == (
        2,
        "rolegate: --account must be 12 digits, not '12345'\n",
    )
    done = node.admin("graph", "--account", "999999999999")
    assert (done.returncode, done.stderr) == (1, "rolegate: no account 999999999999\n")
    done = node.admin("graph", "--account", ACCOUNT_ID, "--to", "arn:aws:iam::1:role/x")
    assert (done.returncode, done.stderr) == (
        1,
        "rolegate: arn:aws:iam::1:role/x is not a node of the graph\n",
    )
    done = node.admin("graph")
    assert done.returncode == 2 and "--account" in done.stderr
