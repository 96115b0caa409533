"""The access graph on hand-built accounts: every edge decided by the policy engine."""

from __future__ import annotations

from urllib.parse import unquote

from graph.graph_accounts import A, Account, B, allow, doc, trust
from rolegate.graph import ALLOWED, CONDITIONAL, Graph, build_graph, explain_denial, find_paths

ROOT_A = f"arn:aws:iam::{A}:root"


def edges(graph: Graph) -> dict[tuple[str, str], str]:
    return {(e.source, e.target): e.status for e in graph.edges}


def test_same_account_user_needs_identity_permission_when_trust_names_the_account() -> None:
    account = Account()
    allowed = account.user("alice", doc(allow("sts:AssumeRole", account.arn("role", "app"))))
    refused = account.user("bob", doc(allow("s3:GetObject")))
    role = account.role("app", doc(trust({"AWS": ROOT_A})))
    graph = build_graph([account.view()])
    assert edges(graph) == {(allowed, role): ALLOWED}
    edge = graph.edges[0]
    kinds = [s.kind for s in edge.steps]
    assert kinds == ["trust", "identity"]
    trust_step, identity_step = edge.steps
    assert trust_step.policy == f"trust policy of {role}"
    assert "names its account 111111111111" in trust_step.text
    assert (trust_step.line, trust_step.column) == (4, 5)  # the statement's "{"
    assert identity_step.policy == f"inline policy p0 of {allowed}"
    denial = explain_denial([account.view()], refused, role)
    assert denial is not None and denial.effect == "ImplicitDeny"
    assert [s.text for s in denial.steps] == ["No identity-based policy allows it."]
    assert explain_denial([account.view()], allowed, role) is None  # it can


def test_trust_naming_the_user_is_enough_in_the_same_account() -> None:
    account = Account()
    user = account.user("carol")
    role = account.role("named", doc(trust({"AWS": account.arn("user", "carol")})))
    graph = build_graph([account.view()])
    assert edges(graph) == {(user, role): ALLOWED}
    assert [s.kind for s in graph.edges[0].steps] == ["trust", "not-needed"]
    assert f"names {user}" in graph.edges[0].steps[0].text


def test_group_and_managed_policies_count_as_the_users() -> None:
    account = Account()
    policy = account.managed("assume", doc(allow("sts:AssumeRole")))
    account.group("ops", doc(allow("iam:ListRoles")))
    account.groups[0]["AttachedManagedPolicies"] = [{"PolicyName": "assume", "PolicyArn": policy}]
    user = account.user("dave", groups=("ops",))
    role = account.role("ops-role", doc(trust({"AWS": A})))
    graph = build_graph([account.view()])
    assert edges(graph) == {(user, role): ALLOWED}
    assert graph.edges[0].steps[1].policy == f"{policy} (through group ops)"


def test_cross_account_root_trust_is_an_account_node_that_must_allow_too() -> None:
    account = Account()
    role = account.role("shared", doc(trust({"AWS": f"arn:aws:iam::{B}:root"})))
    graph = build_graph([account.view()])
    other = f"arn:aws:iam::{B}:root"
    assert edges(graph) == {(other, role): ALLOWED}
    assert graph.nodes[other].kind == "account"
    edge = graph.edges[0]
    assert edge.cross_account
    assert [s.kind for s in edge.steps] == ["trust", "delegated"]
    assert f"Account {B} must also allow" in edge.steps[1].text


def test_both_accounts_given_decide_the_cross_account_edge_on_both_sides() -> None:
    a, b = Account(A), Account(B)
    role = b.role("shared", doc(trust({"AWS": A})))
    may = a.user("erin", doc(allow("sts:AssumeRole", role)))
    a.user("frank", doc(allow("s3:*")))
    graph = build_graph([a.view(), b.view()])
    assert edges(graph) == {(may, role): ALLOWED}
    assert [s.kind for s in graph.edges[0].steps] == ["trust", "identity", "delegated"]
    assert f"arn:aws:iam::{A}:root" not in graph.nodes  # its principals are known


def test_external_role_arn_is_its_own_node() -> None:
    account = Account()
    external = f"arn:aws:iam::{B}:role/deployer"
    role = account.role("deploy-target", doc(trust({"AWS": external})))
    graph = build_graph([account.view()])
    assert edges(graph) == {(external, role): ALLOWED}
    assert graph.nodes[external].kind == "external"


def test_oidc_and_saml_providers_with_conditions_are_conditional() -> None:
    account = Account()
    oidc = f"arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com"
    saml = f"arn:aws:iam::{A}:saml-provider/corp"
    account.oidc.append(oidc)
    account.saml.append(saml)
    ci = account.role(
        "ci",
        doc(
            trust(
                {"Federated": oidc},
                "sts:AssumeRoleWithWebIdentity",
                Condition={
                    "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
                },
            )
        ),
    )
    staff = account.role(
        "staff",
        doc(
            trust(
                {"Federated": saml},
                "sts:AssumeRoleWithSAML",
                Condition={"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
            )
        ),
    )
    graph = build_graph([account.view()])
    assert edges(graph) == {(oidc, ci): CONDITIONAL, (saml, staff): CONDITIONAL}
    by_target = {e.target: e for e in graph.edges}
    assert by_target[ci].action == "sts:AssumeRoleWithWebIdentity"
    assert by_target[staff].action == "sts:AssumeRoleWithSAML"
    (condition,) = by_target[ci].conditions
    assert condition.key == "token.actions.githubusercontent.com:aud"
    assert condition.values == ("sts.amazonaws.com",)
    assert (condition.line, condition.column) == (12, 11)  # the clause's key
    assert graph.nodes[oidc].kind == "oidc" and graph.nodes[saml].kind == "saml"


def test_provider_trusted_with_the_wrong_action_gets_no_edge() -> None:
    account = Account()
    oidc = f"arn:aws:iam::{A}:oidc-provider/issuer.example.com"
    account.oidc.append(oidc)
    account.role("wrong", doc(trust({"Federated": oidc}, "sts:AssumeRole")))
    assert build_graph([account.view()]).edges == []


def test_service_principal() -> None:
    account = Account()
    role = account.role("instance", doc(trust({"Service": "ec2.amazonaws.com"})))
    graph = build_graph([account.view()])
    assert edges(graph) == {("ec2.amazonaws.com", role): ALLOWED}
    assert graph.nodes["ec2.amazonaws.com"].kind == "service"


def test_deny_in_a_boundary_removes_the_edge_and_says_where() -> None:
    account = Account()
    role = account.arn("role", "guarded")
    boundary = account.managed(
        "fence",
        doc(allow("*"), {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": role}),
    )
    user = account.user("gina", doc(allow("sts:AssumeRole")), boundary=boundary)
    account.role("guarded", doc(trust({"AWS": A})))
    graph = build_graph([account.view()])
    assert graph.edges == []
    denial = explain_denial([account.view()], user, role)
    assert denial is not None and denial.effect == "ExplicitDeny"
    (step,) = denial.steps
    assert step.policy == f"permissions boundary {boundary}"
    assert (step.line, step.column) == (9, 5)
    assert "statement 2" in step.text


def test_boundary_without_the_action_narrows() -> None:
    account = Account()
    boundary = account.managed("s3-only", doc(allow("s3:*")))
    user = account.user("hal", doc(allow("sts:AssumeRole")), boundary=boundary)
    role = account.role("narrowed", doc(trust({"AWS": A})))
    graph = build_graph([account.view()])
    assert graph.edges == []
    denial = explain_denial([account.view()], user, role)
    assert denial is not None
    assert [s.text for s in denial.steps] == ["No permissions boundary allows it."]


def test_role_chain_and_paths_explained() -> None:
    account = Account()
    second = account.arn("role", "second")
    user = account.user("ivy", doc(allow("sts:AssumeRole", account.arn("role", "first"))))
    first = account.role("first", doc(trust({"AWS": A})), doc(allow("sts:AssumeRole", second)))
    account.role("second", doc(trust({"AWS": first})))
    graph = build_graph([account.view()])
    assert edges(graph) == {(user, first): ALLOWED, (first, second): ALLOWED}
    (path,) = find_paths(graph, user, second)
    assert path.nodes == (user, first, second)
    hop = path.edges[1]
    assert [s.kind for s in hop.steps] == ["trust", "identity"]
    assert "names its role" in hop.steps[0].text  # the role ARN names the role's sessions
    assert hop.steps[1].text.endswith("Not required: the trust policy names the caller itself.")
    assert "Not required" not in path.edges[0].steps[1].text  # named through its account
    reached = {p.nodes[-1] for p in find_paths(graph, user, None)}
    assert reached == {first, second}
    reachers = {p.nodes[0] for p in find_paths(graph, None, second)}
    assert reachers == {user, first}
    assert find_paths(graph, second, user) == []


def test_open_trust_and_mfa_condition() -> None:
    account = Account()
    user = account.user("jack")
    role = account.role("open", doc(trust("*")))
    mfa = account.role(
        "mfa",
        doc(trust({"AWS": A}, Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
    )
    account.users[0]["UserPolicyList"] = [
        {"PolicyName": "p", "PolicyDocument": doc(allow("sts:AssumeRole", mfa))}
    ]
    graph = build_graph([account.view()])
    assert edges(graph) == {
        ("*", role): ALLOWED,
        (user, role): ALLOWED,  # "*" names every principal of the account too
        (mfa, role): ALLOWED,
        (user, mfa): CONDITIONAL,
    }
    assert graph.nodes["*"].kind == "everyone"
    conditional = next(e for e in graph.edges if e.target == mfa)
    assert [c.key for c in conditional.conditions] == ["aws:MultiFactorAuthPresent"]
    assert conditional.steps[-1].kind == "condition"


def test_conditions_on_the_principal_are_decided() -> None:
    account = Account()
    role_arn = account.arn("role", "pinned")
    chosen = account.user("kim", doc(allow("sts:AssumeRole", role_arn)))
    account.user("lee", doc(allow("sts:AssumeRole", role_arn)))
    account.role(
        "pinned",
        doc(trust({"AWS": A}, Condition={"ArnEquals": {"aws:PrincipalArn": chosen}})),
    )
    assert edges(build_graph([account.view()])) == {(chosen, role_arn): ALLOWED}


def test_conditional_deny_in_trust_makes_the_edge_conditional() -> None:
    account = Account()
    service = "lambda.amazonaws.com"
    role = account.role(
        "fn",
        doc(
            trust({"Service": service}),
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sts:AssumeRole",
                "Condition": {"StringNotEquals": {"aws:SourceAccount": A}},
            },
        ),
    )
    graph = build_graph([account.view()])
    assert edges(graph) == {(service, role): CONDITIONAL}
    edge = next(e for e in graph.edges if e.source == service)
    (condition,) = edge.conditions
    assert (condition.effect, condition.key) == ("Deny", "aws:SourceAccount")
    assert edge.steps[-1].text.startswith("Denied if StringNotEquals aws:SourceAccount")


def test_unique_id_in_trust_and_plain_or_dict_documents() -> None:
    account = Account()
    user = account.user("mo")
    unique = account.users[0]["UserId"]
    role = account.role("by-id", unquote(doc(trust({"AWS": unique}))))  # plain JSON text
    graph = build_graph([account.view()])
    assert edges(graph) == {(user, role): ALLOWED}
    account.roles[0]["AssumeRolePolicyDocument"] = {
        "Version": "2012-10-17",
        "Statement": [trust({"AWS": "AIDAGONE0000000000000"})],
    }
    assert build_graph([account.view()]).edges == []  # a deleted principal names no one


def test_unparsable_policies_are_listed_as_skipped() -> None:
    account = Account()
    user = account.user("ned", "not json")
    account.role("r", doc(trust({"AWS": A})))
    graph = build_graph([account.view()])
    assert graph.skipped == [f"inline policy p0 of {user}"]
    assert graph.edges == []


def test_roles_of_other_accounts_named_by_identity_policies() -> None:
    account = Account()
    target = f"arn:aws:iam::{B}:role/partner"
    user = account.user(
        "olga", doc(allow("sts:AssumeRole", [target, f"arn:aws:iam::{B}:role/team-*"]))
    )
    account.user("pat", doc(allow("s3:*", target)))
    graph = build_graph([account.view()])
    assert edges(graph) == {(user, target): ALLOWED}
    assert graph.nodes[target].kind == "external"
    assert [s.kind for s in graph.edges[0].steps] == ["identity", "delegated"]
    assert "The trust policy of arn:aws:iam::222222222222:role/partner must" in (
        graph.edges[0].steps[1].text
    )
    # with both accounts given, the real trust policy decides
    other = Account(B)
    other.role("partner", doc(trust({"AWS": f"arn:aws:iam::{A}:user/someone-else"})))
    assert build_graph([account.view(), other.view()]).edges == []


def test_callers_named_by_their_account_are_found_by_the_roles_their_policies_name() -> None:
    account = Account()
    trusting = doc(trust({"AWS": ROOT_A}))
    app, team, other = (account.role(n, trusting) for n in ("app", "team-db", "other"))
    literal = account.user("lit", doc(allow("sts:AssumeRole", app)))
    pattern = account.user("pat", doc(allow("sts:AssumeRole*", account.arn("role", "team-*"))))
    anywhere = account.user("any", doc(allow("sts:*")))
    anything_else = account.user(
        "not", doc({"Effect": "Allow", "Action": "sts:AssumeRole", "NotResource": app})
    )
    own = account.user("own", doc(allow("sts:AssumeRole", "arn:aws:iam::*:role/${aws:username}")))
    account.role("own", trusting)
    account.user("none", doc(allow("s3:*", app)))  # names the role, not for sts:AssumeRole
    # the same statement in two principals' policies: matched once per role for both
    twin = account.user("twin", doc(allow("sts:AssumeRole", account.arn("role", "team-*"))))
    graph = build_graph([account.view()])
    own_role = account.arn("role", "own")
    assert edges(graph) == {
        (anywhere, app): ALLOWED,
        (anywhere, team): ALLOWED,
        (anywhere, other): ALLOWED,
        (anywhere, own_role): ALLOWED,
        (literal, app): ALLOWED,
        (pattern, team): ALLOWED,
        (twin, team): ALLOWED,
        (anything_else, team): ALLOWED,
        (anything_else, other): ALLOWED,
        (anything_else, own_role): ALLOWED,
        (own, own_role): ALLOWED,
    }


def test_a_pattern_reaches_the_roles_of_the_accounts_given_only() -> None:
    """``arn:aws:iam::*:role/*`` names no role the graph can draw in an account it was not
    given (docs/graph.md); given that account, its roles that trust this one are reached."""
    a, b = Account(A), Account(B)
    user = a.user("quinn", doc(allow("sts:AssumeRole", "arn:aws:iam::*:role/*")))
    shared = b.role("shared", doc(trust({"AWS": A})))
    b.role("closed", doc(trust({"AWS": f"arn:aws:iam::{B}:root"})))
    assert build_graph([a.view()]).edges == []
    assert edges(build_graph([a.view(), b.view()])) == {(user, shared): ALLOWED}
