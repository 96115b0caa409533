"""Which services a permissions policy grants (services.iam.access_advisor.grants): Action
patterns with and without wildcards, NotAction, Deny, and names of services AWS does not have."""

from __future__ import annotations

import json

from rolegate.services.iam.access_advisor.grants import (
    every_namespace,
    granted,
    named_namespaces,
    service_name,
)

UNIVERSE = {"iam", "s3", "sts", "sso", "ec2", "widgets"}


def doc(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(**element: object) -> dict[str, object]:
    return {"Effect": "Allow", "Resource": "*", **element}


def test_actions_name_their_services() -> None:
    assert granted([doc(allow(Action=["s3:GetObject", "IAM:List*"]))], UNIVERSE) == {"s3", "iam"}
    assert granted([doc(allow(Action="s*:*"))], UNIVERSE) == {"s3", "sts", "sso"}
    assert granted([doc(allow(Action="*"))], UNIVERSE) == UNIVERSE
    assert granted([doc(allow(Action="widgets:Get*"))], UNIVERSE) == {"widgets"}


def test_not_action_grants_all_but_whole_services_it_names() -> None:
    excluded = doc(allow(NotAction=["iam:*", "s3:GetObject"]))
    assert granted([excluded], UNIVERSE) == UNIVERSE - {"iam"}
    assert granted([doc(allow(NotAction="*"))], UNIVERSE) == set()


def test_deny_takes_nothing_away_and_documents_add_up() -> None:
    deny = doc({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}, allow(Action="sts:*"))
    assert granted([deny], UNIVERSE) == {"sts"}
    assert granted([deny, doc(allow(Action="ec2:Describe*"))], UNIVERSE) == {"sts", "ec2"}


def test_the_services_a_report_can_name() -> None:
    texts = [doc(allow(Action=["widgets:Get", "s*:*"]))]
    assert named_namespaces(texts) == {"widgets"}
    universe = every_namespace({"widgets"})
    assert {"iam", "s3", "widgets"} <= universe and len(universe) > 300
    assert service_name("s3") == "Amazon S3"
    assert service_name("widgets") == "widgets"
