"""AssumeRoleForWorkload, rolegate's own STS operation behind the agent, called as the agent
calls it (botocore-signed, rolegate.agent.client), on SQLite and PostgreSQL: the launcher's
iam:PassRole with iam:PassedToService, the trust policy for the service principal, the session's
name, tags and keys, and what each bad input gets."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from agent_helpers import EC2, ECS, EKS, READ_ROLES, instance_profile, launcher, service_role
from botocore.credentials import Credentials
from sts_helpers import Account, User, allow, document, temporary_client, trust

from rolegate.agent.client import RolegateError, StsClient

from harness import ACCOUNT_ID, REGION, ROOT_KEY_ID, ROOT_SECRET, Server


@pytest.fixture
def home(server: Server) -> Account:
    return Account(server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)


_open: list[StsClient] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _open:
        _open.pop().close()


def client_of(server: Server, who: User) -> StsClient:
    client = StsClient(server.endpoint, REGION, Credentials(who.key_id, who.secret))
    _open.append(client)
    return client


def instance_arn(instance_id: str = "") -> str:
    return f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:instance/{instance_id or new_instance_id()}"


def new_instance_id() -> str:
    return f"i-{uuid.uuid4().hex[:17]}"


def task_arn(task_id: str) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:task/default/{task_id}"


def refused(client: StsClient, params: dict[str, Any]) -> tuple[str, int, str]:
    with pytest.raises(RolegateError) as caught:
        client.call("AssumeRoleForWorkload", params)
    return caught.value.code, caught.value.status, caught.value.message


def test_instance_profile_session_is_the_instance(server: Server, home: Account) -> None:
    role = service_role(home, EC2)
    profile = instance_profile(home, role)
    who = launcher(home, role["Arn"], EC2)
    instance_id = new_instance_id()
    result = client_of(server, who).call(
        "AssumeRoleForWorkload",
        {
            "Service": EC2,
            "InstanceProfileName": profile["InstanceProfileName"],
            "SourceArn": instance_arn(instance_id),
        },
    )
    assert result["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role['RoleName']}/{instance_id}"
    )
    assert result["AssumedRoleUser"]["AssumedRoleId"] == f"{role['RoleId']}:{instance_id}"
    assert result["InstanceProfileArn"] == profile["Arn"]
    assert result["InstanceProfileId"] == profile["InstanceProfileId"]
    assert result["RoleArn"] == role["Arn"]
    lasts = (result["Credentials"]["Expiration"] - datetime.now(UTC)).total_seconds()
    assert 3500 < lasts <= 3600  # one hour by default, as AssumeRole
    identity = temporary_client(server, result["Credentials"], "sts").get_caller_identity()
    assert identity["Arn"] == result["AssumedRoleUser"]["Arn"]


def test_instance_credentials_carry_ec2_source_instance_arn(server: Server, home: Account) -> None:
    """Later requests see ec2:SourceInstanceARN: a policy can tell one instance from another."""
    instance_id = new_instance_id()
    only_this_instance = document(
        allow(
            "iam:GetRole",
            Condition={"StringEquals": {"ec2:SourceInstanceARN": instance_arn(instance_id)}},
        )
    )
    role = service_role(home, EC2, only_this_instance)
    profile = instance_profile(home, role)
    client = client_of(server, launcher(home, role["Arn"], EC2))

    def credentials_of(instance: str) -> dict[str, Any]:
        result = client.call(
            "AssumeRoleForWorkload",
            {
                "Service": EC2,
                "InstanceProfileName": profile["InstanceProfileName"],
                "SourceArn": instance_arn(instance),
            },
        )
        return dict(result["Credentials"])

    mine = temporary_client(server, credentials_of(instance_id))
    assert mine.get_role(RoleName=role["RoleName"])["Role"]["Arn"] == role["Arn"]
    other = temporary_client(server, credentials_of(new_instance_id()))
    with pytest.raises(Exception, match="AccessDenied"):
        other.get_role(RoleName=role["RoleName"])


def test_task_role_session_is_the_task(server: Server, home: Account) -> None:
    role = service_role(home, ECS)
    who = launcher(home, role["Arn"], ECS)
    task_id = uuid.uuid4().hex
    result = client_of(server, who).call(
        "AssumeRoleForWorkload",
        {
            "Service": ECS,
            "RoleArn": role["Arn"],
            "SourceArn": task_arn(task_id),
            "DurationSeconds": 900,
        },
    )
    assert result["AssumedRoleUser"]["Arn"].endswith(f"/{role['RoleName']}/{task_id}")
    lasts = (result["Credentials"]["Expiration"] - datetime.now(UTC)).total_seconds()
    assert 800 < lasts <= 900
    assert "InstanceProfileArn" not in result


def test_task_role_trust_sees_source_account_and_arn(server: Server, home: Account) -> None:
    """ECS sets aws:SourceAccount and aws:SourceArn: a trust policy can name the cluster."""
    cluster_only = trust(
        {"Service": ECS},
        Condition={
            "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
            "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:task/prod/*"},
        },
    )
    role = home.role(cluster_only, READ_ROLES)
    client = client_of(server, launcher(home, role["Arn"]))
    prod = f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:task/prod/{uuid.uuid4().hex}"
    assert client.call(
        "AssumeRoleForWorkload", {"Service": ECS, "RoleArn": role["Arn"], "SourceArn": prod}
    )["Credentials"]["AccessKeyId"].startswith("ASIA")
    code, status, _ = refused(
        client, {"Service": ECS, "RoleArn": role["Arn"], "SourceArn": task_arn(uuid.uuid4().hex)}
    )
    assert (code, status) == ("AccessDenied", 403)


def test_pod_identity_session_tags(server: Server, home: Account) -> None:
    role = service_role(home, EKS)
    who = launcher(home, role["Arn"], EKS)
    cluster = f"arn:aws:eks:{REGION}:{ACCOUNT_ID}:cluster/blue"
    pod = {
        "KubernetesNamespace": "shop",
        "KubernetesServiceAccount": "cart",
        "KubernetesPodName": "cart-7d9f",
        "KubernetesPodUid": "0b9c6f2e-1a2b-4c3d-8e9f-000000000001",
    }
    params = {"Service": EKS, "RoleArn": role["Arn"], "SourceArn": cluster, **pod}
    result = client_of(server, who).call("AssumeRoleForWorkload", params)
    session = result["AssumedRoleUser"]["Arn"].rsplit("/", 1)[-1]
    assert session == "eks-blue-cart-7d9f-0b9c6f2e-1a2b-4c3d-8e9f-000000000001"[:64]
    # the tags are the session's principal tags: a policy on them decides
    by_namespace = document(
        allow(
            "iam:GetRole",
            Condition={"StringEquals": {"aws:PrincipalTag/kubernetes-namespace": "shop"}},
        )
    )
    tagged = service_role(home, EKS, by_namespace)
    result = client_of(server, launcher(home, tagged["Arn"], EKS)).call(
        "AssumeRoleForWorkload", {**params, "RoleArn": tagged["Arn"]}
    )
    pod_iam = temporary_client(server, result["Credentials"])
    assert pod_iam.get_role(RoleName=tagged["RoleName"])["Role"]["RoleName"] == tagged["RoleName"]


def test_pod_identity_needs_tag_session_in_the_trust(server: Server, home: Account) -> None:
    role = home.role(trust({"Service": EKS}), READ_ROLES)  # sts:AssumeRole only
    client = client_of(server, launcher(home, role["Arn"]))
    cluster = f"arn:aws:eks:{REGION}:{ACCOUNT_ID}:cluster/blue"
    pod = {
        "KubernetesNamespace": "a",
        "KubernetesServiceAccount": "b",
        "KubernetesPodName": "c",
        "KubernetesPodUid": "d",
    }
    code, status, message = refused(
        client, {"Service": EKS, "RoleArn": role["Arn"], "SourceArn": cluster, **pod}
    )
    assert (code, status) == ("AccessDenied", 403)
    assert message == (
        f"User: {EKS} is not authorized to perform: sts:TagSession on resource: {role['Arn']}"
    )


# --- bad input ------------------------------------------------------------------------------


def test_a_role_the_launcher_may_not_pass(server: Server, home: Account) -> None:
    role = service_role(home, ECS)
    nobody = home.user(document(allow("iam:GetRole")))
    params = {"Service": ECS, "RoleArn": role["Arn"], "SourceArn": task_arn("t1")}
    assert refused(client_of(server, nobody), params) == (
        "AccessDenied",
        403,
        f"User: {nobody.arn} is not authorized to perform: iam:PassRole on resource: "
        f"{role['Arn']} because no identity-based policy allows the iam:PassRole action",
    )


def test_passed_to_another_service(server: Server, home: Account) -> None:
    """iam:PassedToService names the service the role goes to: EC2 only is not ECS."""
    role = service_role(home, ECS)
    ec2_only = launcher(home, role["Arn"], EC2)
    code, status, message = refused(
        client_of(server, ec2_only),
        {"Service": ECS, "RoleArn": role["Arn"], "SourceArn": task_arn("t1")},
    )
    assert (code, status) == ("AccessDenied", 403)
    assert "iam:PassRole" in message


def test_trust_policy_not_naming_the_service(server: Server, home: Account) -> None:
    role = service_role(home, EC2)  # trusts EC2, passed to ECS
    who = launcher(home, role["Arn"])
    assert refused(
        client_of(server, who),
        {"Service": ECS, "RoleArn": role["Arn"], "SourceArn": task_arn("t1")},
    ) == (
        "AccessDenied",
        403,
        f"User: {ECS} is not authorized to perform: sts:AssumeRole on resource: {role['Arn']}",
    )


def test_trust_policy_naming_only_the_launcher(server: Server, home: Account) -> None:
    """The launcher itself being trusted does not make the service trusted."""
    who = launcher(home)
    role = home.role(trust({"AWS": who.arn}), READ_ROLES)
    code, _, message = refused(
        client_of(server, who), {"Service": ECS, "RoleArn": role["Arn"], "SourceArn": task_arn("t")}
    )
    assert code == "AccessDenied" and message.startswith(f"User: {ECS} is not authorized")


def test_missing_role_and_profile(server: Server, home: Account) -> None:
    client = client_of(server, launcher(home))
    missing = f"arn:aws:iam::{ACCOUNT_ID}:role/missing-{uuid.uuid4().hex[:6]}"
    name = missing.rsplit("/", 1)[-1]
    assert refused(client, {"Service": ECS, "RoleArn": missing, "SourceArn": task_arn("t")}) == (
        "NoSuchEntity",
        404,
        f"The role with name {name} cannot be found.",
    )
    assert refused(
        client, {"Service": EC2, "InstanceProfileName": name, "SourceArn": instance_arn()}
    ) == ("NoSuchEntity", 404, f"Instance Profile {name} cannot be found.")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"Service": ECS, "SourceArn": "arn:aws:ecs:us-east-1:123456789012:task/d/t"},
            "Specify exactly one of RoleArn and InstanceProfileName.",
        ),
        (
            {
                "Service": ECS,
                "InstanceProfileName": "p",
                "SourceArn": "arn:aws:ecs:us-east-1:123456789012:task/d/t",
            },
            "InstanceProfileName is only valid with Service ec2.amazonaws.com.",
        ),
        (
            {
                "Service": EC2,
                "RoleArn": "arn:aws:iam::123456789012:role/r",
                "SourceArn": "arn:aws:ecs:us-east-1:123456789012:task/d/t",
            },
            "SourceArn arn:aws:ecs:us-east-1:123456789012:task/d/t is not a workload ARN of "
            "ec2.amazonaws.com.",
        ),
        (
            {
                "Service": ECS,
                "RoleArn": "arn:aws:iam::123456789012:role/r",
                "SourceArn": "arn:aws:ecs:us-east-1:999999999999:task/d/t",
            },
            "SourceArn arn:aws:ecs:us-east-1:999999999999:task/d/t is not a workload ARN of "
            "ecs-tasks.amazonaws.com.",
        ),
        (
            {
                "Service": EKS,
                "RoleArn": "arn:aws:iam::123456789012:role/r",
                "SourceArn": "arn:aws:eks:us-east-1:123456789012:cluster/c",
            },
            "Service pods.eks.amazonaws.com requires KubernetesNamespace, "
            "KubernetesServiceAccount, KubernetesPodName and KubernetesPodUid.",
        ),
        (
            {
                "Service": ECS,
                "RoleArn": "not-an-arn-at-all-here",
                "SourceArn": "arn:aws:ecs:us-east-1:123456789012:task/d/t",
            },
            "not-an-arn-at-all-here is invalid",
        ),
    ],
)
def test_bad_parameters(
    server: Server, home: Account, params: dict[str, Any], message: str
) -> None:
    who = launcher(home)
    assert refused(client_of(server, who), params) == ("ValidationError", 400, message)


def test_unknown_service_is_a_validation_error(server: Server, home: Account) -> None:
    code, status, message = refused(
        client_of(server, launcher(home)),
        {"Service": "lambda.amazonaws.com", "RoleArn": "x" * 20, "SourceArn": "y" * 20},
    )
    assert (code, status) == ("ValidationError", 400)
    assert "Member must satisfy enum value set" in message


def test_root_may_not(server: Server, home: Account) -> None:
    role = service_role(home, ECS)
    root = StsClient(server.endpoint, REGION, Credentials(ROOT_KEY_ID, ROOT_SECRET))
    _open.append(root)
    assert refused(root, {"Service": ECS, "RoleArn": role["Arn"], "SourceArn": task_arn("t")}) == (
        "AccessDenied",
        403,
        "Roles may not be assumed by root accounts.",
    )
