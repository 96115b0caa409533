"""What a set of temporary credentials stands for
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp.html).

The session token carries all of it, sealed, so that any node can open it without reading the
database (``rolegate.auth.session_token``). It names the principal it acts for by unique id
(``role_id``, ``source_user_id``): the session is valid only while that role or user exists
(``rolegate.server.authn``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class SessionKind:
    ROLE = "role_session"  # AssumeRole, AssumeRoleWithWebIdentity, AssumeRoleWithSAML
    FEDERATED_USER = "federated_user"  # GetFederationToken
    SESSION_TOKEN = "session_token"  # GetSessionToken: the calling user or root, with MFA state
    # A web console sign-in: the user (password, MFA) or root (its access key pair) itself, with
    # its own permissions and MFA state, and none of GetSessionToken's limits on IAM and STS.
    CONSOLE = "console"


@dataclass(frozen=True, slots=True)
class SessionClaims:
    kind: str  # a SessionKind value
    account_id: str
    access_key_id: str  # ASIA…
    secret_access_key: str
    issued_at: datetime  # aws:TokenIssueTime
    expires_at: datetime
    principal_arn: str  # assumed-role / federated-user ARN; for SESSION_TOKEN the user's or root's
    principal_id: str  # aws:userid: "AROA…:session", "ACCT:name", "AIDA…" or the account id
    role_arn: str | None = None  # role sessions: the role (with its path)
    role_id: str | None = None
    session_name: str | None = None  # RoleSessionName, or the federated user's name
    source_user_arn: str | None = None  # the IAM user behind a federated or GetSessionToken session
    # That user's unique id (AIDA…): the session lives only as long as the user with this id
    # (None for the root user's sessions; tokens sealed before rolegate recorded it carry none).
    source_user_id: str | None = None
    session_policy: str | None = None  # the inline session policy document, as passed
    session_policy_arns: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()  # session tags, in the order given
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None
    mfa_authenticated: bool = False
    mfa_authenticated_at: datetime | None = None
    chain_depth: int = 0  # 0: from long-term credentials; 1+: role chaining (1-hour maximum)
    federated_provider: str | None = None  # web identity / SAML provider ARN, when federated
    # Keys of the federation that later requests still see (SAML: saml:namequalifier, saml:sub,
    # saml:sub_type;
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html,
    # cross-service SAML keys).
    federated_keys: tuple[tuple[str, str], ...] = ()
    # GetScopedCredentials' scope-down policies, oldest first (at most 3): each must allow
    # every request besides the session's own permissions
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getscopedcredentials.html).
    scope_policies: tuple[str, ...] = ()
