"""Column types whose storage differs between SQLite and PostgreSQL.

- ``UtcTimestamp``: timezone-aware UTC datetimes in and out, full microsecond precision.
  PostgreSQL stores ``TIMESTAMPTZ``; SQLite has no time type, so it stores integer microseconds
  since the Unix epoch (exact, sortable, no string parsing).
- ``PrincipalIdsJson``: a trust policy's principals bound to unique ids
  (``Role.trust_principal_ids``) as one JSON object text, ``{"ARN": "AIDA…"}`` in the document's
  order; NULL when there are none.
- ``SortKey``: the case-folded name IAM lists by. It compares byte-wise on both backends
  (``COLLATE "C"`` on PostgreSQL, SQLite's default BINARY), so ordering and the unique index do not
  depend on the server's locale.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, DateTime, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from rolegate.domain.entities import PrincipalIds

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class UtcTimestamp(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the store only accepts aware datetimes")
        if dialect.name == "sqlite":
            return (value - _EPOCH) // _MICROSECOND
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, int):
            return _EPOCH + timedelta(0, 0, value)  # (days, seconds, µs): positional is faster
        assert isinstance(value, datetime)
        return value.astimezone(UTC)


class PrincipalIdsJson(TypeDecorator[PrincipalIds]):
    impl = Text()
    cache_ok = True

    def process_bind_param(self, value: PrincipalIds | None, dialect: Dialect) -> Any:
        return json.dumps(dict(value), separators=(",", ":")) if value else None

    def process_result_value(self, value: Any, dialect: Dialect) -> PrincipalIds:
        return tuple(json.loads(value).items()) if value else ()


def sort_key_type(length: int) -> TypeEngine[str]:
    """A string column that sorts byte-wise on every backend."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def name_key(name: str) -> str:
    """The case-folded form under which IAM compares and sorts names (ASCII names: lower()).

    Computed in Python, not with SQL ``lower()``, so both backends fold identically (SQLite's
    lower() is ASCII-only, PostgreSQL's depends on the locale). Key columns are 4x the name
    length because folding can lengthen non-ASCII text.
    """
    return name.lower()
