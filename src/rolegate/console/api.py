"""The console's client of IAM, STS and CloudTrail: every page calls the operations exactly as
an SDK does, signed with the signed-in session's credentials, through the server's own endpoints.

botocore serializes the parameters (Query protocol for IAM and STS, JSON 1.1 for CloudTrail's
``LookupEvents``), signs them (SigV4) and parses the answer, so the console sees what boto3
would; the transport hands the signed request to the server in process (no socket), where
authentication and authorization run as for any client. A large read (``ApiClient.read``) may
skip the XML: the server hands back the operation's result instead of writing it out.
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
from botocore.model import OperationModel
from botocore.parsers import JSONParser, QueryParser
from botocore.serialize import JSONSerializer, QuerySerializer

from rolegate.wire import load_service
from rolegate.wire.json_protocol import load_json_service

# (method, headers, body, browser) -> (status, body): the server's pipeline, in process.
Transport = Callable[[str, tuple[tuple[str, str], ...], bytes, "BrowserOrigin"], tuple[int, bytes]]
# (headers, body, browser) -> (status, error body, result): an IAM or STS request answered as the
# operation's result, not written as XML (``ApiClient.read``)
DecodedTransport = Callable[
    [tuple[tuple[str, str], ...], bytes, "BrowserOrigin"],
    tuple[int, bytes, Mapping[str, Any] | None],
]
_HOST = "console.rolegate.internal"
_ENDPOINT = f"https://{_HOST}/"
# What CloudTrail shows as the userAgent of a call a person made in the console
# (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html)
USER_AGENT = "console.amazonaws.com"


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

    def __init__(
        self, transport: Transport, region: str, decoded: DecodedTransport | None = None
    ) -> None:
        self._transport = transport
        self._decoded = decoded
        self._region = region
        self._models = {name: load_service(name).model for name in ("iam", "sts")}
        self._models["cloudtrail"] = load_json_service("cloudtrail").model
        self._serializer = QuerySerializer()
        self._parser = QueryParser()
        self._json_serializer = JSONSerializer()
        self._json_parser = JSONParser()

    def call(
        self,
        credentials: SessionCredentials,
        service: str,
        operation: str,
        params: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        model = self._models[service].operation_model(operation)
        signed, body = self._signed(credentials, service, model, params)
        status, answer = self._transport("POST", signed, body, BROWSER.get() or BrowserOrigin())
        return self._parsed(model, status, answer)

    def read(
        self,
        credentials: SessionCredentials,
        service: str,
        operation: str,
        params: Mapping[str, Any] | None = None,
    ) -> Mapping[str, Any]:
        """``call`` of an IAM or STS operation whose answer is large (the access graph's
        GetAccountAuthorizationDetails pages), answered as the operation's result instead of
        XML that would only be parsed back: the same signed request, authenticated, authorized
        and recorded. The result has the model's member names; its values keep the server's
        types (a timestamp is a ``datetime``, a policy document URL-encoded text). Without a
        decoded transport, this is ``call``."""
        if self._decoded is None:
            return self.call(credentials, service, operation, params)
        model = self._models[service].operation_model(operation)
        signed, body = self._signed(credentials, service, model, params)
        status, answer, result = self._decoded(signed, body, BROWSER.get() or BrowserOrigin())
        if result is None:  # an error, written as XML
            return self._parsed(model, status, answer)
        return result

    def _signed(
        self,
        credentials: SessionCredentials,
        service: str,
        model: OperationModel,
        params: Mapping[str, Any] | None,
    ) -> tuple[tuple[tuple[str, str], ...], bytes]:
        if model.metadata["protocol"] == "json":
            body, headers = self._json_request(dict(params or {}), model)
        else:
            serialized = self._serializer.serialize_to_request(dict(params or {}), model)
            body = urlencode(serialized["body"]).encode("utf-8")
            headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        request = AWSRequest(
            method="POST",
            url=_ENDPOINT,
            data=body,
            headers={"Host": _HOST, "User-Agent": USER_AGENT, **headers},
        )
        creds = Credentials(
            credentials.access_key_id, credentials.secret_access_key, credentials.session_token
        )
        SigV4Auth(creds, service, self._region).add_auth(request)
        return tuple((k, str(v)) for k, v in request.headers.items()), body

    def _parsed(self, model: OperationModel, status: int, answer: bytes) -> dict[str, Any]:
        parser = self._json_parser if model.metadata["protocol"] == "json" else self._parser
        parsed: dict[str, Any] = parser.parse(
            {"body": answer, "headers": {}, "status_code": status}, model.output_shape
        )
        if status >= 300:
            error = parsed.get("Error", {})
            raise ApiError(str(error.get("Code", "")), str(error.get("Message", "")), status)
        parsed.pop("ResponseMetadata", None)
        return parsed

    def _json_request(
        self, params: dict[str, Any], model: OperationModel
    ) -> tuple[bytes, dict[str, str]]:
        """The JSON 1.1 body and its headers (``X-Amz-Target``, the content type)."""
        serialized = self._json_serializer.serialize_to_request(params, model)
        body = serialized["body"]
        data = body if isinstance(body, bytes) else str(body).encode("utf-8")
        return data, {k: str(v) for k, v in serialized["headers"].items()}
