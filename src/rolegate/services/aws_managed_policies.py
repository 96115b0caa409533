"""A few AWS managed policies, so boundaries and session policy ARNs can name them before
customer managed policies exist (access_policies_managed-vs-inline.md, *AWS managed policies*).

The documents are those AWS publishes for these policies (IAM-related parts only where AWS's
own document is longer; each is noted).
"""

from __future__ import annotations

_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'

AWS_MANAGED_POLICIES: dict[str, str] = {
    "arn:aws:iam::aws:policy/AdministratorAccess": _ALL,
    "arn:aws:iam::aws:policy/IAMFullAccess": (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Action":["iam:*","organizations:DescribeAccount","organizations:DescribeOrganization",'
        '"organizations:DescribeOrganizationalUnit","organizations:DescribePolicy",'
        '"organizations:ListChildren","organizations:ListParents",'
        '"organizations:ListPoliciesForTarget","organizations:ListRoots",'
        '"organizations:ListPolicies","organizations:ListTargetsForPolicy"],"Resource":"*"}]}'
    ),
    "arn:aws:iam::aws:policy/IAMReadOnlyAccess": (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Action":["iam:GenerateCredentialReport","iam:GenerateServiceLastAccessedDetails",'
        '"iam:Get*","iam:List*","iam:SimulateCustomPolicy","iam:SimulatePrincipalPolicy"],'
        '"Resource":"*"}]}'
    ),
}


def aws_managed_policy(arn: str) -> str | None:
    """The default version's document of the AWS managed policy ``arn``, if rolegate knows it."""
    return AWS_MANAGED_POLICIES.get(arn)
