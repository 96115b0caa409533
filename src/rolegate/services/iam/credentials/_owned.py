"""What the credential families share: inserting an entity under a fresh random id."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from rolegate.store import Conflict

T = TypeVar("T")


def insert_with_fresh_id(make: Callable[[], T], insert: Callable[[T], None]) -> T:
    """``make()`` an entity with a new random id and ``insert`` it; an id drawn twice is drawn
    again. ``insert`` raising Conflict three times means the generator repeats itself."""
    for _ in range(3):
        entity = make()
        try:
            insert(entity)
        except Conflict:
            continue
        return entity
    raise RuntimeError("the random generator repeats ids")
