"""The console's view of this server (``console.backend.Backend``): the pipeline, called in
process, and the sign-ins that mint console sessions (``services.sts.console_credentials``).

The root user's sign-in is checked by the pipeline itself: a GetCallerIdentity signed with the
offered key pair must authenticate as the account's root user.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rolegate.auth.sigv4 import HttpRequest
from rolegate.console import (
    ApiClient,
    ApiError,
    Backend,
    BrowserOrigin,
    ConsoleGuard,
    SessionCredentials,
    SignInResult,
    Step,
)
from rolegate.console.throttle import lock_rule
from rolegate.domain.errors import AwsError, Throttling
from rolegate.server.cloudtrail import CloudTrailEndpoint, is_cloudtrail
from rolegate.server.pipeline import Pipeline, Response
from rolegate.services.iam import ConsoleStep, console_sign_in
from rolegate.services.sts import console_credentials
from rolegate.store import Store

log = logging.getLogger("rolegate.console")
_STEPS = {
    ConsoleStep.REFUSED: Step.REFUSED,
    ConsoleStep.SIGNED_IN: Step.SIGNED_IN,
    ConsoleStep.MFA_REQUIRED: Step.MFA_REQUIRED,
    ConsoleStep.MUST_CHANGE: Step.MUST_CHANGE,
    ConsoleStep.EXPIRED: Step.EXPIRED,
}


@dataclass
class StoreGuard(ConsoleGuard):
    """The console's shared state in the database (``store.repos.console_guards``)."""

    store: Store

    def end_session(self, session_id: str, expires_at: int, now: int) -> None:
        with self.store.transaction(write=True) as tx:
            tx.console_guards.end_session(session_id, expires_at, now)

    def session_ended(self, session_id: str, now: int) -> bool:
        with self.store.transaction(write=False) as tx:
            return tx.console_guards.session_ended(session_id, now)

    def locked(self, key: str, now: int) -> bool:
        with self.store.transaction(write=False) as tx:
            return now < tx.console_guards.locked_until(key)

    def failed(self, key: str, now: int) -> None:
        with self.store.transaction(write=True) as tx:
            tx.console_guards.failed(key, now, lock_rule)

    def succeeded(self, key: str) -> None:
        with self.store.transaction(write=True) as tx:
            tx.console_guards.clear(key)


@dataclass
class ServerBackend(Backend):
    pipeline: Pipeline
    region: str
    cloudtrail: CloudTrailEndpoint | None = None  # LookupEvents' JSON endpoint (server.app)

    def __post_init__(self) -> None:
        self.guard = StoreGuard(self.pipeline.store)

    def transport(
        self,
        method: str,
        headers: tuple[tuple[str, str], ...],
        body: bytes,
        browser: BrowserOrigin,
    ) -> tuple[int, bytes]:
        request = HttpRequest(method=method, path="/", query_string="", headers=headers, body=body)
        lowered = {name.lower(): value for name, value in headers}
        if self.cloudtrail is not None and is_cloudtrail(lowered):  # as server.app routes it
            answer = self.cloudtrail.handle(
                request, source_ip=browser.source_ip, secure_transport=browser.secure
            )
            return answer.status, answer.body
        response = self._query(request, browser)
        return response.status, response.body

    def change_serial(self) -> int:
        return self.pipeline.store.change_serial()

    def decoded_transport(
        self,
        headers: tuple[tuple[str, str], ...],
        body: bytes,
        browser: BrowserOrigin,
    ) -> tuple[int, bytes, Mapping[str, Any] | None]:
        """An IAM or STS request answered as its result, not as XML (``Pipeline.handle``'s
        ``decoded``): authenticated, authorized and recorded as ``transport``'s."""
        request = HttpRequest(method="POST", path="/", query_string="", headers=headers, body=body)
        response = self._query(request, browser, decoded=True)
        return response.status, response.body, response.result

    def _query(
        self, request: HttpRequest, browser: BrowserOrigin, *, decoded: bool = False
    ) -> Response:
        """A console call to IAM or STS (the Query protocol), carrying the browser's address
        and transport."""
        return self.pipeline.handle(
            request,
            "application/x-www-form-urlencoded",
            None,
            source_ip=browser.source_ip,
            secure_transport=browser.secure,
            decoded=decoded,
        )

    def sign_in_user(
        self,
        account: str,
        user_name: str,
        password: str | None,
        mfa_code: str | None,
        *,
        must_change: bool = False,
    ) -> SignInResult:
        pipeline = self.pipeline
        now = pipeline.clock()
        try:
            with pipeline.store.transaction(write=True) as tx:
                outcome = console_sign_in(
                    tx, account, user_name, password, mfa_code, now, must_change=must_change
                )
        except Throttling:
            return SignInResult(Step.THROTTLED)
        except AwsError:  # a wrong MFA code: counted (committed), then refused
            return SignInResult(Step.REFUSED)
        step = _STEPS[outcome.step]
        user = outcome.user
        if user is None or step in (Step.REFUSED, Step.EXPIRED):
            return SignInResult(step)
        if step is Step.MFA_REQUIRED:
            return SignInResult(step, user.account_id, user.arn, must_change=outcome.must_change)
        return self._session(step, user.account_id, user.arn, user.user_id, outcome.mfa_at, now)

    def sign_in_root(self, access_key_id: str, secret_access_key: str) -> SignInResult:
        client = ApiClient(self.transport, self.region)
        try:
            identity = client.call(
                SessionCredentials(access_key_id, secret_access_key),
                "sts",
                "GetCallerIdentity",
            )
        except ApiError:
            return SignInResult(Step.REFUSED)
        arn = str(identity.get("Arn", ""))
        if not arn.endswith(":root"):  # an IAM user's key: that user signs in with a password
            return SignInResult(Step.REFUSED)
        account_id = str(identity["Account"])
        return self._session(Step.SIGNED_IN, account_id, None, None, None, self.pipeline.clock())

    def _session(
        self,
        step: Step,
        account_id: str,
        user_arn: str | None,
        user_id: str | None,
        mfa_at: datetime | None,
        now: datetime,
    ) -> SignInResult:
        codec = self.pipeline.authenticator.session_tokens
        if codec is None:
            raise RuntimeError("the server was built without a session-token key ring")
        claims, token = console_credentials(
            codec,
            self.pipeline.rng,
            now,
            account_id=account_id,
            user_arn=user_arn,
            user_id=user_id,
            mfa_at=mfa_at,
        )
        if self.pipeline.metrics is not None:
            self.pipeline.metrics.console_session()
        return SignInResult(
            step,
            account_id,
            claims.principal_arn,
            SessionCredentials(claims.access_key_id, claims.secret_access_key, token),
            int(claims.expires_at.timestamp()),
            mfa_at is not None,
        )
