"""The console over raw HTTP (in-process nodes): sign-out and the sign-in throttle honored by
every node on one database, CSRF refusals of the editing buttons, the principal's own
permissions deciding what a button may do, and the access graph following every change."""

from __future__ import annotations

import html
import json
import re
import time
import uuid
from urllib.parse import unquote, urlencode

import pytest
from in_process import InProcessNode

from rolegate.console.api import ApiClient, ApiError, SessionCredentials
from rolegate.console.graph_page import GraphPage
from rolegate.graph import build_graph
from rolegate.server.console_backend import ServerBackend

from harness import ACCOUNT_ID

PASSWORD = "Pw-0123456789-abc"
FORM = ("content-type", "application/x-www-form-urlencoded")


class Browser:
    """One browser's cookies against a node (or, as behind a load balancer, several)."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def send(
        self, node: InProcessNode, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        headers = [("host", "127.0.0.1:9")]
        if self.cookies:
            headers.append(("cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items())))
        body = b""
        if form is not None:
            headers.append(FORM)
            body = urlencode(form).encode()
        target, mark, query = path.partition("?")  # ASGI paths arrive percent-decoded
        status, answer, raw = node.request(method, unquote(target) + mark + query, headers, body)
        if "set-cookie" in answer:
            name, _, rest = answer["set-cookie"].partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in answer["set-cookie"]:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return status, answer, raw.decode()

    def sign_in(self, node: InProcessNode, user: str, password: str) -> int:
        self.send(node, "GET", "/console/signin")
        form = {"csrf": self.cookies["rolegate-console-login"], "account": ACCOUNT_ID}
        status, _, _ = self.send(
            node, "POST", "/console/signin", {**form, "user": user, "password": password}
        )
        return status

    def csrf(self, node: InProcessNode) -> str:
        _, _, page = self.send(node, "GET", "/console/")
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        assert found is not None
        return found.group(1)


def _user(node: InProcessNode, *policies: str) -> str:
    iam = node.client("iam")
    name = f"nodes-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password=PASSWORD)
    for arn in policies:
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
    return name


def test_sign_out_on_one_node_ends_the_session_on_the_other(
    two_nodes: tuple[InProcessNode, InProcessNode],
) -> None:
    first, second = two_nodes
    user = _user(first)
    browser = Browser()
    assert browser.sign_in(first, user, PASSWORD) == 303
    assert browser.send(second, "GET", "/console/")[0] == 200  # the cookie works on both
    copied = dict(browser.cookies)
    status, answer, _ = browser.send(
        first, "POST", "/console/signout", {"csrf": browser.csrf(first)}
    )
    assert status == 303 and answer["location"] == "/console/signin"
    browser.cookies = copied  # a copy of the cookie, replayed at the other node
    status, answer, _ = browser.send(second, "GET", "/console/")
    assert status == 303 and answer["location"] == "/console/signin"


def test_failed_sign_ins_are_counted_across_nodes(
    two_nodes: tuple[InProcessNode, InProcessNode],
) -> None:
    first, second = two_nodes
    user = _user(first)
    browser = Browser()
    for attempt in range(5):  # the five free failures, spread over the two nodes
        node = first if attempt % 2 else second
        assert browser.sign_in(node, user, "wrong") == 401
    for node in (first, second):  # locked everywhere, even for the right password
        status = browser.sign_in(node, user.upper(), PASSWORD)
        assert status == 429
    other = _user(first)
    assert browser.sign_in(second, other, PASSWORD) == 303  # only that name is locked


def test_editing_buttons_refuse_posts_without_the_csrf_token(node: InProcessNode) -> None:
    iam = node.client("iam")
    user = _user(node, "arn:aws:iam::aws:policy/AdministratorAccess")
    role = f"csrf-{uuid.uuid4().hex[:8]}"
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=_trust())
    browser = Browser()
    assert browser.sign_in(node, user, PASSWORD) == 303
    policy = _identity("s3:GetObject")
    posts = {
        "/console/policies/create": {"name": f"p-{role}", "policy": policy},
        f"/console/permissions/role/{role}/attach": {"policy_arn": _readonly()},
        f"/console/permissions/role/{role}/inline": {"policy_name": "x", "policy": policy},
        "/console/tags/role/add": {"id": role, "tag_key": "k", "tag_value": "v"},
        f"/console/users/{user}/key-create": {},
        f"/console/roles/{role}/edit": {"description": "forged", "hours": "2"},
        "/console/delete-roles": {"r0": role, "confirm": role},
    }
    for path, form in posts.items():
        status, _, text = browser.send(node, "POST", path, {**form, "csrf": "forged"})
        assert (status, text) == (403, "The form's CSRF token is missing or wrong.\n"), path
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    assert iam.list_role_policies(RoleName=role)["PolicyNames"] == []
    assert iam.list_role_tags(RoleName=role)["Tags"] == []
    assert iam.list_access_keys(UserName=user)["AccessKeyMetadata"] == []
    assert iam.get_role(RoleName=role)["Role"]["MaxSessionDuration"] == 3600  # neither edited
    # the same form with the session's token does what it says
    status, answer, _ = browser.send(
        node,
        "POST",
        f"/console/permissions/role/{role}/attach",
        {"policy_arn": _readonly(), "csrf": browser.csrf(node)},
    )
    assert status == 303 and answer["location"] == f"/console/roles/{role}?done=attached"
    assert len(iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]) == 1


def test_permissions_boundary_set_and_removed(node: InProcessNode) -> None:
    iam = node.client("iam")
    user = _user(node, "arn:aws:iam::aws:policy/AdministratorAccess")
    role = f"bound-{uuid.uuid4().hex[:8]}"
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=_trust())
    browser = Browser()
    assert browser.sign_in(node, user, PASSWORD) == 303
    token = browser.csrf(node)
    base = f"/console/permissions/role/{role}"
    status, answer, _ = browser.send(
        node, "POST", f"{base}/boundary", {"boundary_arn": _readonly(), "csrf": token}
    )
    assert status == 303 and answer["location"] == f"/console/roles/{role}?done=saved"
    role_now = iam.get_role(RoleName=role)["Role"]
    assert role_now["PermissionsBoundary"]["PermissionsBoundaryArn"] == _readonly()
    assert _readonly() in browser.send(node, "GET", f"/console/roles/{role}")[2]
    assert browser.send(node, "POST", f"{base}/boundary-delete", {"csrf": token})[0] == 303
    assert "PermissionsBoundary" not in iam.get_role(RoleName=role)["Role"]
    group = f"bound-{uuid.uuid4().hex[:8]}"
    iam.create_group(GroupName=group)
    status, _, _ = browser.send(  # groups have no boundary
        node,
        "POST",
        f"/console/permissions/group/{group}/boundary",
        {"boundary_arn": _readonly(), "csrf": token},
    )
    assert status == 404


def test_managed_policy_tags_added_and_removed(node: InProcessNode) -> None:
    iam = node.client("iam")
    user = _user(node, "arn:aws:iam::aws:policy/AdministratorAccess")
    arn = iam.create_policy(PolicyName=f"tags-{user}", PolicyDocument=_identity("s3:GetObject"))[
        "Policy"
    ]["Arn"]
    browser = Browser()
    assert browser.sign_in(node, user, PASSWORD) == 303
    token = browser.csrf(node)
    form = {"id": arn, "tag_key": "Team", "tag_value": "blue", "csrf": token}
    status, answer, _ = browser.send(node, "POST", "/console/tags/policy/add", form)
    assert status == 303 and answer["location"].endswith("?done=tagged")
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [{"Key": "Team", "Value": "blue"}]
    assert "Team" in browser.send(node, "GET", answer["location"])[2]
    form = {"id": arn, "key": "Team", "csrf": token}
    assert browser.send(node, "POST", "/console/tags/policy/remove", form)[0] == 303
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == []


def test_buttons_do_only_what_the_principal_may(node: InProcessNode) -> None:
    iam = node.client("iam")
    user = _user(node)  # no policy at all
    role = f"deny-{uuid.uuid4().hex[:8]}"
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=_trust())
    browser = Browser()
    assert browser.sign_in(node, user, PASSWORD) == 303
    token = browser.csrf(node)
    status, _, page = browser.send(
        node,
        "POST",
        f"/console/permissions/role/{role}/attach",
        {"policy_arn": _readonly(), "csrf": token},
    )
    assert status == 403
    assert "not authorized to perform: iam:AttachRolePolicy" in page
    assert "No identity-based policy of this principal" in page
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    status, _, page = browser.send(
        node, "POST", "/console/tags/role/add", {"id": role, "tag_key": "k", "csrf": token}
    )
    assert status == 403 and "iam:TagRole" in page
    status, _, page = browser.send(node, "GET", f"/console/users/{user}")
    assert status == 403 and "iam:GetUser" in page
    status, _, page = browser.send(
        node, "POST", f"/console/users/{user}/key-create", {"csrf": token}
    )
    assert status == 403 and "iam:CreateAccessKey" in page


def test_bad_input_gets_aws_answers(node: InProcessNode) -> None:
    user = _user(node, "arn:aws:iam::aws:policy/AdministratorAccess")
    browser = Browser()
    assert browser.sign_in(node, user, PASSWORD) == 303
    token = browser.csrf(node)
    status, _, page = browser.send(
        node,
        "POST",
        "/console/policy/set-default",
        {"arn": "nonsense", "version": "v1", "csrf": token},
    )
    assert status == 400
    assert (
        "<strong>ValidationError</strong>: 1 validation error detected: Value at 'policyArn' "
        "failed to satisfy constraint: Member must have length greater than or equal to 20"
    ) in html.unescape(page)
    status, _, page = browser.send(
        node,
        "POST",
        "/console/tags/user/add",
        {"id": user, "tag_key": "k" * 129, "tag_value": "v", "csrf": token},
    )
    assert status == 400
    assert (
        "Value at 'tags.1.member.key' failed to satisfy constraint: Member must have length "
        "less than or equal to 128"
    ) in html.unescape(page)
    status, _, page = browser.send(node, "GET", "/console/groups/no-such-group")
    assert status == 404 and "NoSuchEntity" in page
    assert browser.send(node, "GET", "/console/permissions/robot/x/inline")[0] == 404


def test_role_edit_bad_durations_get_aws_answer(node: InProcessNode) -> None:
    """What each unreadable or out-of-range duration gets: AWS's ValidationError on the form
    (400), never a 500, and the role unchanged."""
    iam = node.client("iam")
    user = _user(node, "arn:aws:iam::aws:policy/AdministratorAccess")
    role = f"dur-{uuid.uuid4().hex[:8]}"
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=_trust())
    browser = Browser()
    assert browser.sign_in(node, user, PASSWORD) == 303
    token = browser.csrf(node)
    low = "failed to satisfy constraint: Member must have value greater than or equal to 3600"
    high = "failed to satisfy constraint: Member must have value less than or equal to 43200"
    cases = {
        ("custom", "abc"): low,  # unreadable: sent as 0
        ("custom", "9" * 5000): low,
        ("custom", "60"): low,
        ("custom", "43201"): high,
        ("13", ""): high,
    }
    for (hours, seconds), message in cases.items():
        form = {"hours": hours, "custom_seconds": seconds, "description": "", "csrf": token}
        status, _, text = browser.send(node, "POST", f"/console/roles/{role}/edit", form)
        assert status == 400 and "ValidationError" in text, (hours, seconds[:10])
        assert message in html.unescape(text), (hours, seconds[:10])
    assert iam.get_role(RoleName=role)["Role"]["MaxSessionDuration"] == 3600


def _trust() -> str:
    principal = {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
        }
    )


def _identity(action: str | list[str]) -> str:
    statement = {"Effect": "Allow", "Action": action, "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _readonly() -> str:
    return "arn:aws:iam::aws:policy/ReadOnlyAccess"


def _graph(browser: Browser, node: InProcessNode) -> tuple[int, str]:
    """The graph page once its drawing is current (a drawing being computed is announced)."""
    for _ in range(300):
        status, _, page = browser.send(node, "GET", "/console/graph")
        if status != 200 or not ('id="graph-computing"' in page or "recomputing:" in page):
            return status, page
        time.sleep(0.1)
    raise AssertionError("the access graph was never computed")


def test_access_graph_shows_a_change_of_any_client_on_any_node(
    two_nodes: tuple[InProcessNode, InProcessNode],
) -> None:
    first, second = two_nodes
    user = _user(first, "arn:aws:iam::aws:policy/AdministratorAccess")
    browser = Browser()
    assert browser.sign_in(second, user, PASSWORD) == 303
    tag = uuid.uuid4().hex[:8]
    status, page = _graph(browser, second)
    assert status == 200 and f"seen-{tag}" not in page
    # made through boto3 on the other node, not the console: the next request does not claim
    # the kept drawing is current, and the new one shows the role
    first.client("iam").create_role(RoleName=f"seen-{tag}", AssumeRolePolicyDocument=_trust())
    _, _, page = browser.send(second, "GET", "/console/graph")
    assert f"seen-{tag}" in page or "recomputing:" in page
    status, page = _graph(browser, second)
    assert status == 200 and f"seen-{tag}" in page and "recomputing" not in page


def test_access_graph_kept_for_the_account_checks_each_viewer(node: InProcessNode) -> None:
    admin = _user(node, "arn:aws:iam::aws:policy/AdministratorAccess")
    browser = Browser()
    assert browser.sign_in(node, admin, PASSWORD) == 303
    assert _graph(browser, node)[0] == 200  # the account's drawing is kept now
    # a reader of the account without ListSAMLProviders: refused, though a drawing is kept
    reader = _user(node)
    allowed = [
        "sts:GetCallerIdentity",
        "iam:GetAccountAuthorizationDetails",
        "iam:ListOpenIDConnectProviders",
    ]
    iam = node.client("iam")
    iam.put_user_policy(UserName=reader, PolicyName="graph", PolicyDocument=_identity(allowed))
    other = Browser()
    assert other.sign_in(node, reader, PASSWORD) == 303
    status, _, page = other.send(node, "GET", "/console/graph")
    assert status == 403 and "iam:ListSAMLProviders" in page and admin not in page
    # given it, the reader sees the account's drawing
    allowed.append("iam:ListSAMLProviders")
    iam.put_user_policy(UserName=reader, PolicyName="graph", PolicyDocument=_identity(allowed))
    status, page = _graph(other, node)
    assert status == 200 and admin in page
    # the permission lost again: refused at once
    iam.delete_user_policy(UserName=reader, PolicyName="graph")
    status, _, page = other.send(node, "GET", "/console/graph")
    assert status == 403 and "iam:GetAccountAuthorizationDetails" in page and admin not in page


def test_access_graph_read_as_results_is_the_read_as_xml(node: InProcessNode) -> None:
    """GetAccountAuthorizationDetails answered in process as results (ApiClient.read) gives the
    graph the XML answer gives, and is refused as it is."""
    iam = node.client("iam")
    admin = _user(node, "arn:aws:iam::aws:policy/AdministratorAccess")
    tag = uuid.uuid4().hex[:8]
    iam.create_role(RoleName=f"read-{tag}", AssumeRolePolicyDocument=_trust())
    iam.put_user_policy(UserName=admin, PolicyName="p", PolicyDocument=_identity("sts:*"))
    runtime = node.app.runtime
    backend = ServerBackend(runtime.pipeline, runtime.settings.region, runtime.cloudtrail)
    decoded = GraphPage(
        ApiClient(backend.transport, backend.region, backend.decoded_transport), lambda: 0
    )
    as_xml = GraphPage(ApiClient(backend.transport, backend.region), lambda: 0)
    key = iam.create_access_key(UserName=admin)["AccessKey"]
    creds = SessionCredentials(key["AccessKeyId"], key["SecretAccessKey"])
    read = decoded._view(creds, ACCOUNT_ID)
    graph = build_graph([read])
    assert graph.to_json() == build_graph([as_xml._view(creds, ACCOUNT_ID)]).to_json()
    role = f"arn:aws:iam::{ACCOUNT_ID}:role/read-{tag}"
    user = f"arn:aws:iam::{ACCOUNT_ID}:user/{admin}"
    assert (user, role) in {(e.source, e.target) for e in graph.edges}
    assert all("RoleLastUsed" not in r for r in read.details["RoleDetailList"])
    bare = iam.create_access_key(UserName=_user(node))["AccessKey"]
    refused = SessionCredentials(bare["AccessKeyId"], bare["SecretAccessKey"])
    with pytest.raises(ApiError) as denied:
        decoded._view(refused, ACCOUNT_ID)
    assert denied.value.code == "AccessDenied"
    assert "iam:GetAccountAuthorizationDetails" in denied.value.message


def test_event_history_bad_input(node: InProcessNode) -> None:
    user = _user(node, "arn:aws:iam::aws:policy/AdministratorAccess")
    browser = Browser()
    assert browser.sign_in(node, user, PASSWORD) == 303
    status, _, page = browser.send(node, "GET", "/console/events?start=yesterday")
    assert status == 400 and "Times are given as YYYY-MM-DDTHH:MM (UTC)." in page
    status, _, page = browser.send(
        node, "GET", "/console/events?start=2026-12-07T10:00&end=2026-12-06T10:00"
    )
    assert status == 400
    assert "<strong>InvalidTimeRangeException</strong>" in page
    status, _, page = browser.send(node, "GET", "/console/events?key=ReadOnly&value=maybe")
    assert status == 400 and "InvalidLookupAttributesException" in page
    status, _, page = browser.send(node, "GET", "/console/events?token=forged")
    assert status == 400 and "InvalidNextTokenException" in page
    status, _, page = browser.send(node, "GET", f"/console/events/{uuid.uuid4()}")
    assert status == 404 and "No event has this ID." in page
