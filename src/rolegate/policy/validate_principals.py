"""Static checks of ``Principal``/``NotPrincipal`` values and of trust-policy actions.

"IAM JSON policy elements: Principal"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html): a
principal is ``"*"``, an account id, an account/user/role/assumed-role/federated-user ARN, a service
principal, a federated provider, or (S3 only) a canonical user id; "You cannot use a wildcard to
match part of a principal name or ARN". Whether a named user or role *exists* is not known here (the
engine is pure): the IAM services check that with :func:`named_iam_principals` and raise
:func:`rolegate.policy.messages.invalid_principal` themselves, as AWS does.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rolegate.policy import messages
from rolegate.policy.ast import PolicyDocument, PolicyKind, PrincipalSet
from rolegate.policy.principals import UNIQUE_ID
from rolegate.policy.validate_values import PARTITIONS
from rolegate.policy.wildcard import build_matcher

_PARTITION = "(?:" + "|".join(re.escape(p) for p in sorted(PARTITIONS)) + ")"
_NAME = r"[\w+=,.@\-]+"
_PATH_AND_NAME = r"(?:/?[\w+=,.@\-]+/)*[\w+=,.@\-]+"
_ACCOUNT_ID = re.compile(r"\d{12}", re.ASCII)
_AWS_PRINCIPAL_ARN = re.compile(
    rf"arn:{_PARTITION}:(?:"
    rf"iam::\d{{12}}:(?:root|user/{_PATH_AND_NAME}|role/{_PATH_AND_NAME})"
    rf"|sts::\d{{12}}:(?:assumed-role/{_NAME}/{_NAME}|federated-user/{_NAME}))",
    re.ASCII,
)
_IAM_USER_OR_ROLE_ARN = re.compile(rf"arn:{_PARTITION}:iam::\d{{12}}:(?:user|role)/.+", re.ASCII)
#: CloudFront origin access identities, valid in S3 bucket policies (not in IAM trust policies).
_CLOUDFRONT_OAI = re.compile(
    r"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity [A-Z0-9]+", re.ASCII
)
_SERVICE = re.compile(r"[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.amazonaws\.com(?:\.cn)?", re.ASCII)
_FEDERATED_PROVIDER_ARN = re.compile(
    rf"arn:{_PARTITION}:iam::\d{{12}}:(?:saml-provider/[\w.\-]+|oidc-provider/[^*?\s]+)",
    re.ASCII,
)
#: Identity providers that need no provider ARN
#: (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_oidc.html, Cognito).
_WELL_KNOWN_FEDERATED = frozenset(
    {
        "cognito-identity.amazonaws.com",
        "www.amazon.com",
        "graph.facebook.com",
        "accounts.google.com",
    }
)
_CANONICAL_USER = re.compile(r"[0-9a-f]{64}", re.ASCII)

#: Actions a role trust policy may grant (service authorization reference for STS).
TRUST_POLICY_ACTIONS = (
    "sts:assumerole",
    "sts:assumerolewithsaml",
    "sts:assumerolewithwebidentity",
    "sts:tagsession",
    "sts:setsourceidentity",
    "sts:setcontext",
)


def principal_problem(principals: PrincipalSet, kind: PolicyKind) -> str | None:
    """AWS's message for the first invalid value of a ``Principal``/``NotPrincipal``, or None."""
    if not (
        principals.aws or principals.service or principals.federated or principals.canonical_user
    ):
        if not principals.wildcard:  # {} or {"AWS": []}
            return messages.NO_PRINCIPALS
        return messages.TRUST_BARE_STAR_PRINCIPAL if kind is PolicyKind.TRUST else None  # "*"
    for value in principals.aws:
        is_oai = kind is PolicyKind.RESOURCE and _CLOUDFRONT_OAI.fullmatch(value) is not None
        if not (is_oai or _is_aws_principal(value)):
            return messages.invalid_principal("AWS", value)
    for value in principals.service:
        if not _SERVICE.fullmatch(value):
            return messages.invalid_principal("Service", value)
    for value in principals.federated:
        if value not in _WELL_KNOWN_FEDERATED and not _FEDERATED_PROVIDER_ARN.fullmatch(value):
            return messages.invalid_principal("Federated", value)
    for value in principals.canonical_user:
        # canonical users are an S3 notion; IAM trust policies cannot name them
        if kind is PolicyKind.TRUST or not _CANONICAL_USER.fullmatch(value):
            return messages.invalid_principal("CanonicalUser", value)
    return None


def named_iam_principals(principals: PrincipalSet) -> tuple[str, ...]:
    """The user and role ARNs a principal names: the ones whose existence IAM verifies."""
    return tuple(value for value in principals.aws if _IAM_USER_OR_ROLE_ARN.fullmatch(value))


def iam_principal_arns(document: PolicyDocument) -> tuple[str, ...]:
    """Every user/role ARN in the document's Principal/NotPrincipal elements, once, in order.

    IAM answers a trust or resource policy naming a user or role that does not exist with
    ``Invalid principal in policy: "AWS":"<arn>"`` (:func:`messages.invalid_principal`); the
    services look these ARNs up and raise that.
    """
    return _aws_values(document, named_iam_principals)


def unique_id_principals(document: PolicyDocument) -> tuple[str, ...]:
    """Every user or role unique id (``AIDA…``/``AROA…``) written in the document's
    Principal/NotPrincipal elements, once, in order: IAM accepts only ids of principals that
    exist, as it does ARNs (a deleted principal's id is "Invalid principal in policy")."""
    return _aws_values(
        document, lambda principals: tuple(v for v in principals.aws if UNIQUE_ID.fullmatch(v))
    )


def _aws_values(
    document: PolicyDocument, pick: Callable[[PrincipalSet], tuple[str, ...]]
) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for statement in document.statements:
        for principals in (statement.principal, statement.not_principal):
            if principals is not None:
                found.update(dict.fromkeys(pick(principals)))
    return tuple(found)


def trust_action_allowed(action: str) -> bool:
    """Whether a trust policy may list ``action``: an STS assume-role family action.

    A wildcard is accepted when it covers at least one of them (``sts:*``, ``sts:Assume*``);
    ``"*"`` is rejected.  # behaviour unverified against AWS
    """
    lowered = action.lower()
    if not lowered.startswith("sts:"):
        return False
    if "*" not in lowered and "?" not in lowered:
        return lowered in TRUST_POLICY_ACTIONS
    matches = build_matcher(lowered, arn=False)  # the Action glob, without backtracking
    return any(matches(candidate) for candidate in TRUST_POLICY_ACTIONS)


def _is_aws_principal(value: str) -> bool:
    return (
        value == "*"
        or _ACCOUNT_ID.fullmatch(value) is not None
        or _AWS_PRINCIPAL_ARN.fullmatch(value) is not None
        or UNIQUE_ID.fullmatch(value) is not None  # as IAM shows a deleted user or role
    )
