"""The console's ASGI app, under ``/console/`` on the API's port (``server.app`` routes there).

Every POST must come from the console's own pages: the browser's ``Origin`` (when sent) must be
this server's, ``Sec-Fetch-Site`` may not say another site, and the form's CSRF token must match
the session's (the sign-in forms: the sign-in cookie's). Pages run on the server's worker
threads, since each calls the pipeline.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl

from rolegate.auth.keyring import KeyRing
from rolegate.console.actions import Actions
from rolegate.console.api import BROWSER, ApiClient, ApiError, BrowserOrigin, SessionCredentials
from rolegate.console.backend import Backend
from rolegate.console.directory import DirectoryPages
from rolegate.console.events import EventPages
from rolegate.console.graph_page import GraphPage
from rolegate.console.http import SECURITY_HEADERS, Reply, Request, cookie, redirect
from rolegate.console.permissions import PermissionPages
from rolegate.console.policy_edit import PolicyPages
from rolegate.console.roles import RolePages
from rolegate.console.session import COOKIE, ConsoleSession, SessionSealer
from rolegate.console.signin import SignInPages, login_token_ok, root_form, user_form
from rolegate.console.tags import TagPages
from rolegate.console.tools import ToolPages, findings
from rolegate.console.users import UserPages

log = logging.getLogger("rolegate.console")
MAX_BODY = 64 * 1024  # a form of the console; policies are at most a few KiB
MAX_FIELDS = 100
PREFIX = "/console"
_ASSETS = {
    "console.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "graph.css": "text/css; charset=utf-8",
    "graph.js": "text/javascript; charset=utf-8",
}


class ConsoleApp:
    def __init__(
        self, backend: Backend, ring: KeyRing, run_sync: Callable[..., Awaitable[Any]]
    ) -> None:
        self.sealer = SessionSealer(ring)
        self.api = ApiClient(backend.transport, backend.region, backend.decoded_transport)
        self.sign_in = SignInPages(backend, self.sealer)
        self.roles = RolePages(self.api)
        self.tools = ToolPages(self.api)
        self.directory = DirectoryPages(self.api)
        self.access_graph = GraphPage(self.api, backend.change_serial)
        self.events = EventPages(self.api)
        actions = Actions(self.api)
        self.permissions = PermissionPages(actions)
        self.policies = PolicyPages(actions)
        self.tags = TagPages(actions)
        self.people = UserPages(actions)
        self._run_sync = run_sync
        self._guard = backend.guard  # signed-out sessions, shared by the nodes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        body, size = b"", 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size <= MAX_BODY:
                body += chunk
            if not message.get("more_body"):
                break
        secure = scope.get("scheme") == "https"
        if size > MAX_BODY:
            reply = Reply(413, b"request too large\n", "text/plain")
        else:
            request = Request(
                method=scope["method"],
                path=scope["path"][len(PREFIX) :] or "/",
                query=_pairs(scope.get("query_string", b"").decode("latin-1")),
                form=_form(body, headers.get("content-type", "")),
                cookies=_cookies(headers.get("cookie", "")),
                secure=secure,
                source_ip=scope["client"][0] if scope.get("client") else None,
            )
            refusal = _cross_site(request, headers, secure)
            if refusal is not None:
                reply = Reply(403, refusal.encode() + b"\n", "text/plain")
            elif request.path.startswith("/assets/"):
                reply = _asset(request.path[len("/assets/") :])
            else:
                reply = await self._run_sync(lambda: self.handle(request))
        response_headers = [
            (b"content-type", reply.content_type.encode()),
            (b"content-length", str(len(reply.body)).encode()),
            *((k.encode(), v.encode()) for k, v in SECURITY_HEADERS),
            *((k.encode(), v.encode("latin-1")) for k, v in reply.headers),
        ]
        await send(
            {"type": "http.response.start", "status": reply.status, "headers": response_headers}
        )
        await send({"type": "http.response.body", "body": reply.body})

    def handle(self, request: Request) -> Reply:
        """The reply to ``request`` (on a worker thread); the IAM and STS calls it makes carry
        the browser's address and transport."""
        token = BROWSER.set(BrowserOrigin(request.source_ip, request.secure))
        try:
            return self._handle(request)
        except Exception:
            log.exception("console %s %s failed", request.method, request.path)
            return Reply(500, b"An internal error occurred.\n", "text/plain")
        finally:
            BROWSER.reset(token)

    def _handle(self, request: Request) -> Reply:
        path, method = request.path, request.method
        if path in ("/signin", "/signin/root", "/signin/mfa", "/signin/change"):
            if method == "GET":
                return root_form(request) if path == "/signin/root" else user_form(request)
            if method != "POST" or not login_token_ok(request):
                return user_form(request, "Your sign-in form expired. Please try again.", 403)
            if path == "/signin":
                return self.sign_in.user(request)
            if path == "/signin/mfa":
                return self.sign_in.mfa(request)
            if path == "/signin/change":
                return self.sign_in.change(request, self._change_password)
            return self.sign_in.root(request)
        now = int(time.time())
        session = self._session(request, now)
        if session is None:
            reply = redirect("/console/signin")
            if COOKIE in request.cookies:
                reply.headers.append(cookie(COOKIE, "", secure=request.secure, max_age=0))
            return reply
        if method == "POST" and not hmac.compare_digest(
            request.form.get("csrf", "").encode(), session.csrf.encode()
        ):
            return Reply(403, b"The form's CSRF token is missing or wrong.\n", "text/plain")
        session, reply = self._route(request, session, now)
        if session is None:  # signed out
            reply.headers.append(cookie(COOKIE, "", secure=request.secure, max_age=0))
        else:  # every request renews the idle timer
            session = _touched(session, now)
            reply.headers.append(cookie(COOKIE, self.sealer.seal(session), secure=request.secure))
        return reply

    def _route(
        self, request: Request, session: ConsoleSession, now: int
    ) -> tuple[ConsoleSession | None, Reply]:
        path, post = request.path, request.method == "POST"
        if path == "/signout" and post:
            self._guard.end_session(session.session_id, session.expires_at, now)
            return None, redirect("/console/signin")
        if path == "/":
            return session, self.roles.dashboard(request, session)
        edited = self._editing(request, session)
        if edited is not None:
            return session, edited
        if path == "/roles":
            return session, self.roles.roles(request, session)
        if path.startswith("/roles/"):
            # ASGI paths arrive percent-decoded; role names hold no "/"
            name, _, tail = path[len("/roles/") :].partition("/")
            if tail == "" and not post:
                return session, self.roles.role(request, session, name)
            if tail == "revoke" and post:
                return session, self.roles.revoke(request, session, name, datetime.now(UTC))
            if tail == "edit":
                if post:
                    return session, self.roles.admin.edit(request, session, name)
                return session, self.roles.admin.edit_form(request, session, name)
            if tail == "trust":
                if post:
                    return session, self.roles.update_trust(request, session, name)
                return session, self.roles.trust_form(request, session, name)
        if path == "/delete-roles":
            if post:
                return session, self.roles.admin.deletion.delete(request, session)
            return session, self.roles.admin.deletion.delete_form(request, session)
        if path == "/create-role":
            if post:
                return session, self.tools.create(request, session)
            return session, self.tools.create_form(request, session)
        if path == "/switch-role":
            if post:
                reply, switched = self.tools.switch(request, session)
                return switched or session, reply
            return session, self.tools.switch_form(request, session)[0]
        if path == "/switch-back" and post:
            return session.back(), redirect("/console/")
        if path == "/users":
            return session, self.directory.users(request, session)
        if path == "/groups":
            return session, self.directory.groups(request, session)
        if path == "/policies":
            return session, self.directory.policies(request, session)
        if path == "/providers":
            return session, self.directory.providers(request, session)
        if path == "/graph":
            return session, self.access_graph.graph(request, session)
        if path == "/events":
            return session, self.events.history(request, session)
        if path.startswith("/events/") and not post:
            return session, self.events.event(request, session, path[len("/events/") :])
        if path == "/simulator":
            return session, self.tools.simulator(request, session)
        if path == "/validate" and post:
            result = {"findings": findings(request.arg("policy"), request.arg("kind", "trust"))}
            return session, Reply(200, json.dumps(result).encode(), "application/json")
        return session, Reply(404, b"Not found\n", "text/plain")

    def _editing(self, request: Request, session: ConsoleSession) -> Reply | None:
        """The pages that edit policies, permissions, tags and users (their own modules)."""
        path = request.path
        if path.startswith("/permissions/"):
            return self.permissions.route(request, session, path[len("/permissions/") :])
        if path.startswith(("/policies/", "/policy/")):
            return self.policies.route(request, session, path)
        if path.startswith("/tags/"):
            return self.tags.route(request, session, path[len("/tags/") :])
        if path.startswith(("/users/", "/groups/")):
            return self.people.route(request, session, path)
        return None

    def _session(self, request: Request, now: int) -> ConsoleSession | None:
        value = request.cookies.get(COOKIE)
        if not value:
            return None
        session = self.sealer.open(value, now)
        if session is None or self._guard.session_ended(session.session_id, now):
            return None
        return session

    def _change_password(self, pending: dict[str, str], old: str, new: str) -> str | None:
        creds = SessionCredentials(pending["key"], pending["secret"], pending["token"])
        try:
            self.api.call(creds, "iam", "ChangePassword", {"OldPassword": old, "NewPassword": new})
        except ApiError as error:
            return f"{error.code}: {error.message}"
        return None


def _touched(session: ConsoleSession, now: int) -> ConsoleSession:
    return replace(session, last_seen=now)


def _form(body: bytes, content_type: str) -> dict[str, str]:
    if not body or not content_type.startswith("application/x-www-form-urlencoded"):
        return {}
    try:
        return _pairs(body.decode("utf-8"))
    except UnicodeDecodeError:
        return {}


def _pairs(text: str) -> dict[str, str]:
    """Form or query pairs, the first of a repeated name winning; none past MAX_FIELDS."""
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:
        return {}
    found: dict[str, str] = {}
    for key, value in pairs:
        found.setdefault(key, value)
    return found


def _cookies(header: str) -> dict[str, str]:
    jar: dict[str, str] = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name and name not in jar:
            jar[name] = value
    return jar


def _cross_site(request: Request, headers: dict[str, str], secure: bool) -> str | None:
    """Why a request is refused as coming from another site, or None."""
    if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return "Requests from other sites are refused."
    if request.method != "GET":
        origin = headers.get("origin")
        expected = f"{'https' if secure else 'http'}://{headers.get('host', '')}"
        if origin is not None and origin != expected:
            return "Requests from other sites are refused."
    return None


def _asset(name: str) -> Reply:
    content_type = _ASSETS.get(name)
    if content_type is None:
        return Reply(404, b"Not found\n", "text/plain")
    data = resources.files("rolegate.console").joinpath("assets", name).read_bytes()
    reply = Reply(200, data, content_type)
    return reply
