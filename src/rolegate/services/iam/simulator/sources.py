"""The policies a simulation includes and how its results name them.

``SimulatePrincipalPolicy`` reads the ``PolicySourceArn``'s policies: a user's inline and attached
policies with those of its groups, a group's or a role's own, and the user's or role's
permissions boundary (https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html);
``PolicyExclusionList`` leaves some out. Each result's matched statements name their policy by
``SourcePolicyId`` and ``SourcePolicyType``: a managed policy by its name, with the type "IAM
Policy" (the recorded AWS answers), an inline policy by its name with the type of its owner
("user", "group", "role"), the input documents by their parameter and position
(``PolicyInputList.1``, the form of AWS's examples).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rolegate.domain.errors import InvalidInput
from rolegate.services.iam.simulator.inputs import IamEntity

MANAGED_TYPE = "IAM Policy"


@dataclass(frozen=True, slots=True)
class SourcePolicy:
    """One document of the simulation: what names it in the results, and its text."""

    policy_id: str  # SourcePolicyId
    source_type: str  # SourcePolicyType
    text: str
    managed_arn: str | None = None  # a managed policy's ARN (PolicyExclusionList)
    owner: IamEntity | None = None  # an inline policy's owner (PolicyExclusionList)


def stored_policy(source_id: str, text: str) -> SourcePolicy:
    """A stored policy as the store names it: a managed policy by its ARN, an inline one as
    ``OWNER_ARN/POLICY_NAME`` (``rolegate.store``'s identity policies)."""
    if ":policy/" in source_id:
        return SourcePolicy(source_id.rpartition("/")[2], MANAGED_TYPE, text, managed_arn=source_id)
    owner_arn, _, name = source_id.rpartition("/")
    account = owner_arn.split(":")[4] if owner_arn.count(":") >= 5 else ""
    kind = owner_arn.split(":", 5)[-1].partition("/")[0]
    owner = IamEntity(owner_arn, account, kind, owner_arn.rpartition("/")[2])
    return SourcePolicy(name, kind, text, owner=owner)


def input_policies(parameter: str, texts: Sequence[str] | None) -> list[SourcePolicy]:
    return [
        SourcePolicy(f"{parameter}.{number}", MANAGED_TYPE, text)
        for number, text in enumerate(texts or (), start=1)
    ]


# --- PolicyExclusionList --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Exclusions:
    types: frozenset[str]  # PolicyType values
    arns: tuple[str, ...]  # PolicyArn patterns (* and ? in the name)
    inline: tuple[tuple[str, str, str], ...]  # (policy name, attachment type, name pattern)

    def excludes(self, policy: SourcePolicy, *, boundary: bool = False) -> bool:
        if boundary:
            return "permission-boundary" in self.types or self._arn_excluded(policy)
        if policy.managed_arn is not None:
            aws = policy.managed_arn.split(":")[4] == "aws"
            if ("aws-managed" if aws else "user-managed") in self.types:
                return True
            return self._arn_excluded(policy)
        owner = policy.owner
        if owner is None:
            return False
        if "inline" in self.types:
            return True
        return any(
            name == policy.policy_id
            and kind == owner.kind
            and fnmatch.fnmatchcase(owner.name, pattern)
            for name, kind, pattern in self.inline
        )

    def _arn_excluded(self, policy: SourcePolicy) -> bool:
        arn = policy.managed_arn
        return arn is not None and any(fnmatch.fnmatchcase(arn, p) for p in self.arns)


def exclusions(entries: Sequence[Mapping[str, Any]] | None) -> Exclusions:
    """``PolicyExclusionList``: identifiers by type, ARN (wildcards in the name only: at most one
    ``*``, any ``?``) or inline policy; RCP and SCP identifiers are ignored (there are none)."""
    types: set[str] = set()
    arns: list[str] = []
    inline: list[tuple[str, str, str]] = []
    for entry in entries or ():
        if entry.get("PolicyType"):
            types.add(entry["PolicyType"])
        arn = entry.get("PolicyArn")
        if arn is not None:
            parts = arn.split(":", 5)
            wild_head = any("*" in p or "?" in p for p in parts[:5])
            if len(parts) != 6 or parts[2] != "iam" or wild_head or parts[5].count("*") > 1:
                raise InvalidInput(f"Invalid policy identifier: {arn}.")  # unverified
            arns.append(arn)
        named = entry.get("InlinePolicyIdentifier")
        if named is not None:
            inline.append((named["PolicyName"], named["AttachmentType"], named["AttachmentName"]))
    return Exclusions(frozenset(types), tuple(arns), tuple(inline))
