"""Keyset pagination: a page of items plus an opaque marker naming the last sort key returned.

The marker is ``base64url("<listing>:<sort key>")``. Naming the listing lets a marker issued by
ListRoles be refused by ListRolePolicies instead of silently skipping rows.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from rolegate.store.errors import InvalidMarker

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing; ``next_marker`` is None on the last page."""

    items: list[T] = field(default_factory=list)
    next_marker: str | None = None


def encode_marker(listing: str, sort_key: str) -> str:
    raw = f"{listing}:{sort_key}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def decode_marker(listing: str, marker: str) -> str:
    """The sort key inside ``marker``; raises InvalidMarker if it was not issued for ``listing``."""
    try:
        raw = base64.urlsafe_b64decode(marker.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise InvalidMarker(marker) from None
    prefix = f"{listing}:"
    if not raw.startswith(prefix) or len(raw) == len(prefix):
        raise InvalidMarker(marker)
    return raw[len(prefix) :]


def check_max_items(max_items: int) -> None:
    if max_items < 1:
        raise ValueError(f"max_items must be at least 1, got {max_items}")
