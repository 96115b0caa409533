"""Tag rules shared by every taggable IAM entity
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html).

Tag keys keep the case they were given. For most entities they are unique without regard to case
(a key in another case replaces the tag); customer managed policies compare keys exactly, so
``Costcenter`` and ``costcenter`` are two tags there (``case_sensitive``). An entity holds at most
50 tags. Shape constraints (length, character set, 50 per request) are enforced by the wire layer
from the model; what is here needs the entity's existing tags.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from rolegate.domain.entities import Tag
from rolegate.domain.errors import InvalidInput, LimitExceeded

MAX_TAGS_PER_ENTITY = 50
TOO_MANY_TAGS = "The number of tags has reached the maximum limit."


def _folding(case_sensitive: bool) -> Callable[[str], str]:
    return str if case_sensitive else str.lower


def tags_from_params(
    raw: Sequence[Mapping[str, Any]] | None, *, case_sensitive: bool = False
) -> list[Tag]:
    """Wire ``Tags`` members -> entities, refusing two members with the same key."""
    tags = [Tag(t["Key"], t["Value"]) for t in raw or ()]
    fold = _folding(case_sensitive)
    seen: set[str] = set()
    for tag in tags:
        folded = fold(tag.key)
        if folded in seen:
            raise InvalidInput(
                "Duplicate tag keys found."
                if case_sensitive
                else "Duplicate tag keys found. Please note that Tag keys are case insensitive."
            )
        seen.add(folded)
    return tags


def merge_tags(
    existing: Iterable[Tag], new: Iterable[Tag], *, case_sensitive: bool = False
) -> list[Tag]:
    """TagX: a new key is appended, a known key has its key and value replaced."""
    fold = _folding(case_sensitive)
    merged = list(existing)
    position = {fold(tag.key): i for i, tag in enumerate(merged)}
    for tag in new:
        i = position.get(fold(tag.key))
        if i is None:
            position[fold(tag.key)] = len(merged)
            merged.append(tag)
        else:
            merged[i] = tag
    if len(merged) > MAX_TAGS_PER_ENTITY:
        raise LimitExceeded(TOO_MANY_TAGS)
    return merged


def remove_tags(
    existing: Iterable[Tag], keys: Iterable[str], *, case_sensitive: bool = False
) -> list[Tag]:
    """UntagX: unknown keys are ignored, as AWS does."""
    fold = _folding(case_sensitive)
    doomed = {fold(key) for key in keys}
    return [tag for tag in existing if fold(tag.key) not in doomed]


def tags_to_wire(tags: Iterable[Tag]) -> list[dict[str, str]]:
    return [{"Key": tag.key, "Value": tag.value} for tag in tags]
