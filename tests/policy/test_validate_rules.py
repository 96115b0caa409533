"""The single-value rules (actions, resources, dates, principals) and how findings are reported."""

from __future__ import annotations

import json

import pytest

from rolegate.policy import (
    Finding,
    PolicyKind,
    PolicyValidationError,
    Position,
    PrincipalSet,
    find_problems,
    parse_policy,
    validate_document,
    validate_policy,
)
from rolegate.policy.validate_principals import (
    named_iam_principals,
    principal_problem,
    trust_action_allowed,
)
from rolegate.policy.validate_values import (
    action_problem,
    date_value_parses,
    resource_fails_legacy_parsing,
    resource_problem,
)


@pytest.mark.parametrize(
    ("action", "problem"),
    [
        ("*", None),
        ("s3:GetObject", None),
        ("S3:get*", None),
        ("*:GetObject", None),
        ("a.b-c:X", None),
        ("s3", "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
        ("", "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
        ("s3:a:b", "Actions/Condition can contain only one colon."),
        ("s_3:X", "Vendor s_3 is not valid"),
        ("s3*:X", "Vendor s3* is not valid"),
        ("\u00e9:X", "Vendor \u00e9 is not valid"),
    ],
)
def test_action_problem(action: str, problem: str | None) -> None:
    assert action_problem(action) == problem


@pytest.mark.parametrize(
    "resource",
    [
        "*",
        "arn:aws:s3:::b/*",
        "arn:*:s3:::b",
        "arn:aws-cn:s3:::b",
        "arn:aws-us-gov:iam::123456789012:role/x",
        "arn:aws:iam::123456789012:root",
        "arn:aws:logs:eu-west-1:123456789012:log-group:g:log-stream:s",
        "arn:aws:s3:us-east-1:123456789012:accesspoint/ap",
        "arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}",
    ],
)
def test_resources_iam_accepts(resource: str) -> None:
    assert resource_problem(resource) is None
    assert not resource_fails_legacy_parsing(resource)


def test_iam_resource_path_rule() -> None:
    assert resource_problem("arn:aws:iam::1:policy/p") is None
    assert resource_problem("arn:aws:iam::1:${aws:username}") is None
    assert resource_problem("arn:aws:iam::1:thing/x") == (
        'IAM resource path must either be "*", root, or start with user/, federated-user/, role/, '
        "group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, "
        "oidc-provider/, report/, access-report/."
    )


@pytest.mark.parametrize(
    ("value", "parses"),
    [
        ("2020-02-29T12:00:00Z", True),
        ("2020-02-29", True),
        ("2020", True),
        ("2020-01-01T10:00", True),
        ("2020-01-01T10:00:00-05:00", True),
        ("2020-01-01T10:00:00.123456789Z", True),
        ("0", True),
        ("1700000000", True),
        ("9223372036854775807", True),
        ("2020-00-01", False),
        ("2020-01-32", False),
        ("2020-01-01-01", False),
        ("2020-01-01T24:00:00Z", False),
        ("2020-01-01T10:60", False),
        ("2020-01-01T10:00:60Z", False),
        ("2020-01-01T10:00:00Zjunk", False),
        ("2020-01-01T10:00:00+24:00", False),
        ("1.5", False),
        ("${aws:CurrentTime}", False),
        ("\u0661\u0662", False),  # non-ASCII digits
        ("9" * 10_000, False),
        ("-" + "9" * 10_000, False),
    ],
)
def test_date_value_parses(value: str, parses: bool) -> None:
    assert date_value_parses(value) is parses


@pytest.mark.parametrize(
    ("principals", "problem"),
    [
        (
            PrincipalSet(wildcard=True),
            'AssumeRolepolicy contained an invalid principal: "STAR":"*".',
        ),
        (PrincipalSet(wildcard=True, aws=("*",)), None),
        (
            PrincipalSet(
                wildcard=False,
                aws=(
                    "111122223333",
                    "arn:aws:iam::111122223333:root",
                    "arn:aws:iam::111122223333:user/division/team/Bob+1@x.com",
                    "arn:aws:iam::111122223333:role/service-role/R",
                    "arn:aws:sts::111122223333:assumed-role/R/session@x",
                    "arn:aws:sts::111122223333:federated-user/Carol",
                    "AIDAEXAMPLEUSERID1234",
                ),
                service=(
                    "ec2.amazonaws.com",
                    "states.eu-west-1.amazonaws.com",
                    "x.amazonaws.com.cn",
                ),
                federated=(
                    "accounts.google.com",
                    "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/AB12",
                ),
            ),
            None,
        ),
        (
            PrincipalSet(wildcard=False),
            "Invalid principal in policy: com.amazon.balsa.error."
            "InvalidPolicyException: The passed in policy has a statement with no principals!",
        ),
        (
            PrincipalSet(wildcard=False, aws=("11112222333",)),
            'Invalid principal in policy: "AWS":"11112222333"',
        ),
        (
            PrincipalSet(wildcard=False, aws=("arn:aws:iam::111122223333:group/G",)),
            'Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:group/G"',
        ),
        (
            PrincipalSet(wildcard=False, aws=("arn:aws:iam::111122223333:user/B?b",)),
            'Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:user/B?b"',
        ),
        (
            PrincipalSet(wildcard=False, service=("*",)),
            'Invalid principal in policy: "SERVICE":"*"',
        ),
        (
            PrincipalSet(wildcard=False, federated=("evil.example.com",)),
            'Invalid principal in policy: "FEDERATED":"evil.example.com"',
        ),
    ],
)
def test_principal_problem(principals: PrincipalSet, problem: str | None) -> None:
    assert principal_problem(principals, PolicyKind.TRUST) == problem


def test_bare_star_is_everyone_in_resource_policies() -> None:
    assert principal_problem(PrincipalSet(wildcard=True), PolicyKind.RESOURCE) is None


def test_cloudfront_origin_access_identity_only_in_resource_policies() -> None:
    oai = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL"
    principals = PrincipalSet(wildcard=False, aws=(oai,))
    assert principal_problem(principals, PolicyKind.RESOURCE) is None
    assert principal_problem(principals, PolicyKind.TRUST) == (
        f'Invalid principal in policy: "AWS":"{oai}"'
    )


def test_canonical_user_only_outside_trust_policies() -> None:
    canonical = PrincipalSet(wildcard=False, canonical_user=("a" * 64,))
    assert principal_problem(canonical, PolicyKind.RESOURCE) is None
    assert principal_problem(canonical, PolicyKind.TRUST) == (
        f'Invalid principal in policy: "CANONICALUSER":"{"a" * 64}"'
    )
    short = PrincipalSet(wildcard=False, canonical_user=("abc",))
    assert principal_problem(short, PolicyKind.RESOURCE) is not None


def test_named_iam_principals_are_the_ones_whose_existence_iam_checks() -> None:
    principals = PrincipalSet(
        wildcard=False,
        aws=(
            "111122223333",
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::111122223333:user/Bob",
            "arn:aws:iam::111122223333:role/path/R",
            "arn:aws:sts::111122223333:assumed-role/R/s",
        ),
        service=("ec2.amazonaws.com",),
    )
    assert named_iam_principals(principals) == (
        "arn:aws:iam::111122223333:user/Bob",
        "arn:aws:iam::111122223333:role/path/R",
    )


@pytest.mark.parametrize(
    ("action", "allowed"),
    [
        ("sts:AssumeRole", True),
        ("STS:assumerolewithwebidentity", True),
        ("sts:AssumeRoleWithSAML", True),
        ("sts:TagSession", True),
        ("sts:SetSourceIdentity", True),
        ("sts:SetContext", True),
        ("sts:*", True),
        ("sts:Assume?ole", True),
        ("sts:GetSessionToken", False),
        ("sts:Get*", False),
        ("*", False),
        ("iam:PassRole", False),
    ],
)
def test_trust_action_allowed(action: str, allowed: bool) -> None:
    assert trust_action_allowed(action) is allowed


def test_find_problems_lists_every_problem_in_aws_order() -> None:
    text = json.dumps(
        {
            "Statement": [
                {"Sid": "S", "Effect": "allow", "Principal": "*", "Action": "s3"},
                {"Sid": "S", "Effect": "Allow", "Action": "s3:X", "Resource": "bad"},
            ]
        },
        indent=1,
    )
    problems = find_problems(parse_policy(text), PolicyKind.IDENTITY)
    assert [(p.message, p.statement_index) for p in problems] == [
        ("Policy document must be version 2012-10-17 or greater.", None),
        ("Policy document should not specify a principal.", 0),
        ("The policy failed legacy parsing", 0),
        ("Statement IDs (SID) in a single policy must be unique.", 1),
        ('Resource bad must be in ARN format or "*".', 1),
        ("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.", 0),
        ("Policy statement must contain resources.", 0),
    ]
    assert problems[1].position == Position(line=3, column=3)


def test_validation_error_carries_all_findings_and_first_message() -> None:
    text = '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "x"}}'
    with pytest.raises(PolicyValidationError) as raised:
        validate_policy(text, PolicyKind.IDENTITY)
    assert raised.value.message == raised.value.findings[0].message
    assert raised.value.findings == (
        Finding(
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
            Position(1, 40),
            0,
        ),
        Finding("Policy statement must contain resources.", Position(1, 40), 0),
    )


def test_same_document_different_kinds() -> None:
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": {"AWS": "111122223333"},
                "Action": "sts:AssumeRole",
            },
        }
    )
    document = parse_policy(text)
    assert validate_document(document, PolicyKind.TRUST) is document
    assert [p.message for p in find_problems(document, PolicyKind.RESOURCE)] == [
        "Policy statement must contain resources."
    ]
    for kind in (PolicyKind.IDENTITY, PolicyKind.BOUNDARY, PolicyKind.SESSION, PolicyKind.SCP):
        assert find_problems(document, kind)[0].message == (
            "Policy document should not specify a principal."
        )


def test_iam_principal_arns_of_a_document() -> None:
    from rolegate.policy import iam_principal_arns

    text = json.dumps(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ["arn:aws:iam::111122223333:role/A", "111122223333"]},
                },
                {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:user/B"}},
                {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/A"}},
                {"Effect": "Allow", "Principal": "*"},
            ]
        }
    )
    assert iam_principal_arns(parse_policy(text)) == (
        "arn:aws:iam::111122223333:role/A",
        "arn:aws:iam::111122223333:user/B",
    )


def test_unique_ids_written_as_principals() -> None:
    from rolegate.policy import unique_id_principals

    text = json.dumps(
        {
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": ["AIDAB0B000000000", "111122223333"]}},
                {"Effect": "Deny", "NotPrincipal": {"AWS": "AROAAPP000000000"}},
                {"Effect": "Allow", "Principal": {"AWS": "AIDAB0B000000000"}},
                {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/B"}},
            ]
        }
    )
    assert unique_id_principals(parse_policy(text)) == ("AIDAB0B000000000", "AROAAPP000000000")
