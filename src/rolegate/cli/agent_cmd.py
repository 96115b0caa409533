"""``rolegate agent imds|container`` and ``rolegate credential-process``: role credentials for
workloads where AWS SDKs look for them (docs/workloads.md)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rolegate.agent.asgi import iso
from rolegate.agent.client import RolegateError, RolegateUnavailable, StsClient
from rolegate.agent.container import AuthToken, ContainerApp
from rolegate.agent.imds import Instance, MetadataApp
from rolegate.agent.launcher import AgentConfigError, WorkloadRole, assume_role, sts_client
from rolegate.agent.refresher import Refresher
from rolegate.agent.run import LaunchRefused, caller_account, serve

ECS_TASKS = "ecs-tasks.amazonaws.com"
EKS_PODS = "pods.eks.amazonaws.com"
# Set in credential-process's own environment: an SDK that runs it with a profile whose
# credential_process is this command again would otherwise start it without end.
_NESTED = "ROLEGATE_CREDENTIAL_PROCESS_ACTIVE"


def add_agent_commands(commands: Any) -> None:
    agent = commands.add_parser("agent", help="serve role credentials to workloads")
    modes = agent.add_subparsers(dest="mode", required=True, metavar="MODE")

    imds = modes.add_parser("imds", help="an instance metadata service (IMDSv2)")
    _common(imds)
    imds.add_argument("--instance-profile", required=True, metavar="NAME")
    imds.add_argument("--instance-id", help="the instance's id (default: a new i-… id)")
    imds.add_argument("--imdsv1", action="store_true", help="also answer GETs without a token")
    imds.set_defaults(handler=_run_imds)

    container = modes.add_parser("container", help="the container credentials endpoint")
    _common(container)
    container.add_argument("--role-arn", required=True)
    container.add_argument("--auth-token-file", required=True, type=Path, metavar="FILE")
    container.add_argument("--service", choices=(ECS_TASKS, EKS_PODS), default=ECS_TASKS)
    container.add_argument("--cluster", default="default", help="ECS or EKS cluster name")
    container.add_argument("--task-id", help="the ECS task's id (default: a new one)")
    for name in ("namespace", "service-account", "pod-name", "pod-uid"):
        container.add_argument(f"--{name}", help=f"EKS pod identity: the pod's {name}")
    container.set_defaults(handler=_run_container)

    process = commands.add_parser(
        "credential-process", help="print role credentials for credential_process"
    )
    process.add_argument("--role-arn", required=True)
    process.add_argument("--profile", help="the source credentials' profile in the AWS files")
    process.add_argument("--duration-seconds", type=int)
    process.add_argument("--role-session-name")
    process.add_argument("--endpoint-url")
    process.set_defaults(handler=_credential_process)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--listen", required=True, metavar="HOST:PORT")
    parser.add_argument("--endpoint-url", help="the rolegate server (or AWS_ENDPOINT_URL)")
    parser.add_argument("--profile", help="the launcher's profile in the AWS files")
    parser.add_argument("--region", help="the workload's region (default: the profile's)")
    parser.add_argument("--duration-seconds", type=int)
    parser.add_argument(
        "--refresh-margin",
        type=float,
        metavar="SECONDS",
        help="renew this long before expiry (a third of the session's lifetime, at least 300)",
    )
    parser.add_argument("--log-level", default="info")


def _start(args: argparse.Namespace) -> tuple[StsClient, str, str]:
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.refresh_margin is not None and args.refresh_margin < 0:
        raise AgentConfigError("--refresh-margin must not be negative")
    client = sts_client(args.endpoint_url, args.profile)
    region = args.region or client.region
    return client, caller_account(client), region


def _run_imds(args: argparse.Namespace) -> int:
    def launch() -> None:
        client, account, region = _start(args)
        instance_id = args.instance_id or f"i-{uuid.uuid4().hex[:17]}"
        workload = WorkloadRole(
            service="ec2.amazonaws.com",
            source_arn=f"arn:aws:ec2:{region}:{account}:instance/{instance_id}",
            instance_profile_name=args.instance_profile,
            duration_seconds=args.duration_seconds,
        )
        refresher = Refresher(lambda: workload.fetch(client), margin=args.refresh_margin)
        instance = Instance(instance_id, account, region, datetime.now(UTC))
        serve(MetadataApp(refresher, instance, imdsv1=args.imdsv1), refresher, args.listen)

    return _guarded(launch)


def _run_container(args: argparse.Namespace) -> int:
    def launch() -> None:
        try:
            token = AuthToken(args.auth_token_file)
        except (OSError, ValueError) as error:
            raise AgentConfigError(f"--auth-token-file: {error}") from None
        client, account, region = _start(args)
        pod: dict[str, str] = {}
        if args.service == EKS_PODS:
            source_arn = f"arn:aws:eks:{region}:{account}:cluster/{args.cluster}"
            for member, value in (
                ("KubernetesNamespace", args.namespace),
                ("KubernetesServiceAccount", args.service_account),
                ("KubernetesPodName", args.pod_name),
                ("KubernetesPodUid", args.pod_uid),
            ):
                if value is not None:
                    pod[member] = value
        else:
            task_id = args.task_id or uuid.uuid4().hex
            source_arn = f"arn:aws:ecs:{region}:{account}:task/{args.cluster}/{task_id}"
        workload = WorkloadRole(
            service=args.service,
            source_arn=source_arn,
            role_arn=args.role_arn,
            duration_seconds=args.duration_seconds,
            pod=pod,
        )
        refresher = Refresher(lambda: workload.fetch(client), margin=args.refresh_margin)
        serve(ContainerApp(refresher, token), refresher, args.listen)

    return _guarded(launch)


def _guarded(launch: Any) -> int:
    """Exit status 2 for what the agent cannot start without, 1 for a refused launch."""
    try:
        launch()
    except (AgentConfigError, ValueError) as error:
        print(f"rolegate agent: {error}", file=sys.stderr)
        return 2
    except LaunchRefused as error:
        print(f"rolegate agent: the launch was refused: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


def _credential_process(args: argparse.Namespace) -> int:
    """One AssumeRole with the source credentials; the SDK runs this again near Expiration
    (https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html)."""
    if os.environ.get(_NESTED):
        print("rolegate credential-process: started by itself; name --profile", file=sys.stderr)
        return 2
    os.environ[_NESTED] = "1"
    try:
        client = sts_client(args.endpoint_url, args.profile)
        creds = assume_role(client, args.role_arn, args.role_session_name, args.duration_seconds)
    except AgentConfigError as error:
        print(f"rolegate credential-process: {error}", file=sys.stderr)
        return 2
    except (RolegateError, RolegateUnavailable) as error:
        print(f"rolegate credential-process: {error}", file=sys.stderr)
        return 1
    document = {
        "Version": 1,
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
        "SessionToken": creds.session_token,
        "Expiration": iso(creds.expiration),
    }
    print(json.dumps(document))
    return 0
