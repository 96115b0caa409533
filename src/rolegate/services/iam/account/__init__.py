"""The account as a whole: its creation and root keys (``accounts``, not an AWS API), alias,
password policy, GetAccountSummary and GetAccountAuthorizationDetails."""

__all__ = ["accounts", "aliases", "authorization_details", "password_policy", "summary"]
