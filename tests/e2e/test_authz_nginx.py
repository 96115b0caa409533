"""nginx ``auth_request`` in front of a service, with the configuration rolegate ships
(examples/nginx/nginx.conf), real nginx (Debian's package: .ci/apt-packages) and requests signed
by botocore's SigV4Auth for the custom service ``widgets``."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from authz_helpers import EXAMPLES, AuthzServer, signed
from sts_helpers import Account, allow, document

from harness import ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET, free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@dataclass
class Upstream:
    """The protected service: answers 200 and remembers the headers of what reached it."""

    port: int = field(default_factory=free_port)
    seen: list[dict[str, str]] = field(default_factory=list)

    def start(self) -> ThreadingHTTPServer:
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                seen.append({k.lower(): v for k, v in self.headers.items()})
                body = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = do_DELETE = _answer

            def log_message(self, *args: Any) -> None:
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        return httpd


def nginx_config(tmp: Path, nginx_port: int, authz_port: int, upstream_port: int) -> Path:
    """The shipped configuration with this test's ports, and temporary files under ``tmp``."""
    text = (EXAMPLES / "nginx" / "nginx.conf").read_text()
    for shipped, port in (("8080", nginx_port), ("4567", authz_port), ("8000", upstream_port)):
        assert f"127.0.0.1:{shipped};" in text
        text = text.replace(f"127.0.0.1:{shipped};", f"127.0.0.1:{port};")
    temp = "".join(
        f"    {kind}_temp_path {tmp / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    text = text.replace("http {\n", "http {\n" + temp, 1)
    path = tmp / "nginx.conf"
    path.write_text(f"pid {tmp / 'nginx.pid'};\n" + text)
    return path


@dataclass
class Site:
    url: str
    upstream: Upstream


@pytest.fixture(scope="module")
def site(authz: AuthzServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("nginx")
    upstream = Upstream()
    httpd = upstream.start()
    port = free_port()
    config = nginx_config(tmp, port, authz.authz_port, upstream.port)
    process = subprocess.Popen(
        [
            NGINX,
            "-p",
            str(tmp),
            "-e",
            str(tmp / "error.log"),
            "-c",
            str(config),
            "-g",
            "daemon off;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(port, process, tmp / "error.log")
        yield Site(f"http://127.0.0.1:{port}", upstream)
    finally:
        process.terminate()
        process.wait(timeout=15)
        httpd.shutdown()
        httpd.server_close()


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited: {log.read_text() if log.exists() else ''}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1):
                return
        except urllib.error.HTTPError as error:
            error.close()
            return  # nginx answers (unsigned: 401)
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("nginx did not start")


def send(
    site: Site, path: str, method: str = "GET", body: bytes = b"", **sign: Any
) -> tuple[int, bytes]:
    url = site.url + path
    headers = sign.pop("headers", {})
    if "key_id" in sign:
        request = signed(
            sign.pop("key_id"),
            sign.pop("secret"),
            url,
            method=method,
            body=body,
            headers=headers,
            **sign,
        )
        headers = dict(request.headers.items())
    raw = urllib.request.Request(url, data=body or None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(raw, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


def test_allowed_requests_reach_the_service_with_the_principal(
    authz: AuthzServer, site: Site
) -> None:
    home = Account(authz.server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    resource = f"arn:aws:widgets:us-east-1:{ACCOUNT_ID}:widget/42"
    user = home.user(document(allow(["widgets:GetWidget", "widgets:PutWidget"], resource)))
    keys: dict[str, Any] = {"key_id": user.key_id, "secret": user.secret}
    before = len(site.upstream.seen)
    spoof = {"X-Rolegate-Principal-Arn": "arn:aws:iam::999999999999:root"}
    status, _ = send(site, "/widgets/42", headers=spoof, **keys)
    assert status == 200
    seen = site.upstream.seen[-1]
    assert seen["x-rolegate-principal-arn"] == user.arn  # the client's own value replaced
    assert seen["x-rolegate-account"] == ACCOUNT_ID
    assert seen["x-rolegate-user-id"] == user.user_id
    assert seen["x-rolegate-principal-type"] == "User"
    body = b'{"color": "red"}'
    digest = {"X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()}
    assert send(site, "/widgets/42", "PUT", body, headers=digest, **keys)[0] == 200
    assert len(site.upstream.seen) == before + 2


def test_denied_and_unauthenticated_requests_stop_at_nginx(authz: AuthzServer, site: Site) -> None:
    home = Account(authz.server, ACCOUNT_ID, ROOT_KEY_ID, ROOT_SECRET)
    resource = f"arn:aws:widgets:us-east-1:{ACCOUNT_ID}:widget/42"
    user = home.user(document(allow("widgets:GetWidget", resource)))
    keys: dict[str, Any] = {"key_id": user.key_id, "secret": user.secret}
    before = len(site.upstream.seen)
    assert send(site, "/widgets/43", **keys)[0] == 403  # another resource
    assert send(site, "/widgets/42", "DELETE", **keys)[0] == 403  # another action
    assert send(site, "/widgets/42", region="eu-west-1", **keys)[0] == 403  # ${region}
    assert send(site, "/gizmos/1", **keys)[0] == 403  # no route
    assert send(site, "/widgets/42")[0] == 401  # unsigned
    assert send(site, "/widgets/42", key_id=user.key_id, secret="wrong")[0] == 401
    assert send(site, "/widgets/42", service="gadgets", **keys)[0] == 401  # scoped elsewhere
    body = b'{"color": "red"}'
    unsigned_body = send(site, "/widgets/42", "PUT", body, **keys)  # no X-Amz-Content-SHA256
    assert unsigned_body[0] == 401
    assert len(site.upstream.seen) == before
