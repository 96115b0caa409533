"""The console's pure parts: escaping by construction, the sealed session cookie, the sign-in
throttle, the explanations of refusals, the trust policies of the wizard, live findings."""

from __future__ import annotations

import json

import pytest
import segno

from rolegate.auth.keyring import KeyRing
from rolegate.console.api import SessionCredentials
from rolegate.console.credentials import qr_svg
from rolegate.console.explain import explain
from rolegate.console.html import el
from rolegate.console.session import IDLE_SECONDS, SessionSealer, new_session
from rolegate.console.throttle import FREE_FAILURES, lock_rule, name_key
from rolegate.console.tools import findings, trust_policy
from rolegate.console.trust import trusted_entities

HOSTILE = "\"'><script>alert(1)</script><img src=x onerror=alert(2)>&amp;"


def test_text_and_attributes_are_escaped() -> None:
    page = el("p", {"title": HOSTILE}, HOSTILE, el("b", {}, HOSTILE))
    assert "<script>" not in page and "<img" not in page
    assert page.count("&lt;script&gt;") == 3
    assert 'title="&quot;&#x27;&gt;&lt;script&gt;' in page


@pytest.mark.parametrize(
    ("attrs", "problem"),
    [
        ({"href": "javascript:alert(1)"}, "not a console URL"),
        ({"href": "https://evil.example/"}, "not a console URL"),
        ({"onclick": "alert(1)"}, "inline script"),
        ({"style": "color:red"}, "inline script and style"),
        ({"a b": "x"}, "bad attribute"),
    ],
)
def test_unsafe_attributes_are_refused(attrs: dict[str, str], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        el("a", attrs, "x")


def _sealer() -> SessionSealer:
    return SessionSealer(KeyRing.from_master_key(b"k" * 32))


def test_session_cookie_round_trip_and_tampering() -> None:
    sealer = _sealer()
    creds = SessionCredentials("ASIAEXAMPLE", "secret", "token")
    session = new_session("123456789012", "arn:aws:iam::123456789012:user/a", creds, 10_000, 1_000)
    value = sealer.seal(session)
    assert "secret" not in value and "token" not in value
    assert sealer.open(value, 1_001) == session
    flipped = value[:20] + ("A" if value[20] != "A" else "B") + value[21:]
    assert sealer.open(flipped, 1_001) is None
    assert sealer.open("not a cookie", 1_001) is None
    other = SessionSealer(KeyRing.from_master_key(b"o" * 32))
    assert other.open(value, 1_001) is None


def test_session_idle_timeout_and_expiry() -> None:
    sealer = _sealer()
    creds = SessionCredentials("ASIAEXAMPLE", "secret", "token")
    session = new_session("123456789012", "arn", creds, 1_000 + 4 * IDLE_SECONDS, 1_000)
    value = sealer.seal(session)
    assert sealer.open(value, 1_000 + IDLE_SECONDS) is not None
    assert sealer.open(value, 1_001 + IDLE_SECONDS) is None  # idle too long
    late = sealer.seal(new_session("123456789012", "arn", creds, 2_000, 1_999))
    assert sealer.open(late, 2_000) is None  # the credentials expired


def test_pending_sign_in_lasts_five_minutes_and_is_not_a_session() -> None:
    sealer = _sealer()
    pending = sealer.seal_pending({"account": "123456789012", "user": "a"}, 1_000)
    assert sealer.open_pending(pending, 1_300) == {"account": "123456789012", "user": "a"}
    assert sealer.open_pending(pending, 1_301) is None
    assert sealer.open(pending, 1_000) is None  # another purpose: never a session


def test_lock_rule_frees_five_failures_then_doubles_up_to_a_day() -> None:
    assert lock_rule(FREE_FAILURES - 1, 0) == (0, 86_400)  # free, remembered for a day
    assert lock_rule(FREE_FAILURES, 100) == (160, 86_500)  # a minute
    assert lock_rule(FREE_FAILURES + 1, 100) == (220, 86_500)  # two
    assert lock_rule(FREE_FAILURES + 40, 0) == (86_400, 86_400)  # at most a day


def test_name_keys_fold_case_and_never_collide() -> None:
    assert name_key("user", "MyAlias", "Alice") == name_key("user", "myalias", "alice")
    assert name_key("user", "a/b", "c") != name_key("user", "a", "b/c")
    assert name_key("root", "", "AKIA") != name_key("user", "", "AKIA")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "User: arn:aws:iam::1:user/a is not authorized to perform: iam:CreateRole on "
            "resource: arn:aws:iam::1:role/r because no identity-based policy allows the "
            "iam:CreateRole action",
            "No identity-based policy",
        ),
        ("... because no permissions boundary allows the iam:GetRole action", "boundary"),
        ("... because no session policy allows the iam:GetRole action", "session policy"),
        ("... with an explicit deny in an identity-based policy", "explicit deny wins"),
        (
            "User: arn:aws:iam::1:user/a is not authorized to perform: sts:AssumeRole on "
            "resource: arn:aws:iam::1:role/r",
            "trust policy does not name you",
        ),
    ],
)
def test_refusals_are_explained(message: str, expected: str) -> None:
    (sentence,) = explain("AccessDenied", message)
    assert expected in sentence


def test_other_errors_have_no_explanation() -> None:
    assert explain("NoSuchEntity", "The role with name r cannot be found.") == []


@pytest.mark.parametrize(
    ("form", "statement"),
    [
        (
            {"entity": "service", "service": "lambda.amazonaws.com"},
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            },
        ),
        (
            {"entity": "account", "account": "", "self_account": "123456789012"},
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "sts:AssumeRole",
            },
        ),
        (
            {"entity": "web", "provider": "accounts.google.com", "audience": "app-1"},
            {
                "Effect": "Allow",
                "Principal": {"Federated": "accounts.google.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {"accounts.google.com:aud": "app-1"}},
            },
        ),
        (
            {
                "entity": "web",
                "provider": "arn:aws:iam::123456789012:oidc-provider/idp.example/x",
                "audience": "app",
            },
            {
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/idp.example/x"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {"idp.example/x:aud": "app"}},
            },
        ),
        (
            {"entity": "saml", "saml_provider": "arn:aws:iam::123456789012:saml-provider/Okta"},
            {
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::123456789012:saml-provider/Okta"},
                "Action": "sts:AssumeRoleWithSAML",
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
            },
        ),
    ],
)
def test_wizard_trust_policies(form: dict[str, str], statement: dict[str, object]) -> None:
    document = json.loads(trust_policy(form))
    assert document == {"Version": "2012-10-17", "Statement": [statement]}
    assert findings(trust_policy(form), "trust") == []


def test_custom_trust_policy_is_taken_as_written() -> None:
    assert trust_policy({"entity": "custom", "policy": "{ not json"}) == "{ not json"


def test_findings_have_positions_and_aws_messages() -> None:
    (finding,) = findings('{"Version": "2012-10-17",\n "Statement": [}', "trust")
    assert finding["message"] == "This policy contains invalid Json"
    assert finding["line"] == 2
    assert findings("x" * 20_001, "trust")[0]["message"] == "The policy is too long."


def test_trusted_entities_of_the_wizard_types() -> None:
    kinds = [
        trusted_entities(trust_policy(form))
        for form in (
            {"entity": "service", "service": "ec2.amazonaws.com"},
            {"entity": "account", "account": "111122223333"},
            {"entity": "web", "provider": "accounts.google.com", "audience": "a"},
            {"entity": "saml", "saml_provider": "arn:aws:iam::1:saml-provider/Okta"},
        )
    ]
    assert kinds == [
        [("service", "ec2.amazonaws.com")],
        [("account", "arn:aws:iam::111122223333:root")],
        [("web", "accounts.google.com")],
        [("saml", "arn:aws:iam::1:saml-provider/Okta")],
    ]


@pytest.mark.parametrize("document", ["%7Bnot json", "[]", '{"Statement": "x"}', '"*"'])
def test_trusted_entities_of_odd_documents_are_empty(document: str) -> None:
    assert trusted_entities(document) == []


def test_qr_code_is_inline_svg_of_segno_modules() -> None:
    uri = "otpauth://totp/dev@123456789012?secret=ABCDEFGH"
    svg = qr_svg(uri)
    modules = [list(row) for row in segno.make_qr(uri, error="m").matrix_iter(border=4)]
    dark = sum(bool(m) for row in modules for m in row)
    assert svg.count("h1v1h-1z") == dark > 0
    assert f'viewbox="0 0 {len(modules)} {len(modules)}"' in svg
    assert "style" not in svg and "script" not in svg and "href" not in svg  # the CSP holds
