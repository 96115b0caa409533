"""An instance metadata service compatible with IMDSv2
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html,
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html).

``PUT /latest/api/token`` with ``X-aws-ec2-metadata-token-ttl-seconds`` (1 to 21600) answers a
session token; every GET carries it in ``X-aws-ec2-metadata-token`` (401 without, or with one that
is wrong or expired; without, IMDSv1 answers only when enabled). A PUT carrying
``X-Forwarded-For`` is refused (403), as AWS refuses tokens to requests that went through a
proxy. Tokens are stateless: an expiry and an HMAC of it under a key of this process, compared in
constant time, so they cost no memory however many are asked for.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import platform
import struct
import time
from dataclasses import dataclass
from datetime import datetime

from rolegate.agent.asgi import Receive, Scope, Send, headers_of, iso, lifespan, respond
from rolegate.agent.client import RoleCredentials
from rolegate.agent.refresher import Refresher

TOKEN_PATH = "/latest/api/token"
TTL_HEADER = "x-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "x-aws-ec2-metadata-token"
MAX_TTL_SECONDS = 21600
_MAC_BYTES = 16
_ARCHITECTURES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}
_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
}


def _error_page(status: int) -> bytes:
    """The XHTML page IMDS answers its errors with."""
    title = f"{status} - {_REASONS[status]}"
    return (
        '<?xml version="1.0" encoding="iso-8859-1"?>\n'
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n'
        '\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n'
        f" <head>\n  <title>{title}</title>\n </head>\n"
        f" <body>\n  <h1>{title}</h1>\n </body>\n</html>\n"
    ).encode()


@dataclass(frozen=True, slots=True)
class Instance:
    """What the metadata describes besides the credentials."""

    instance_id: str
    account_id: str
    region: str
    launched: datetime

    @property
    def availability_zone(self) -> str:
        return f"{self.region}a"

    def identity_document(self) -> dict[str, object]:
        machine = platform.machine().lower()
        return {
            "accountId": self.account_id,
            "architecture": _ARCHITECTURES.get(machine, machine),
            "availabilityZone": self.availability_zone,
            "billingProducts": None,
            "devpayProductCodes": None,
            "marketplaceProductCodes": None,
            "imageId": None,
            "instanceId": self.instance_id,
            "instanceType": None,
            "kernelId": None,
            "pendingTime": iso(self.launched),
            "privateIp": None,
            "ramdiskId": None,
            "region": self.region,
            "version": "2017-09-30",
        }


class Tokens:
    """IMDSv2 session tokens: ``expiry || HMAC(expiry)``, base64url."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or os.urandom(32)

    def issue(self, ttl: int, now: float) -> str:
        expiry = struct.pack(">Q", int((now + ttl) * 1000))  # milliseconds: the whole TTL
        mac = hmac.new(self._key, expiry, hashlib.sha256).digest()[:_MAC_BYTES]
        return base64.urlsafe_b64encode(expiry + mac).decode()

    def valid(self, token: str, now: float) -> bool:
        if len(token) > 64:
            return False
        try:
            raw = base64.urlsafe_b64decode(token.encode())
        except ValueError:
            return False
        if len(raw) != 8 + _MAC_BYTES:
            return False
        expiry, mac = raw[:8], raw[8:]
        expected = hmac.new(self._key, expiry, hashlib.sha256).digest()[:_MAC_BYTES]
        return hmac.compare_digest(mac, expected) and struct.unpack(">Q", expiry)[0] > now * 1000


class MetadataApp:
    """The ASGI app: the token, then the metadata tree under ``/latest``."""

    def __init__(self, refresher: Refresher, instance: Instance, *, imdsv1: bool = False) -> None:
        self._refresher = refresher
        self._instance = instance
        self._imdsv1 = imdsv1
        self._tokens = Tokens()
        # the role document of the current credentials, rendered once per refresh
        self._rendered: tuple[RoleCredentials, bytes] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        headers = headers_of(scope)
        method, path = scope["method"], scope["path"]
        if path == TOKEN_PATH:
            await self._token(send, method, headers)
            return
        if method not in ("GET", "HEAD"):
            await self._error(send, 405)
            return
        token = headers.get(TOKEN_HEADER)
        if token is None and not self._imdsv1:
            await self._error(send, 401)
            return
        if token is not None and not self._tokens.valid(token, time.time()):
            await self._error(send, 401)
            return
        found = self._lookup(path)
        if found is None:
            await self._error(send, 404)
            return
        body, content_type = found
        await respond(send, 200, body, content_type)

    async def _token(self, send: Send, method: str, headers: dict[str, str]) -> None:
        if method != "PUT":
            await self._error(send, 405)
            return
        if "x-forwarded-for" in headers:
            await self._error(send, 403)
            return
        ttl_text = headers.get(TTL_HEADER, "")
        if not (ttl_text.isdigit() and 1 <= int(ttl_text) <= MAX_TTL_SECONDS):
            await self._error(send, 400)
            return
        token = self._tokens.issue(int(ttl_text), time.time())
        await respond(
            send, 200, token.encode(), "text/plain", ((TTL_HEADER.encode(), ttl_text.encode()),)
        )

    async def _error(self, send: Send, status: int) -> None:
        await respond(send, status, _error_page(status), "text/html")

    def _lookup(self, path: str) -> tuple[bytes, str] | None:
        """The document at ``path`` (a trailing slash is accepted on leaves, as IMDS does)."""
        instance = self._instance
        parts = [part for part in path.split("/") if part]
        if parts[:2] == ["latest", "dynamic"]:
            if parts[2:] == ["instance-identity", "document"]:
                document = json.dumps(instance.identity_document(), indent=2)
                return document.encode(), "application/json"
            return None
        if parts[:2] != ["latest", "meta-data"]:
            return None
        rest = parts[2:]
        text: str | None = None
        if not rest:
            text = "iam/\ninstance-id\nplacement/"
        elif rest == ["instance-id"]:
            text = instance.instance_id
        elif rest == ["placement"]:
            text = "availability-zone\nregion"
        elif rest == ["placement", "region"]:
            text = instance.region
        elif rest == ["placement", "availability-zone"]:
            text = instance.availability_zone
        elif rest == ["iam"]:
            text = "info\nsecurity-credentials/"
        elif rest == ["iam", "info"]:
            return self._info(), "text/plain"
        elif rest[:2] == ["iam", "security-credentials"]:
            return self._credentials(rest[2:])
        return None if text is None else (text.encode(), "text/plain")

    def _info(self) -> bytes:
        refresher = self._refresher
        current = refresher.current
        document: dict[str, object]
        if refresher.problem is not None and refresher.valid() is None:
            problem = refresher.problem
            document = {
                "Code": problem.code,
                "Message": problem.message,
                "LastUpdated": iso(problem.at),
            }
        else:
            document = {"Code": "Success"}
            if refresher.last_updated is not None:
                document["LastUpdated"] = iso(refresher.last_updated)
            if current is not None:
                document["InstanceProfileArn"] = current.instance_profile_arn
                document["InstanceProfileId"] = current.instance_profile_id
        return json.dumps(document, indent=2).encode()

    def _credentials(self, rest: list[str]) -> tuple[bytes, str] | None:
        current = self._refresher.valid()
        if current is None:  # nothing to hand out: as an instance without a role
            return None
        role_name = current.role_arn.rsplit("/", 1)[-1]
        if not rest:
            return role_name.encode(), "text/plain"
        if rest != [role_name]:
            return None
        rendered = self._rendered
        if rendered is None or rendered[0] is not current:
            rendered = (current, self._role_document(current))
            self._rendered = rendered
        return rendered[1], "text/plain"

    def _role_document(self, current: RoleCredentials) -> bytes:
        updated = self._refresher.last_updated or current.expiration
        document = {
            "Code": "Success",
            "LastUpdated": iso(updated),
            "Type": "AWS-HMAC",
            "AccessKeyId": current.access_key_id,
            "SecretAccessKey": current.secret_access_key,
            "Token": current.session_token,
            "Expiration": iso(current.expiration),
        }
        return json.dumps(document, indent=2).encode()
