"""rolegate's STS endpoint as the agent reaches it: botocore serializes each call from the
model (``rolegate.wire.service_model``, which holds rolegate's own AssumeRoleForWorkload), signs it
with SigV4 with the launcher's credentials, and parses the answer; httpx sends it.

Not a botocore client: those are built from botocore's own STS model, which does not know
AssumeRoleForWorkload.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import create_request_object, prepare_request_dict
from botocore.credentials import Credentials
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from rolegate.wire import service_model

TIMEOUT_SECONDS = 10.0


class RolegateError(Exception):
    """rolegate answered with an AWS error: the request was refused (or was bad)."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(f"{code} ({status}): {message}")
        self.code = code
        self.message = message
        self.status = status


class RolegateUnavailable(Exception):
    """rolegate could not be reached, or failed on its side (5xx): worth trying again."""


@dataclass(frozen=True, slots=True)
class RoleCredentials:
    """A role session as AWS's credential documents describe it."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime
    role_arn: str
    assumed_role_arn: str
    instance_profile_arn: str | None = None
    instance_profile_id: str | None = None

    def __repr__(self) -> str:  # never the secret or the token, wherever it is printed
        return f"RoleCredentials({self.assumed_role_arn}, {self.access_key_id}, {self.expiration})"


class StsClient:
    """Signed STS calls to one rolegate endpoint; ``credentials()`` gives the launcher's
    credentials for each call (botocore's chain refreshes its own)."""

    def __init__(self, endpoint_url: str, region: str, credentials: Any) -> None:
        self._endpoint = endpoint_url.rstrip("/")
        self.region = region
        self._credentials = credentials
        self._model = service_model("sts")
        self._serializer = create_serializer("query")
        self._parser = create_parser("query")
        self._http = httpx.Client(timeout=TIMEOUT_SECONDS)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> StsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """The parsed result of ``operation``; RolegateError / RolegateUnavailable otherwise."""
        op_model = self._model.operation_model(operation)
        request_dict = self._serializer.serialize_to_request(params, op_model)
        prepare_request_dict(request_dict, endpoint_url=self._endpoint)
        request = create_request_object(request_dict)
        frozen = self._credentials.get_frozen_credentials()
        signing = Credentials(frozen.access_key, frozen.secret_key, frozen.token)
        SigV4Auth(signing, "sts", self.region).add_auth(request)
        prepared = request.prepare()
        try:
            answer = self._http.request(
                prepared.method,
                prepared.url,
                headers=dict(prepared.headers.items()),
                content=prepared.body,
            )
        except httpx.HTTPError as error:
            raise RolegateUnavailable(f"{self._endpoint}: {type(error).__name__}") from None
        if answer.status_code >= 500:
            raise RolegateUnavailable(f"{self._endpoint} answered {answer.status_code}")
        parsed: dict[str, Any] = self._parser.parse(
            {
                "body": answer.content,
                "headers": dict(answer.headers.items()),
                "status_code": answer.status_code,
            },
            op_model.output_shape,
        )
        if answer.status_code >= 300 or "Error" in parsed:
            found = parsed.get("Error", {})
            raise RolegateError(
                str(found.get("Code", "Unknown")),
                str(found.get("Message", "")),
                answer.status_code,
            )
        return parsed


def role_credentials(result: dict[str, Any], role_arn: str | None = None) -> RoleCredentials:
    """The credentials of an AssumeRole* result."""
    creds = result["Credentials"]
    return RoleCredentials(
        access_key_id=creds["AccessKeyId"],
        secret_access_key=creds["SecretAccessKey"],
        session_token=creds["SessionToken"],
        expiration=creds["Expiration"],
        role_arn=result.get("RoleArn") or role_arn or "",
        assumed_role_arn=result["AssumedRoleUser"]["Arn"],
        instance_profile_arn=result.get("InstanceProfileArn"),
        instance_profile_id=result.get("InstanceProfileId"),
    )
