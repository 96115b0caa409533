"""``POST /v1/authorize`` (docs/authorization-service.md): requests signed by botocore for a
custom service, decided by the same authentication and policies as IAM calls, on both backends."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from authz_helpers import WIDGETS, AuthzServer, question, signed
from sts_helpers import Account, allow, document, trust

from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET

URL = "https://widgets.internal/widgets/42?x=1"
INVALID_TOKEN = "The security token included in the request is invalid."
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)


def home(authz: AuthzServer) -> Account:
    return Account(authz.server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)


def decide(authz: AuthzServer, q: dict[str, Any]) -> dict[str, Any]:
    status, answer = authz.ask(q)
    assert status == 200, answer
    return answer


def test_the_root_user_is_allowed_in_its_own_account(authz: AuthzServer) -> None:
    answer = decide(authz, question(signed(ROOT_KEY_ID, ROOT_SECRET, URL)))
    assert answer["authenticated"] is True and answer["error"] is None
    assert answer["decision"] == "Allow" and answer["message"] is None
    assert answer["principal"] == {
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:root",
        "account": ACCOUNT_ID,
        "user_id": ACCOUNT_ID,
        "type": "Account",
        "session_name": None,
        "source_identity": None,
        "tags": {},
    }


def test_identity_policies_allow_and_deny_with_aws_messages(authz: AuthzServer) -> None:
    user = home(authz).user(
        document(
            {**allow("widgets:GetWidget", f"{WIDGETS}/*"), "Sid": "Read"},
            {"Effect": "Deny", "Action": "widgets:DeleteWidget", "Resource": "*"},
        )
    )
    request = signed(user.key_id, user.secret, URL)
    allowed = decide(authz, question(request))
    assert allowed["decision"] == "Allow"
    assert allowed["principal"]["arn"] == user.arn
    assert allowed["principal"]["user_id"] == user.user_id
    assert allowed["principal"]["type"] == "User"
    assert [(m["policy_type"], m["sid"], m["effect"]) for m in allowed["matched"]] == [
        ("identity", "Read", "Allow")
    ]
    put = decide(authz, question(request, "widgets:PutWidget"))
    assert put["decision"] == "ImplicitDeny"
    assert put["message"] == (
        f"User: {user.arn} is not authorized to perform: widgets:PutWidget on resource: "
        f"{WIDGETS}/42 because no identity-based policy allows the widgets:PutWidget action"
    )
    delete = decide(authz, question(request, "widgets:DeleteWidget"))
    assert delete["decision"] == "ExplicitDeny"
    assert delete["message"] == (
        f"User: {user.arn} is not authorized to perform: widgets:DeleteWidget on resource: "
        f"{WIDGETS}/42 with an explicit deny in an identity-based policy"
    )


def test_a_resource_template_is_filled_with_the_verified_signer(authz: AuthzServer) -> None:
    user = home(authz).user(document(allow("widgets:GetWidget", f"{WIDGETS}/42")))
    request = signed(user.key_id, user.secret, URL)
    q = question(request)
    del q["resource"]
    q["resource_template"] = "arn:aws:widgets:${region}:${account}:widget/42"
    assert decide(authz, q)["decision"] == "Allow"
    in_europe = question(signed(user.key_id, user.secret, URL, region="eu-west-1"))
    del in_europe["resource"]
    in_europe["resource_template"] = q["resource_template"]
    answer = decide(authz, in_europe)
    assert answer["decision"] == "ImplicitDeny"
    assert f"on resource: arn:aws:widgets:eu-west-1:{ACCOUNT_ID}:widget/42 " in answer["message"]


def test_a_presigned_url_is_verified(authz: AuthzServer) -> None:
    user = home(authz).user(document(allow("widgets:GetWidget")))
    request = signed(user.key_id, user.secret, URL, presign=True)
    assert "X-Amz-Signature=" in request.url and "Authorization" not in request.headers
    assert decide(authz, question(request))["decision"] == "Allow"
    tampered = request.url.replace("widgets/42", "widgets/43")
    answer = decide(
        authz, {**question(request), "request": {"method": "GET", "url": tampered, "headers": {}}}
    )
    assert answer["error"] == {"code": "SignatureDoesNotMatch", "message": MISMATCH}


def test_the_body_or_its_hash_is_what_the_signature_covers(authz: AuthzServer) -> None:
    user = home(authz).user(document(allow("widgets:PutWidget")))
    body = b'{"color": "red"}'
    url = "https://widgets.internal/widgets/42"
    request = signed(user.key_id, user.secret, url, method="PUT", body=body)
    as_bytes = question(
        request, "widgets:PutWidget", request_extra={"body": base64.b64encode(body).decode()}
    )
    assert decide(authz, as_bytes)["decision"] == "Allow"
    digest = hashlib.sha256(body).hexdigest()
    as_hash = question(request, "widgets:PutWidget", request_extra={"body_sha256": digest})
    assert decide(authz, as_hash)["decision"] == "Allow"
    other = question(
        request, "widgets:PutWidget", request_extra={"body": base64.b64encode(b"{}").decode()}
    )
    assert decide(authz, other)["error"] == {"code": "SignatureDoesNotMatch", "message": MISMATCH}


def test_authentication_failures_answer_aws_codes(authz: AuthzServer) -> None:
    good = signed(ROOT_KEY_ID, ROOT_SECRET, URL)
    headers = dict(good.headers.items())

    def failure(**changes: Any) -> dict[str, Any]:
        q = question(good)
        q["request"]["headers"] = {**headers, **changes.pop("headers", {})}
        q.update(changes)
        answer = decide(authz, q)
        assert answer["authenticated"] is False and answer["decision"] == "ImplicitDeny"
        assert answer["principal"] is None
        return dict(answer["error"])

    tampered = headers["Authorization"][:-4] + "0000"
    assert failure(headers={"Authorization": tampered}) == {
        "code": "SignatureDoesNotMatch",
        "message": MISMATCH,
    }
    unknown = signed("AKIAUNKNOWNUNKNOWN00", "secret", URL)
    assert failure(headers=dict(unknown.headers.items())) == {
        "code": "InvalidClientTokenId",
        "message": INVALID_TOKEN,
    }
    no_auth = question(good)
    no_auth["request"]["headers"] = {"Host": "widgets.internal"}
    assert decide(authz, no_auth)["error"] == {
        "code": "MissingAuthenticationToken",
        "message": "Request is missing Authentication Token",
    }
    assert failure(headers={"Authorization": "AWS4-HMAC-SHA256 Credential"})["code"] == (
        "IncompleteSignature"
    )
    gadgets = signed(ROOT_KEY_ID, ROOT_SECRET, URL, service="gadgets")
    assert failure(headers=dict(gadgets.headers.items())) == {
        "code": "SignatureDoesNotMatch",
        "message": "Credential should be scoped to correct service: 'widgets'. ",
    }
    date = headers["X-Amz-Date"]
    old = f"{int(date[:4]) - 1}{date[4:]}"
    expired = failure(headers={"X-Amz-Date": old})
    assert expired["code"] == "SignatureDoesNotMatch"
    assert expired["message"].startswith(f"Signature expired: {old} is now earlier than ")


def test_a_role_session_with_tags_and_source_identity(authz: AuthzServer) -> None:
    account = home(authz)
    user = account.user(
        document(allow(["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]))
    )
    condition = {
        "StringEquals": {"aws:PrincipalTag/project": "apollo", "aws:PrincipalTag/team": "blue"}
    }
    role = account.role(
        trust({"AWS": user.arn}, ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]),
        document(allow("widgets:GetWidget", "*", Condition=condition)),
        Tags=[{"Key": "team", "Value": "blue"}],
    )
    credentials = user.client().assume_role(
        RoleArn=role["Arn"],
        RoleSessionName="alice",
        SourceIdentity="alice@example.com",
        Tags=[{"Key": "project", "Value": "apollo"}],
    )["Credentials"]
    request = signed(
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        URL,
        token=credentials["SessionToken"],
        region="eu-west-1",
    )
    resource = f"arn:aws:widgets:eu-west-1:{ACCOUNT_ID}:widget/42"
    answer = decide(authz, question(request, resource=resource))
    assert answer["decision"] == "Allow", answer
    principal = answer["principal"]
    assert principal["arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role['RoleName']}/alice"
    assert principal["user_id"] == f"{role['RoleId']}:alice"
    assert principal["type"] == "AssumedRole"
    assert principal["session_name"] == "alice"
    assert principal["source_identity"] == "alice@example.com"
    assert principal["tags"] == {"team": "blue", "project": "apollo"}
    last_used = account.client().get_role(RoleName=role["RoleName"])["Role"]["RoleLastUsed"]
    assert last_used["Region"] == "eu-west-1" and "LastUsedDate" in last_used
    # revocation: the role's sessions end with the role
    account.client().delete_role_policy(RoleName=role["RoleName"], PolicyName="p0")
    account.client().delete_role(RoleName=role["RoleName"])
    gone = decide(authz, question(request, resource=resource))
    assert gone["error"] == {"code": "InvalidClientTokenId", "message": INVALID_TOKEN}


def test_condition_keys_from_the_request_and_the_context(authz: AuthzServer) -> None:
    statement = allow(
        "widgets:GetWidget",
        "*",
        Condition={
            "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
            "Bool": {"aws:SecureTransport": "true"},
            "StringEquals": {"widgets:Color": "red", "aws:RequestedRegion": "us-east-1"},
            "ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"},
        },
    )
    user = home(authz).user(document(statement))
    request = signed(user.key_id, user.secret, URL)
    good: dict[str, Any] = {
        "request_extra": {"source_ip": "10.1.2.3"},
        "context": {"widgets:Color": "red"},
    }
    assert decide(authz, question(request, **good))["decision"] == "Allow"
    variants: list[dict[str, Any]] = [
        {"request_extra": {"source_ip": "192.0.2.1"}, "context": {"widgets:Color": "red"}},
        {"request_extra": {"source_ip": "10.1.2.3"}, "context": {"widgets:Color": "blue"}},
        {"request_extra": {"source_ip": "10.1.2.3"}},
    ]
    for changed in variants:
        assert decide(authz, question(request, **changed))["decision"] == "ImplicitDeny"
    plain = signed(user.key_id, user.secret, URL.replace("https:", "http:"))
    assert decide(authz, question(plain, **good))["decision"] == "ImplicitDeny"


def test_mfa_context_of_a_session_without_mfa(authz: AuthzServer) -> None:
    user = home(authz).user(
        document(
            allow(["widgets:GetWidget", "sts:GetSessionToken"]),
            {
                "Effect": "Deny",
                "Action": "widgets:*",
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            },
        )
    )
    long_term = signed(user.key_id, user.secret, URL)
    assert decide(authz, question(long_term))["decision"] == "ExplicitDeny"  # key absent: IfExists
    credentials = user.client().get_session_token()["Credentials"]
    session = signed(
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        URL,
        token=credentials["SessionToken"],
    )
    answer = decide(authz, question(session))
    assert answer["decision"] == "ExplicitDeny"
    assert answer["principal"]["arn"] == user.arn


def test_resource_policies_same_account_and_cross_account(authz: AuthzServer) -> None:
    account = home(authz)
    nobody = account.user()
    request = signed(nobody.key_id, nobody.secret, URL)
    grant = json.loads(
        trust({"AWS": nobody.arn}, "widgets:GetWidget").replace(
            '"Effect"', '"Resource": "*", "Effect"'
        )
    )
    # same account: a resource policy naming the user suffices
    assert decide(authz, question(request))["decision"] == "ImplicitDeny"
    assert decide(authz, question(request, resource_policy=grant))["decision"] == "Allow"
    # another account's resource: both the resource policy and the identity policy must allow
    other = "arn:aws:widgets:us-east-1:210987654321:widget/7"
    denied = decide(authz, question(request, resource=other, resource_policy=grant))
    assert denied["decision"] == "ImplicitDeny"
    entitled = account.user(document(allow("widgets:GetWidget")))
    signed_by = signed(entitled.key_id, entitled.secret, URL)
    assert decide(authz, question(signed_by, resource=other))["decision"] == "ImplicitDeny"
    grant_entitled = json.loads(json.dumps(grant).replace(nobody.arn, entitled.arn))
    answer = decide(authz, question(signed_by, resource=other, resource_policy=grant_entitled))
    assert answer["decision"] == "Allow"
    assert {m["policy_type"] for m in answer["matched"]} == {"identity", "resource"}
    # an ARN without an account names its owner in resource_account
    bucket = "arn:aws:files:::file/7"
    assert decide(authz, question(signed_by, resource=bucket))["decision"] == "Allow"
    elsewhere = question(signed_by, resource=bucket, resource_account="210987654321")
    assert decide(authz, elsewhere)["decision"] == "ImplicitDeny"


GOOD = {
    "request": {"method": "GET", "url": URL, "headers": {"Host": "widgets.internal"}},
    "service": "widgets",
    "action": "widgets:GetWidget",
    "resource": f"{WIDGETS}/42",
}


def _with(path: str, value: Any) -> dict[str, Any]:
    q: dict[str, Any] = json.loads(json.dumps(GOOD))
    *parents, last = path.split(".")
    target = q
    for name in parents:
        target = target[name]
    if value is _DROP:
        del target[last]
    else:
        target[last] = value
    return q


_DROP = object()


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (b"{", "SerializationException", "The body is not JSON: "),
        (b"[" * 100_000, "SerializationException", "The body is not JSON: "),
        (b"[]", "SerializationException", "The body must be a JSON object."),
        (_with("request", _DROP), "ValidationException", "request is missing."),
        (_with("request", "GET /"), "ValidationException", "request must be a JSON object."),
        (
            _with("request.method", "get"),
            "ValidationException",
            "request.method must be an HTTP method in capitals, e.g. GET.",
        ),
        (
            _with("request.url", "/widgets/42"),
            "ValidationException",
            "request.url must be an absolute http:// or https:// URL.",
        ),
        (_with("request.headers", _DROP), "ValidationException", "request.headers is missing."),
        (
            _with("request.headers", {"Host": 7}),
            "ValidationException",
            "request.headers['Host'] must be a string or a list of strings.",
        ),
        (
            _with("request.body_sha256", "abc"),
            "ValidationException",
            "request.body_sha256 must be 64 hexadecimal digits.",
        ),
        (
            _with("request.body", "not base64!"),
            "ValidationException",
            "request.body must be a base64 string.",
        ),
        (
            _with("request.source_ip", "somewhere"),
            "ValidationException",
            "request.source_ip must be an IPv4 or IPv6 address.",
        ),
        (_with("service", _DROP), "ValidationException", "service is missing."),
        (_with("service", "Widgets!"), "ValidationException", "service must be a service prefix"),
        (
            _with("service", "gadgets"),
            "ValidationException",
            "Unknown service for this action: the action widgets:GetWidget belongs to service "
            "'widgets', not to 'gadgets'.",
        ),
        (
            _with("action", "GetWidget"),
            "ValidationException",
            "action must be service:Action, e.g. widgets:GetWidget.",
        ),
        (_with("action", 42), "ValidationException", "action must be a non-empty string."),
        (_with("resource", "widget/42"), "ValidationException", "resource must be an ARN or '*'."),
        (
            _with("context", ["a"]),
            "ValidationException",
            "context must be a JSON object of condition keys to values.",
        ),
        (
            _with("context", {"k": {"nested": 1}}),
            "ValidationException",
            "context['k'] must be a string, number, boolean or a list of them.",
        ),
        (
            _with("resource_account", "2109876543"),
            "ValidationException",
            "resource_account must be an account id of 12 digits.",
        ),
        (
            _with("resource_template", "arn:aws:widgets:${region}:${account}:widget/1"),
            "ValidationException",
            "Give resource or resource_template, not both.",
        ),
        (
            _with("resource_policy", 5),
            "ValidationException",
            "resource_policy must be a policy document (object or text) or null.",
        ),
        (
            _with("resource_policy", {"Statement": "nope"}),
            "MalformedPolicyDocument",
            "resource_policy is not a valid policy: ",
        ),
    ],
)
def test_bad_questions_get_a_400_naming_the_problem(
    authz: AuthzServer, body: Any, code: str, message: str
) -> None:
    status, answer = authz.ask(body)
    assert status == 400
    assert answer["authenticated"] is False and answer["decision"] == "ImplicitDeny"
    assert answer["error"]["code"] == code
    assert answer["error"]["message"].startswith(message)


def test_other_paths_and_methods(authz: AuthzServer) -> None:
    import urllib.error
    import urllib.request

    for method, path, status in (("GET", "/v1/authorize", 405), ("POST", "/v2/nothing", 404)):
        request = urllib.request.Request(
            authz.url + path, method=method, data=b"" if method == "POST" else None
        )
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(request, timeout=10)
        assert raised.value.code == status
        assert json.loads(raised.value.read())["error"]["code"] in ("MethodNotAllowed", "NotFound")
