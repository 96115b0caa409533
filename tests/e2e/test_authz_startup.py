"""``rolegate serve --authz-listen / --authz-routes``: what is refused at start, and the warning
for a listener that is not on loopback."""

from __future__ import annotations

import subprocess
import urllib.request
from pathlib import Path

from authz_helpers import WIDGETS, authz_server, question, signed

from harness import ACCOUNT_ID, BIN, ROOT_KEY_ID, ROOT_SECRET, Server, free_port


def serve(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(BIN / "rolegate"), "serve", "--data-dir", str(tmp_path), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_a_route_table_that_does_not_parse_is_refused_with_its_line(tmp_path: Path) -> None:
    routes = tmp_path / "routes.txt"
    routes.write_text("GET /widgets/{id} widgets:GetWidget *\nGET /widgets/{id widgets:X *\n")
    done = serve(tmp_path, "--authz-listen", str(free_port()), "--authz-routes", str(routes))
    assert done.returncode == 2
    assert done.stderr == (
        f"rolegate: {routes} line 2: the path segment '{{id' is neither literal nor {{name}}: "
        "'GET /widgets/{id widgets:X *'\n"
    )
    missing = serve(tmp_path, "--authz-listen", "4567", "--authz-routes", str(tmp_path / "no"))
    assert missing.returncode == 2 and "cannot read the route table" in missing.stderr


def test_bad_listen_addresses_are_refused(tmp_path: Path) -> None:
    for value, message in (
        ("localhost:http", "--authz-listen must be HOST:PORT or PORT, not 'localhost:http'"),
        ("70000", "--authz-listen must be HOST:PORT or PORT, not '70000'"),
        ("4566", "--authz-listen 4566 uses the API port: give it a port of its own"),
    ):
        done = serve(tmp_path, "--port", "4566", "--authz-listen", value)
        assert (done.returncode, done.stderr) == (2, f"rolegate: {message}\n")


def test_a_listener_beyond_loopback_is_announced_loudly(tmp_path: Path) -> None:
    port = free_port()
    server = Server(tmp_path, None, args=("--authz-listen", f"0.0.0.0:{port}")).start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            assert answer.read() == b"ok\n"
    finally:
        output = server.stop()
    assert f"rolegate: authorization service on http://0.0.0.0:{port}" in output
    assert (
        f"rolegate: WARNING: the authorization service listens on 0.0.0.0:{port}, not a "
        "loopback address" in output
    )


def test_every_worker_process_serves_the_listener(tmp_path: Path) -> None:
    found = authz_server(tmp_path, None)
    found.server.args = (*found.server.args, "--workers", "2")
    found.server.start()
    try:
        for _ in range(4):  # the connections land on either worker
            request = signed(ROOT_KEY_ID, ROOT_SECRET, "https://widgets.internal/widgets/1")
            status, answer = found.ask(question(request, resource=f"{WIDGETS}/1"))
            assert (status, answer["decision"]) == (200, "Allow")
        nginx = urllib.request.Request(
            f"{found.url}/v1/nginx",
            headers={
                **dict(request.headers.items()),
                "Host": "widgets.internal",
                "X-Original-URI": "/widgets/1",
                "X-Original-Method": "GET",
            },
        )
        with urllib.request.urlopen(nginx, timeout=10) as answer:  # the route table loaded
            assert answer.headers["X-Rolegate-Account"] == ACCOUNT_ID
    finally:
        found.server.stop()
