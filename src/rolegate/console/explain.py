"""Why a request was refused, in words: the console explains every AccessDenied it meets from
the engine's decision as AWS's message states it (which policy type had no Allow, or which type
held the Deny;
https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
"""

from __future__ import annotations

_DENY = "with an explicit deny in "
_TYPES = {
    "because no identity-based policy": (
        "No identity-based policy of this principal (its own, its groups', or a managed policy "
        "attached to it) has an Allow that matches: the request is implicitly denied."
    ),
    "because no resource-based policy": (
        "The resource's policy has no Allow statement that names this principal."
    ),
    "because no permissions boundary": (
        "The principal's permissions boundary does not allow this action: a boundary only "
        "narrows what the identity policies allow."
    ),
    "because no session policy": (
        "The session policy passed when these credentials were issued does not allow this "
        "action: a session policy only narrows the role's or user's permissions."
    ),
    "because no service control policy": (
        "No service control policy of the organization allows this action."
    ),
}


def explain(code: str, message: str) -> list[str]:
    """Sentences that say why; empty for errors that are not refusals."""
    if code not in ("AccessDenied", "AccessDeniedException"):
        return []
    if _DENY in message:
        where = message.split(_DENY, 1)[1].rstrip(".")
        return [
            f"A Deny statement in {where} matched this request. An explicit deny wins over "
            "every Allow, whatever the other policies say."
        ]
    for phrase, sentence in _TYPES.items():
        if phrase in message:
            return [sentence]
    if "sts:AssumeRole" in message:
        return [
            "The role cannot be assumed by you: either its trust policy does not name you "
            "(or its conditions do not hold), or your own policies do not allow sts:AssumeRole "
            "on it. AWS gives no further reason for AssumeRole."
        ]
    return ["The request was denied by the policies that apply to it."]
