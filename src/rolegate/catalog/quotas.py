"""IAM quotas as data (``quotas.json``): AWS's defaults and maximums, adjustable per account;
enforced where entities are made (``rolegate.services.iam._quotas``).

Names are GetAccountSummary's keys (``RolesQuota``); each quota also has the name AWS uses in its
``LimitExceeded`` message ("Cannot exceed quota for RolesPerAccount: 1000"), which the admin
command accepts too. An override lives in ``account_quotas``; without one AWS's default applies
(reference_iam-quotas.md, "IAM object quotas"). An override is a positive number no higher than
AWS's maximum quota; quotas AWS does not adjust may be lowered but not raised. Quotas marked
``reported_only`` (policy sizes, server certificates) are shown but cannot be overridden.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

from rolegate.domain.errors import LimitExceeded

ROLES = "RolesQuota"
USERS = "UsersQuota"
GROUPS = "GroupsQuota"
POLICIES = "PoliciesQuota"
INSTANCE_PROFILES = "InstanceProfilesQuota"
VERSIONS_PER_POLICY = "VersionsPerPolicyQuota"
ACCESS_KEYS_PER_USER = "AccessKeysPerUserQuota"
SIGNING_CERTIFICATES_PER_USER = "SigningCertificatesPerUserQuota"
GROUPS_PER_USER = "GroupsPerUserQuota"
ATTACHED_PER_ROLE = "AttachedPoliciesPerRoleQuota"
ATTACHED_PER_USER = "AttachedPoliciesPerUserQuota"
ATTACHED_PER_GROUP = "AttachedPoliciesPerGroupQuota"


@dataclass(frozen=True, slots=True)
class QuotaSpec:
    name: str  # GetAccountSummary's key
    limit_name: str  # the name in LimitExceeded messages
    default: int
    maximum: int
    reported_only: bool = False  # shown by GetAccountSummary, not enforced from here

    def exceeded(self, value: int) -> LimitExceeded:
        return LimitExceeded(f"Cannot exceed quota for {self.limit_name}: {value}")


class InvalidQuota(ValueError):
    """An unknown quota name or an override outside 1..maximum (the admin command's errors)."""


@functools.cache
def quota_specs() -> dict[str, QuotaSpec]:
    text = resources.files("rolegate.catalog").joinpath("quotas.json").read_text("utf-8")
    return {
        name: QuotaSpec(
            name,
            spec["limit_name"],
            int(spec["default"]),
            int(spec["maximum"]),
            bool(spec.get("reported_only", False)),
        )
        for name, spec in json.loads(text)["quotas"].items()
    }


def find_quota(name: str) -> QuotaSpec:
    """The quota called ``name`` (GetAccountSummary's key or the LimitExceeded name, any case)."""
    wanted = name.lower()
    for spec in quota_specs().values():
        if wanted in (spec.name.lower(), spec.limit_name.lower()):
            return spec
    raise InvalidQuota(f"unknown quota {name!r} (see `rolegate account quota list`)")


def check_override(spec: QuotaSpec, value: int) -> None:
    if spec.reported_only:
        raise InvalidQuota(
            f"{spec.name} is not adjustable in rolegate (AWS's {spec.default} applies)"
        )
    if value < 1:
        raise InvalidQuota(f"{spec.name} must be at least 1, not {value}")
    if value > spec.maximum:
        adjustable = "AWS's maximum" if spec.maximum > spec.default else "AWS's fixed quota"
        raise InvalidQuota(f"{spec.name} cannot exceed {adjustable} of {spec.maximum}")
