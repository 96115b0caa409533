"""Virtual MFA devices (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa.html): a
TOTP seed, optionally enabled for one user."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rolegate.domain.entities import Tag


@dataclass(frozen=True, slots=True)
class MfaDevice:
    account_id: str
    serial_number: str  # arn:aws:iam::ACCT:mfa/PATH/NAME
    device_name: str
    path: str
    seed: str  # base32 (RFC 4648) TOTP seed; sealed at rest
    create_date: datetime
    user_name: str | None = None  # set while the device is enabled for a user
    enable_date: datetime | None = None
    last_used_step: int | None = None  # the newest TOTP time step accepted (no code twice)
    tags: tuple[Tag, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class MfaAttempts:
    """A device's wrong codes since its last right one, and until when it refuses every code
    (services.iam.mfa.attempts decides both)."""

    failures: int = 0
    locked_until: datetime | None = None
