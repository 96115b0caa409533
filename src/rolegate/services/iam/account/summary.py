"""GetAccountSummary: the account's IAM usage next to its quotas (API_GetAccountSummary, and
reference_iam-quotas.md for the quotas).

Usage counts are read from the database on every call; quotas are the account's overrides over AWS's
defaults (``rolegate.catalog.quotas``), the same values the create operations enforce. rolegate has
no server certificates and no root password, so those report 0; the root user cannot hold an MFA
device here (AccountMFAEnabled 0).
"""

from __future__ import annotations

from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam._quotas import quota_values

GLOBAL_ENDPOINT_TOKEN_VERSION = 1  # STS global endpoint tokens: valid only in default regions
_ABSENT_FEATURES = (
    "ServerCertificates",
    "AccountMFAEnabled",
    "AccountPasswordPresent",
)


def get_account_summary(ctx: OperationContext, params: Params) -> Result:
    ctx.authorize("iam:GetAccountSummary", "*")
    summary: dict[str, int] = dict.fromkeys(_ABSENT_FEATURES, 0)
    summary |= ctx.tx.account_details.summary_counts(ctx.account_id)
    root_certificates = ctx.tx.signing_certificates.list_for(ctx.account_id, None)
    summary["AccountSigningCertificatesPresent"] = min(len(root_certificates), 1)
    summary |= quota_values(ctx.tx, ctx.account_id)
    summary["GlobalEndpointTokenVersion"] = GLOBAL_ENDPOINT_TOKEN_VERSION
    return {"SummaryMap": dict(sorted(summary.items()))}


HANDLERS: dict[str, Handler] = {"GetAccountSummary": get_account_summary}
