"""The launcher's side: its own credentials, found as any AWS SDK finds them (botocore's
credential chain: environment, shared files and ``--profile``, credential_process, SSO, container
and instance metadata), the rolegate endpoint, and the calls that give a workload its role."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import botocore.session
from botocore.exceptions import BotoCoreError

from rolegate.agent.client import RoleCredentials, StsClient, role_credentials

DEFAULT_REGION = "us-east-1"


class AgentConfigError(Exception):
    """What the agent cannot start without: an endpoint, the launcher's credentials."""


def endpoint_url(given: str | None) -> str:
    """``--endpoint-url``, else ``AWS_ENDPOINT_URL_STS`` / ``AWS_ENDPOINT_URL`` as the SDKs read
    them (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html)."""
    url = given or os.environ.get("AWS_ENDPOINT_URL_STS") or os.environ.get("AWS_ENDPOINT_URL")
    if not url:
        raise AgentConfigError("name the rolegate server with --endpoint-url or AWS_ENDPOINT_URL")
    return url


def sts_client(endpoint: str | None, profile: str | None) -> StsClient:
    """A signing client with the launcher's credentials from botocore's default chain."""
    url = endpoint_url(endpoint)
    try:
        session = botocore.session.Session(profile=profile)
        credentials = session.get_credentials()
        region = session.get_config_variable("region") or DEFAULT_REGION
    except BotoCoreError as error:
        raise AgentConfigError(f"the launcher's credentials: {error}") from None
    if credentials is None:
        raise AgentConfigError(
            "no launcher credentials found (environment, shared files, --profile, ...)"
        )
    return StsClient(url, str(region), credentials)


@dataclass(frozen=True, slots=True)
class WorkloadRole:
    """What the agent asks AssumeRoleForWorkload for, every time it fetches."""

    service: str
    source_arn: str
    role_arn: str | None = None
    instance_profile_name: str | None = None
    duration_seconds: int | None = None
    pod: dict[str, str] = field(default_factory=dict)  # the Kubernetes* members (EKS)

    def fetch(self, client: StsClient) -> RoleCredentials:
        params: dict[str, object] = {"Service": self.service, "SourceArn": self.source_arn}
        if self.role_arn is not None:
            params["RoleArn"] = self.role_arn
        if self.instance_profile_name is not None:
            params["InstanceProfileName"] = self.instance_profile_name
        if self.duration_seconds is not None:
            params["DurationSeconds"] = self.duration_seconds
        params.update(self.pod)
        return role_credentials(client.call("AssumeRoleForWorkload", params), self.role_arn)


def assume_role(
    client: StsClient, role_arn: str, session_name: str | None, duration: int | None
) -> RoleCredentials:
    """Plain AssumeRole with the launcher's own identity (credential_process)."""
    params: dict[str, object] = {
        "RoleArn": role_arn,
        "RoleSessionName": session_name or f"rolegate-{int(time.time())}",
    }
    if duration is not None:
        params["DurationSeconds"] = duration
    return role_credentials(client.call("AssumeRole", params), role_arn)
