"""Tag rules shared by every taggable IAM entity
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html).

Tag keys are case-insensitive for uniqueness but keep the case they were given; an entity holds at
most 50 tags. Shape constraints (length, character set, 50 per request) are enforced by the wire
layer from the model; what is here needs the entity's existing tags.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rolegate.domain.entities import Tag
from rolegate.domain.errors import InvalidInput, LimitExceeded

MAX_TAGS_PER_ENTITY = 50


def tags_from_params(raw: Sequence[Mapping[str, Any]] | None) -> list[Tag]:
    """Wire ``Tags`` members -> entities, refusing keys that collide without regard to case."""
    tags = [Tag(t["Key"], t["Value"]) for t in raw or ()]
    seen: set[str] = set()
    for tag in tags:
        folded = tag.key.lower()
        if folded in seen:
            raise InvalidInput(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive."
            )
        seen.add(folded)
    return tags


def merge_tags(existing: Iterable[Tag], new: Iterable[Tag], quota_name: str) -> list[Tag]:
    """TagX: a new key is appended, a known key (any case) has its key and value replaced."""
    merged = list(existing)
    position = {tag.key.lower(): i for i, tag in enumerate(merged)}
    for tag in new:
        i = position.get(tag.key.lower())
        if i is None:
            position[tag.key.lower()] = len(merged)
            merged.append(tag)
        else:
            merged[i] = tag
    if len(merged) > MAX_TAGS_PER_ENTITY:
        raise LimitExceeded(f"Cannot exceed quota for {quota_name}: {MAX_TAGS_PER_ENTITY}")
    return merged


def remove_tags(existing: Iterable[Tag], keys: Iterable[str]) -> list[Tag]:
    """UntagX: keys match without regard to case; unknown keys are ignored, as AWS does."""
    doomed = {key.lower() for key in keys}
    return [tag for tag in existing if tag.key.lower() not in doomed]


def tags_to_wire(tags: Iterable[Tag]) -> list[dict[str, str]]:
    return [{"Key": tag.key, "Value": tag.value} for tag in tags]
