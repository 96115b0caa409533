"""Role credentials kept fresh ahead of need.

The agent fetches before it serves and again ``margin`` seconds before the current credentials
expire (AWS makes new instance credentials available at least five minutes before the old ones
expire: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html), so
reads never wait for rolegate and rolegate is called once per refresh whatever the read load.
The default margin is a third of the session's lifetime, at least five minutes: with one-hour
sessions new credentials are there 20 minutes ahead, before SDKs start renewing theirs (botocore
asks again 15 minutes before expiry, and keeps instance credentials it is handed with less than
12-20 minutes left for that long, treating them as a sign of an outage).
A failed refresh is retried with backoff while the current credentials last; each failure is
logged at WARNING, credentials that expired unrenewed at ERROR. Secrets are never logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from rolegate.agent.client import RoleCredentials, RolegateError, RolegateUnavailable

log = logging.getLogger("rolegate.agent")

MIN_DEFAULT_MARGIN_SECONDS = 300.0
MIN_INTERVAL_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Problem:
    """Why the agent has no fresh credentials: rolegate's answer, or that it was unreachable."""

    code: str
    message: str
    at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


class Refresher:
    """Holds the current credentials of one role; ``run()`` renews them until cancelled."""

    def __init__(
        self,
        fetch: Callable[[], RoleCredentials],
        *,
        margin: float | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._fetch = fetch
        self.margin = margin  # None: a third of each session's lifetime, at least 300 s
        self._clock = clock
        self.current: RoleCredentials | None = None
        self.last_updated: datetime | None = None
        self.problem: Problem | None = None
        self.fetches = 0  # calls to rolegate (bench/agent.py counts them)

    def valid(self) -> RoleCredentials | None:
        """The current credentials while they have not expired."""
        current = self.current
        if current is None or current.expiration <= self._clock():
            return None
        return current

    async def fetch_once(self) -> None:
        """One call to rolegate (on a thread: it signs and waits on the network)."""
        self.fetches += 1
        fresh = await asyncio.to_thread(self._fetch)
        self.current = fresh
        self.last_updated = self._clock()
        if self.problem is not None:
            log.info("credentials renewed again after: %s", self.problem.message)
        self.problem = None
        log.info(
            "new credentials for %s (%s), valid until %s",
            fresh.assumed_role_arn,
            fresh.access_key_id,
            fresh.expiration.isoformat(),
        )

    def _delay(self) -> float:
        """Seconds until the next refresh is due."""
        if self.current is None:
            return 0.0
        left = (self.current.expiration - self._clock()).total_seconds()
        margin = self.margin
        if margin is None:
            issued = self.last_updated or self._clock()
            lifetime = (self.current.expiration - issued).total_seconds()
            margin = max(MIN_DEFAULT_MARGIN_SECONDS, lifetime / 3)
        return max(left - margin, MIN_INTERVAL_SECONDS)

    async def run(self) -> None:
        retry = MIN_INTERVAL_SECONDS
        while True:
            await asyncio.sleep(self._delay() if self.problem is None else retry)
            try:
                await self.fetch_once()
                retry = MIN_INTERVAL_SECONDS
            except (RolegateError, RolegateUnavailable) as error:
                self.failed(error)
                retry = min(retry * 2, MAX_RETRY_SECONDS)
            except Exception as error:  # the launcher's credential chain, for instance
                self.failed(error)
                retry = min(retry * 2, MAX_RETRY_SECONDS)

    def failed(self, error: Exception) -> None:
        code = error.code if isinstance(error, RolegateError) else "Unavailable"
        message = error.message if isinstance(error, RolegateError) else str(error)
        self.problem = Problem(code, message, self._clock())
        current = self.valid()
        if current is not None:
            left = int((current.expiration - self._clock()).total_seconds())
            log.warning(
                "cannot renew credentials (%s: %s); the current ones expire in %d s",
                code,
                message,
                left,
            )
        else:
            log.error("no valid credentials to serve: cannot renew (%s: %s)", code, message)
