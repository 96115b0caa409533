"""The console's client of IAM and STS: every page calls the operations exactly as an SDK does,
signed with the signed-in session's credentials, through the server's own request pipeline.

botocore serializes the parameters (Query protocol), signs them (SigV4) and parses the XML
answer, so the console sees what boto3 would; the transport hands the signed request to the
pipeline in process (no socket), where authentication and authorization run as for any client.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.parsers import QueryParser
from botocore.serialize import QuerySerializer

from rolegate.wire import load_service

# (method, headers, body, browser) -> (status, body): the server's pipeline, in process.
Transport = Callable[[str, tuple[tuple[str, str], ...], bytes, "BrowserOrigin"], tuple[int, bytes]]
_HOST = "console.rolegate.internal"
_ENDPOINT = f"https://{_HOST}/"


@dataclass(frozen=True, slots=True)
class BrowserOrigin:
    """Where the browser's request came from: the calls it causes carry its address
    (aws:SourceIp) and whether it used TLS (aws:SecureTransport)."""

    source_ip: str | None = None
    secure: bool = False


# Set by the console for the page being built (pages run on one worker thread each).
BROWSER: ContextVar[BrowserOrigin | None] = ContextVar("rolegate_console_browser", default=None)


@dataclass(frozen=True, slots=True)
class SessionCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None  # None: long-term keys (the root sign-in's check)


class ApiError(Exception):
    """An operation's error answer, as AWS gave it (code and message)."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class ApiClient:
    """Calls ``service``'s ``operation`` with ``params`` (boto3's shapes) as the holder of
    ``credentials``."""

    def __init__(self, transport: Transport, region: str) -> None:
        self._transport = transport
        self._region = region
        self._models = {name: load_service(name).model for name in ("iam", "sts")}
        self._serializer = QuerySerializer()
        self._parser = QueryParser()

    def call(
        self,
        credentials: SessionCredentials,
        service: str,
        operation: str,
        params: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        model = self._models[service].operation_model(operation)
        serialized = self._serializer.serialize_to_request(dict(params or {}), model)
        body = urlencode(serialized["body"]).encode("utf-8")
        request = AWSRequest(
            method="POST",
            url=_ENDPOINT,
            data=body,
            headers={
                "Host": _HOST,
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            },
        )
        creds = Credentials(
            credentials.access_key_id, credentials.secret_access_key, credentials.session_token
        )
        SigV4Auth(creds, service, self._region).add_auth(request)
        headers = tuple((k, str(v)) for k, v in request.headers.items())
        status, answer = self._transport("POST", headers, body, BROWSER.get() or BrowserOrigin())
        parsed: dict[str, Any] = self._parser.parse(
            {"body": answer, "headers": {}, "status_code": status}, model.output_shape
        )
        if status >= 300:
            error = parsed.get("Error", {})
            raise ApiError(str(error.get("Code", "")), str(error.get("Message", "")), status)
        parsed.pop("ResponseMetadata", None)
        return parsed
