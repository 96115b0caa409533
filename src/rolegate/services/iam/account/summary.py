"""GetAccountSummary: the account's IAM usage next to its quotas (API_GetAccountSummary, and
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html for the quotas).

Usage counts are read from the database on every call; quotas are the account's overrides over AWS's
defaults (``rolegate.catalog.quotas``), the same values the create operations enforce. rolegate has
no root password, so that reports 0; the root user cannot hold an MFA
device here (AccountMFAEnabled 0).
"""

from __future__ import annotations

from rolegate.services.context import Handler, OperationContext, Params, Result
from rolegate.services.iam._quotas import quota_values
from rolegate.services.iam.account.properties import token_version

_ABSENT_FEATURES = (
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
    summary["GlobalEndpointTokenVersion"] = token_version(ctx)
    return {"SummaryMap": dict(sorted(summary.items()))}


HANDLERS: dict[str, Handler] = {"GetAccountSummary": get_account_summary}
