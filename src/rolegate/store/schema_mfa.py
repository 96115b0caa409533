"""Virtual MFA devices (table of revision r0003), on the same ``metadata`` as ``schema.py``.

The serial number (the device's ARN) is the key; ``user_name`` is set while the device is enabled
for a user. The TOTP seed is sealed at rest (AEAD bound to the serial number). Tags are few and
only ever read with the device, so they are one JSON column. ``failed_attempts`` and
``locked_until`` (revision r0011) throttle wrong codes (services.iam.mfa.attempts); they live on the
device's row so that its row lock serialises every check of its codes, on every node.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, String, Table, Text

from rolegate.store.schema import ACCOUNT_ID, ARN, metadata
from rolegate.store.types import UtcTimestamp

mfa_devices = Table(
    "mfa_devices",
    metadata,
    Column("serial_number", ARN, primary_key=True),
    Column("account_id", ACCOUNT_ID, nullable=False),
    Column("device_name", String(256), nullable=False),
    Column("path", String(512), nullable=False),
    Column("seed_sealed", LargeBinary(), nullable=False),
    Column("create_date", UtcTimestamp(), nullable=False),
    Column("user_name", String(64), nullable=True),
    Column("enable_date", UtcTimestamp(), nullable=True),
    Column("last_used_step", BigInteger(), nullable=True),
    Column("tags_json", Text(), nullable=False),
    Column("failed_attempts", Integer(), nullable=False, server_default="0"),
    Column("locked_until", UtcTimestamp(), nullable=True),
    Index("ix_mfa_devices_account_user", "account_id", "user_name"),
)
