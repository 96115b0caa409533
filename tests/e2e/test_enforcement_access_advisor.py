"""The enforcement matrix for service last accessed data, run as in ``test_enforcement_more``
(``run_case``): GenerateServiceLastAccessedDetails and ListPoliciesGrantingServiceAccess are
allowed by exactly their action on a user under /allowed/ and denied on one outside it; the two
Get operations have no resource type (``*``) and read a job the same session generated."""

from __future__ import annotations

from typing import Any

import pytest
from test_enforcement_more import ALLOWED, Case, Names, arn, run_case

from harness import Server

GENERATE = "iam:GenerateServiceLastAccessedDetails"


def _user(root: Any, n: Names) -> None:
    root.create_user(UserName=n.name, Path=ALLOWED)


def _job(client: Any, n: Names) -> str:
    job: str = client.generate_service_last_accessed_details(Arn=arn("user", n.name, ALLOWED))[
        "JobId"
    ]
    return job


ADVISOR_CASES: dict[str, Case] = {
    "GenerateServiceLastAccessedDetails": Case(
        GENERATE,
        _user,
        lambda c, n: c.generate_service_last_accessed_details(Arn=arn("user", n.name, ALLOWED)),
        lambda n: arn("user", n.name, ALLOWED),
        lambda c, n: c.generate_service_last_accessed_details(Arn=arn("user", n.other)),
        lambda n: arn("user", n.other),
    ),
    "GetServiceLastAccessedDetails": Case(
        "iam:GetServiceLastAccessedDetails",
        _user,
        lambda c, n: c.get_service_last_accessed_details(JobId=_job(c, n)),
        lambda n: "*",
        scope=("*",),
        also=(GENERATE,),
    ),
    "GetServiceLastAccessedDetailsWithEntities": Case(
        "iam:GetServiceLastAccessedDetailsWithEntities",
        _user,
        lambda c, n: c.get_service_last_accessed_details_with_entities(
            JobId=_job(c, n), ServiceNamespace="iam"
        ),
        lambda n: "*",
        scope=("*",),
        also=(GENERATE,),
    ),
    "ListPoliciesGrantingServiceAccess": Case(
        "iam:ListPoliciesGrantingServiceAccess",
        _user,
        lambda c, n: c.list_policies_granting_service_access(
            Arn=arn("user", n.name, ALLOWED), ServiceNamespaces=["iam"]
        ),
        lambda n: arn("user", n.name, ALLOWED),
        lambda c, n: c.list_policies_granting_service_access(
            Arn=arn("user", n.other), ServiceNamespaces=["iam"]
        ),
        lambda n: arn("user", n.other),
    ),
}


@pytest.mark.parametrize("operation", sorted(ADVISOR_CASES))
def test_allowed_and_denied(operation: str, server: Server) -> None:
    run_case(ADVISOR_CASES[operation], server)
