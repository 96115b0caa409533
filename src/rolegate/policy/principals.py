"""``Principal`` / ``NotPrincipal`` of resource policies (docs/policy-evaluation.md 4.3).

Values are compared exactly (case-sensitive, "the user name part of the ARN is case sensitive");
``*`` is a wildcard only on its own ("You cannot use it to specify part of a name or ARN").
An account (``123456789012`` or ``arn:aws:iam::123456789012:root``) names every principal of
that account, but only *delegates*: the identity side must still allow.

Unique ids: "If your Principal element in a role trust policy contains an ARN that points to a
specific IAM role, then that ARN transforms to the role's unique principal ID when you save the
policy ... if you delete the role, then you break the relationship" (users alike). The services
resolve such ARNs when they store a policy and hand the engine the bindings (``principal_ids``:
ARN as written -> ``AIDA…``/``AROA…``); a bound ARN then names only the principal whose
:attr:`~rolegate.policy.request.Principal.unique_id` is that id (a user, the role of a role
session, the user behind a federated user), whatever its name is now. A bound ARN whose
principal was gone when the binding was made (the id ``""``) names no one. A unique id written
in the policy itself names its principal the same way.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping

from rolegate.policy.ast import PrincipalSet
from rolegate.policy.request import Principal

_ACCOUNT_ID = re.compile(r"\d{12}")
_ROOT_ARN = re.compile(r"arn:[^:]+:iam::(\d{12}):root")
#: Unique ids of users (AIDA…) and roles (AROA…): what IAM stores for a named user or role.
UNIQUE_ID = re.compile(r"A(?:IDA|ROA)[A-Z0-9]{12,}", re.ASCII)


class Grant(enum.IntEnum):
    """What a matching resource-policy Allow grants, by the principal ARN it named (2, step 4)."""

    ACCOUNT = 1  # delegates to the account: identity policies must still allow
    ROLE = 2  # role ARN / federating user ARN: limited by boundary and session policies
    DIRECT = 3  # the caller's own ARN or "*": an Allow on its own


class CompiledPrincipals:
    """A ``PrincipalSet`` in lookup form."""

    __slots__ = ("accounts", "arns", "canonical", "federated", "ids", "services", "wildcard")

    def __init__(
        self, principals: PrincipalSet, principal_ids: Mapping[str, str] | None = None
    ) -> None:
        self.wildcard = principals.wildcard or "*" in principals.aws
        bound = principal_ids or {}
        accounts: set[str] = set()
        arns: set[str] = set()
        ids: set[str] = set()
        for value in principals.aws:
            root = _ROOT_ARN.fullmatch(value)
            if value in bound:  # stored as a unique id: names its principal by that id only
                if bound[value]:
                    ids.add(bound[value])
            elif UNIQUE_ID.fullmatch(value):
                ids.add(value)
            elif _ACCOUNT_ID.fullmatch(value):
                accounts.add(value)
            elif root is not None:
                accounts.add(root.group(1))
            else:
                arns.add(value)
        self.accounts = frozenset(accounts)
        self.arns = frozenset(arns)
        self.ids = frozenset(ids)
        self.services = frozenset(principals.service)
        self.federated = frozenset(principals.federated)
        self.canonical = frozenset(principals.canonical_user)

    def grant(self, who: Principal) -> Grant | None:
        """The strongest grant this set gives ``who``, or ``None`` when it does not name it."""
        if self.wildcard:
            return Grant.DIRECT
        kind = who.type
        if kind in ("service",):
            return Grant.DIRECT if who.arn in self.services else None
        if kind in ("web_identity", "saml"):
            return Grant.DIRECT if who.arn in self.federated else None
        if kind == "anonymous":
            return None
        if who.arn in self.arns:
            return Grant.DIRECT
        if kind == "root" and who.account in self.accounts:
            return Grant.DIRECT
        if who.unique_id is not None and who.unique_id in self.ids:
            # the user itself; the role of a session, the user behind a federated user
            return Grant.DIRECT if kind == "user" else Grant.ROLE
        if kind == "role_session" and who.role_arn in self.arns:
            return Grant.ROLE
        if kind == "federated_user" and who.user_arn in self.arns:
            return Grant.ROLE
        if who.account in self.accounts or (who.id is not None and who.id in self.canonical):
            return Grant.ACCOUNT
        return None

    def names(self, who: Principal) -> bool:
        """``NotPrincipal`` with ``Allow``: does the list name ``who`` in any way (its own ARN,
        the role of its session, the user behind its federated session, its account, its unique
        id)? Such a caller gets nothing from the statement: "allows all principals *except* the
        one named"
        (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html),
        read safely, as AWS may evaluate the account, the role and the session separately."""
        return self.grant(who) is not None

    def excepts(self, who: Principal) -> bool:
        """``NotPrincipal`` with ``Deny``: is ``who`` one of the excepted principals?

        Safe reading of "AWS JSON policy elements: NotPrincipal": excepted iff its own ARN and
        every parent identity (the role of a session, the account) are listed.
        """
        if self.wildcard:
            return True
        kind = who.type
        if kind == "service":
            return who.arn in self.services
        if kind in ("web_identity", "saml"):
            return who.arn in self.federated
        if kind == "anonymous":
            return False
        account_listed = who.account in self.accounts
        if kind == "root":
            return account_listed or who.arn in self.arns
        by_id = who.unique_id is not None and who.unique_id in self.ids
        if kind == "role_session":
            return account_listed and who.arn in self.arns and (who.role_arn in self.arns or by_id)
        if kind == "user":
            return account_listed and (who.arn in self.arns or by_id)
        return account_listed and who.arn in self.arns
