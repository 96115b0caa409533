"""Sign-in as AWS does it (https://docs.aws.amazon.com/IAM/latest/UserGuide/console.html): an
IAM user with account id or alias, user name and password, then the MFA code when the user has a
device, then a new password when one is required; the root user on a separate form with the
account's root access key pair (rolegate's root user has no password)."""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable

from rolegate.console.api import SessionCredentials
from rolegate.console.backend import Backend, SignInResult, Step
from rolegate.console.html import Markup, el
from rolegate.console.http import Reply, Request, cookie, redirect
from rolegate.console.layout import field, notice, page
from rolegate.console.session import COOKIE, SessionSealer, new_session
from rolegate.console.throttle import name_key

LOGIN_COOKIE = "rolegate-console-login"  # double-submit token of the sign-in forms
REFUSED = "Your authentication information is incorrect. Please try again."
THROTTLED = "Too many failed sign-in attempts. Wait a while, then try again."
# (pending sign-in, old password, new password) -> None, or why ChangePassword refused
ChangePassword = Callable[[dict[str, str], str, str], str | None]
EXPIRED = "Your password has expired. Ask your administrator to set a new one."


def login_token(request: Request) -> str:
    """The sign-in forms' token: the browser's, or a new one, kept in the request's cookies so
    that the form and the cookie of one reply get the same."""
    token = request.cookies.get(LOGIN_COOKIE)
    if not token:
        token = request.cookies[LOGIN_COOKIE] = secrets.token_urlsafe(24)
    return token


def login_token_ok(request: Request) -> bool:
    expected = request.cookies.get(LOGIN_COOKIE, "")
    given = request.form.get("csrf", "")
    return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())


def _form(action: str, token: str, *fields: Markup, submit: str) -> Markup:
    return el(
        "form",
        {"method": "post", "action": action},
        el("input", {"type": "hidden", "name": "csrf", "value": token}),
        fields,
        el("button", {"type": "submit"}, submit),
    )


def _reply(request: Request, title: str, body: Markup, status: int = 200) -> Reply:
    token = login_token(request)
    reply = Reply(status, page(title, body))
    reply.headers.append(cookie(LOGIN_COOKIE, token, secure=request.secure))
    return reply


def user_form(request: Request, message: str | None = None, status: int = 200) -> Reply:
    token = login_token(request)
    body = el(
        "div",
        {},
        notice(message) if message else None,
        _form(
            "/console/signin",
            token,
            field(
                "Account ID (12 digits) or account alias",
                "account",
                request.arg("account"),
                required=True,
                autocomplete="username",
            ),
            field("IAM user name", "user", request.arg("user"), required=True),
            field(
                "Password",
                "password",
                "",
                "password",
                required=True,
                autocomplete="current-password",
            ),
            submit="Sign in",
        ),
        el("p", {}, el("a", {"href": "/console/signin/root"}, "Sign in as the root user")),
    )
    return _reply(request, "Sign in as IAM user", body, status)


def root_form(request: Request, message: str | None = None, status: int = 200) -> Reply:
    token = login_token(request)
    body = el(
        "div",
        {},
        el("p", {}, "The root user signs in with the account's root access key pair."),
        notice(message) if message else None,
        _form(
            "/console/signin/root",
            token,
            field("Root access key ID", "access_key_id", "", required=True),
            field("Root secret access key", "secret_access_key", "", "password", required=True),
            submit="Sign in as root user",
        ),
        el("p", {}, el("a", {"href": "/console/signin"}, "Sign in as an IAM user")),
    )
    return _reply(request, "Root user sign-in", body, status)


def mfa_form(request: Request, pending: str, message: str | None = None) -> Reply:
    body = el(
        "div",
        {},
        notice(message) if message else None,
        _form(
            "/console/signin/mfa",
            login_token(request),
            el("input", {"type": "hidden", "name": "pending", "value": pending}),
            field(
                "MFA code",
                "code",
                "",
                required=True,
                inputmode="numeric",
                autocomplete="one-time-code",
            ),
            submit="Submit",
        ),
    )
    return _reply(request, "Multi-factor authentication", body)


def change_form(request: Request, pending: str, message: str | None = None) -> Reply:
    body = el(
        "div",
        {},
        el("p", {}, "You must change your password to continue."),
        notice(message) if message else None,
        _form(
            "/console/signin/change",
            login_token(request),
            el("input", {"type": "hidden", "name": "pending", "value": pending}),
            field("Old password", "old", "", "password", required=True),
            field("New password", "new", "", "password", required=True),
            field("Retype new password", "confirm", "", "password", required=True),
            submit="Confirm password change",
        ),
    )
    return _reply(request, "Change password", body)


class SignInPages:
    def __init__(self, backend: Backend, sealer: SessionSealer) -> None:
        self.backend = backend
        self.sealer = sealer
        self.throttle = backend.guard

    def user(self, request: Request) -> Reply:
        account, user = request.arg("account").strip(), request.arg("user")
        key = name_key("user", account, user)
        if self.throttle.locked(key, int(time.time())):
            return user_form(request, THROTTLED, 429)
        result = self.backend.sign_in_user(account, user, request.arg("password"), None)
        return self._next(request, result, key, account, user)

    def mfa(self, request: Request) -> Reply:
        pending = self.sealer.open_pending(request.arg("pending"), int(time.time()))
        if pending is None or "user" not in pending or "secret" in pending:
            return user_form(request, "Your sign-in took too long. Please sign in again.")
        key = name_key("user", pending["account"], pending["user"])
        if self.throttle.locked(key, int(time.time())):
            return user_form(request, THROTTLED, 429)
        result = self.backend.sign_in_user(
            pending["account"],
            pending["user"],
            None,
            request.arg("code"),
            must_change=pending.get("must_change") == "1",
        )
        if result.step is Step.REFUSED:
            self.throttle.failed(key, int(time.time()))
            return mfa_form(request, request.arg("pending"), REFUSED)
        return self._next(request, result, key, pending["account"], pending["user"])

    def change(self, request: Request, call_change: ChangePassword) -> Reply:
        now = int(time.time())
        pending = self.sealer.open_pending(request.arg("pending"), now)
        if pending is None or "secret" not in pending:
            return user_form(request, "Your sign-in took too long. Please sign in again.")
        if request.arg("new") != request.arg("confirm"):
            return change_form(request, request.arg("pending"), "The new passwords do not match.")
        problem = call_change(pending, request.arg("old"), request.arg("new"))
        if problem is not None:
            return change_form(request, request.arg("pending"), problem)
        return self._signed_in(request, pending["account_id"], pending["arn"], pending, now)

    def root(self, request: Request) -> Reply:
        key_id = request.arg("access_key_id").strip()
        key = name_key("root", "", key_id)
        if self.throttle.locked(key, int(time.time())):
            return root_form(request, THROTTLED, 429)
        result = self.backend.sign_in_root(key_id, request.arg("secret_access_key"))
        if result.step is not Step.SIGNED_IN or result.credentials is None:
            self.throttle.failed(key, int(time.time()))
            return root_form(request, REFUSED, 401)
        self.throttle.succeeded(key)
        return self._signed_in(
            request, result.account_id, result.principal_arn, _pending_of(result), int(time.time())
        )

    def _next(
        self, request: Request, result: SignInResult, key: str, account: str, user: str
    ) -> Reply:
        now = int(time.time())
        if result.step is Step.THROTTLED:
            return user_form(request, THROTTLED, 429)
        if result.step is Step.REFUSED:
            self.throttle.failed(key, now)
            return user_form(request, REFUSED, 401)
        if result.step is Step.EXPIRED:
            return user_form(request, EXPIRED, 403)
        self.throttle.succeeded(key)
        if result.step is Step.MFA_REQUIRED:
            state = {
                "account": account,
                "user": user,
                "must_change": "1" if result.must_change else "",
            }
            return mfa_form(request, self.sealer.seal_pending(state, now))
        if result.step is Step.MUST_CHANGE:
            sealed = self.sealer.seal_pending(_pending_of(result), now)
            return change_form(request, sealed)
        return self._signed_in(
            request, result.account_id, result.principal_arn, _pending_of(result), now
        )

    def _signed_in(
        self, request: Request, account_id: str, arn: str, fields: dict[str, str], now: int
    ) -> Reply:
        credentials = SessionCredentials(fields["key"], fields["secret"], fields["token"])
        session = new_session(account_id, arn, credentials, int(fields["expires_at"]), now)
        reply = redirect("/console/")
        reply.headers.append(cookie(COOKIE, self.sealer.seal(session), secure=request.secure))
        return reply


def _pending_of(result: SignInResult) -> dict[str, str]:
    creds = result.credentials
    if creds is None or creds.session_token is None:
        raise ValueError("no credentials")
    return {
        "account_id": result.account_id,
        "arn": result.principal_arn,
        "key": creds.access_key_id,
        "secret": creds.secret_access_key,
        "token": creds.session_token,
        "expires_at": str(result.expires_at),
    }
