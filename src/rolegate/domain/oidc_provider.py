"""An IAM OpenID Connect identity provider
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html).

Its ARN is ``arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH``: the issuer URL without ``https://``,
which is also the ``Url`` GetOpenIDConnectProvider answers and the prefix of the condition keys
its web identities bring (``HOST/PATH:aud``, ``:sub``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rolegate.domain.entities import Tag


@dataclass(frozen=True, slots=True)
class OidcProvider:
    provider_id: str  # internal key (tags table)
    account_id: str
    url: str  # without the scheme: "token.actions.githubusercontent.com"
    arn: str
    client_ids: tuple[str, ...]
    thumbprints: tuple[str, ...]  # lower-case hex SHA-1 of a CA certificate of the issuer
    create_date: datetime
    tags: tuple[Tag, ...] = ()
    # The trusted identity propagation context provider (the ContextProvider shape as JSON)
    context_provider: str | None = None

    @property
    def issuer(self) -> str:
        return f"https://{self.url}"


def oidc_provider_arn(account_id: str, url: str) -> str:
    return f"arn:aws:iam::{account_id}:oidc-provider/{url}"
