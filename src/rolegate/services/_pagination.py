"""IAM's Marker/MaxItems/IsTruncated pagination on top of the store's keyset pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from rolegate.domain.errors import ValidationError
from rolegate.store import InvalidMarker, Page

T = TypeVar("T")

DEFAULT_MAX_ITEMS = 100


def fetch_page(
    params: Any, fetch: Callable[[str | None, int], Page[T]]
) -> tuple[list[T], dict[str, Any]]:
    """Run ``fetch(marker, max_items)`` and return the items plus ``IsTruncated``/``Marker``."""
    try:
        page = fetch(params.get("Marker"), params.get("MaxItems") or DEFAULT_MAX_ITEMS)
    except InvalidMarker:
        # AWS answers a marker it did not issue with a ValidationError naming the parameter.
        raise ValidationError("Invalid Marker.") from None
    extra: dict[str, Any] = {"IsTruncated": page.next_marker is not None}
    if page.next_marker is not None:
        extra["Marker"] = page.next_marker
    return list(page.items), extra


def page_by_position(items: list[Any], element: str, params: Any) -> dict[str, Any]:
    """Pages of a short listing read whole (tags, versions): the marker is a position."""
    marker = params.get("Marker")
    start = 0
    if marker is not None:
        if not marker.isdigit() or int(marker) > len(items):
            raise ValidationError("Invalid Marker.")
        start = int(marker)
    max_items = params.get("MaxItems") or DEFAULT_MAX_ITEMS
    out: dict[str, Any] = {element: items[start : start + max_items]}
    out["IsTruncated"] = start + max_items < len(items)
    if out["IsTruncated"]:
        out["Marker"] = str(start + max_items)
    return out
