"""Who signed the request: SigV4 claim -> access key or session token -> caller.

strict (default): only known, active keys with a valid signature, scoped to the service the
request is for and to a region that service takes (``wire.regions``); the time and the scope are
checked before the key is looked up, as AWS does (``auth.sigv4``). permissive (local emulator
use, as moto and LocalStack): a key the database does not know acts as the root user of the
default account, or of the account it names when the access key id is 12 digits (created on
first use), and nothing of its signature is checked; known keys are still verified.

Temporary credentials: the sealed session token says who signed (no read for that), and the session
lives only as long as the user or role it acts for, by unique id (``live_session_caller``: one
indexed read, which authorization then uses instead of reading the principal itself). A session of a
deleted user or role is invalid, also once another of the same name exists
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html: a
principal deleted and re-created "has a new principal ID"); AWS's answer to invalid credentials is
InvalidClientTokenId (unverified for this case).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from rolegate.auth.session_token import SessionTokenCodec
from rolegate.auth.sigv4 import HttpRequest, SigV4Claim, SigV4Verifier
from rolegate.domain.arn import root_arn
from rolegate.domain.caller import Caller, PrincipalType
from rolegate.domain.entities import Account, Role, User
from rolegate.domain.errors import InvalidClientTokenId
from rolegate.domain.session import SessionClaims, SessionKind
from rolegate.store import Conflict, Tx
from rolegate.wire.regions import signing_regions

INVALID_TOKEN = "The security token included in the request is invalid."
MAX_OTHER_VERIFIERS = 256


def scoped_verifiers() -> dict[str, SigV4Verifier]:
    """One verifier per service, bound to that service's credential scope. IAM names the region
    it refuses ("..., not 'eu-west-1'. "), STS does not (answers quoted in SDK bug reports)."""
    return {
        "iam": SigV4Verifier(service="iam", regions=signing_regions("iam"), name_region=True),
        "sts": SigV4Verifier(service="sts", regions=signing_regions("sts")),
    }


@dataclass(frozen=True, slots=True)
class Authenticator:
    permissive: bool
    default_account_id: str
    # Opens the session tokens of temporary credentials (None: temporary credentials refused).
    session_tokens: SessionTokenCodec | None = None
    # By service name (iam, sts): checks claims and signatures, keeps derived signing keys.
    verifiers: Mapping[str, SigV4Verifier] = field(default_factory=scoped_verifiers)
    # The operators' own services (the authorization service): any region, one verifier each.
    other_verifiers: dict[str, SigV4Verifier] = field(default_factory=dict)

    def verifier(self, service: str) -> SigV4Verifier:
        """The verifier bound to ``service``'s credential scope. IAM and STS take the regions
        AWS's endpoints do; the operators' services (the authorization service) any region, as
        the operator deploys them. At most ``MAX_OTHER_VERIFIERS`` keep their signing keys."""
        found = self.verifiers.get(service) or self.other_verifiers.get(service)
        if found is None:
            found = SigV4Verifier(service=service)
            if len(self.other_verifiers) < MAX_OTHER_VERIFIERS:
                self.other_verifiers[service] = found
        return found

    def caller_for(
        self, tx: Tx, claim: SigV4Claim, request: HttpRequest, now: datetime, service: str
    ) -> Caller:
        """Who signed ``request``, a request for ``service`` (``iam``, ``sts``, or a service
        the authorization service is asked about)."""
        verifier = self.verifier(service)
        if not self.permissive:
            verifier.check_claim(claim, now)
        if claim.security_token is not None:
            try:
                session = self._open_session(verifier, claim, request, now)
            except InvalidClientTokenId:
                # permissive: emulator clients send made-up tokens with made-up keys
                if not self.permissive or tx.access_keys.get(claim.access_key_id) is not None:
                    raise
                return self._permissive_root(tx, claim.access_key_id, now)
            return live_session_caller(tx, session, claim.service)
        key = tx.access_keys.get(claim.access_key_id)
        if key is None:
            if not self.permissive:
                raise InvalidClientTokenId(INVALID_TOKEN)
            return self._permissive_root(tx, claim.access_key_id, now)
        if key.status != "Active" or claim.security_token is not None:
            # Long-term keys never carry a session token; an inactive key is unknown to AWS.
            raise InvalidClientTokenId(INVALID_TOKEN)
        self._check_signature(verifier, claim, request, key.secret_access_key, now)
        # GetAccessKeyLastUsed; written in the request's transaction, so a request that fails
        # (denied, invalid) leaves no trace (AWS may record those too: unverified).
        tx.access_keys.record_use(key, now, claim.service, claim.region)
        if key.user_name is None:
            return root_caller(key.account_id, key.access_key_id)
        user = tx.users.get(key.account_id, key.user_name)
        if user is None:  # cannot happen while DeleteUser refuses users with keys
            raise InvalidClientTokenId(INVALID_TOKEN)
        return user_caller(user, key.access_key_id)

    def _check_signature(
        self,
        verifier: SigV4Verifier,
        claim: SigV4Claim,
        request: HttpRequest,
        secret_access_key: str,
        now: datetime,
    ) -> None:
        if self.permissive:  # strict mode checked the claim before it looked the key up
            verifier.check_claim(claim, now)
        verifier.check_signature(claim, request, secret_access_key)

    def _open_session(
        self, verifier: SigV4Verifier, claim: SigV4Claim, request: HttpRequest, now: datetime
    ) -> SessionClaims:
        """The claims of the sealed token, once the request's signature checks out with them."""
        if self.session_tokens is None or claim.security_token is None:
            raise InvalidClientTokenId(INVALID_TOKEN)
        try:
            session = self.session_tokens.open(claim.access_key_id, claim.security_token, now)
        except InvalidClientTokenId:
            raise InvalidClientTokenId(invalid_token_message(claim.service)) from None
        self._check_signature(verifier, claim, request, session.secret_access_key, now)
        return session

    def _permissive_root(self, tx: Tx, access_key_id: str, now: datetime) -> Caller:
        account_id = self.default_account_id
        if len(access_key_id) == 12 and access_key_id.isdigit():
            account_id = access_key_id
            if tx.accounts.get(account_id) is None:
                try:
                    tx.accounts.create(Account(account_id, now))
                except Conflict:  # created by a concurrent first request; it exists now
                    pass
        return root_caller(account_id, access_key_id, implicit=True)


def invalid_token_message(service: str) -> str:
    """IAM's text has no full stop, STS's has one (both as AWS answers them)."""
    return INVALID_TOKEN.rstrip(".") if service == "iam" else INVALID_TOKEN


def live_session_caller(tx: Tx, session: SessionClaims, service: str) -> Caller:
    """The caller behind ``session`` while the role or user it acts for exists: the role of a
    role session (AssumeRole*, chained or not: a chained session's permissions come from its own
    role only), the user behind GetSessionToken and GetFederationToken sessions, by unique id.
    The root user's sessions need no read. InvalidClientTokenId (``service``'s wording) when the
    principal is gone, and for GetFederationToken tokens sealed before they named their user's
    unique id (they cannot be told from a successor's)."""
    if session.kind == SessionKind.ROLE:
        role = tx.roles.get_by_id(session.role_id) if session.role_id else None
        if role is not None and role.arn == session.role_arn:
            return session_caller(session, role=role)
    elif (session.source_user_arn or session.principal_arn).endswith(":root"):
        return session_caller(session)
    else:
        user_id = session.source_user_id
        if user_id is None and session.kind == SessionKind.SESSION_TOKEN:
            user_id = session.principal_id  # the user's own id (and aws:userid)
        user = tx.users.get_by_id(user_id) if user_id else None
        if user is not None:
            return session_caller(session, user=user)
    raise InvalidClientTokenId(invalid_token_message(service))


def user_caller(user: User, access_key_id: str | None) -> Caller:
    """An IAM user signing with one of its access keys: UserId is the user's AIDA… id."""
    return Caller(
        account_id=user.account_id,
        principal_type="user",
        arn=user.arn,
        user_id=user.user_id,
        access_key_id=access_key_id,
        user_name=user.user_name,
        user=user,
    )


def root_caller(account_id: str, access_key_id: str | None, *, implicit: bool = False) -> Caller:
    """The account's root user: GetCallerIdentity shows the account id as its UserId."""
    return Caller(
        account_id=account_id,
        principal_type="root",
        arn=root_arn(account_id),
        user_id=account_id,
        access_key_id=access_key_id,
        implicit=implicit,
    )


def session_caller(
    session: SessionClaims, *, role: Role | None = None, user: User | None = None
) -> Caller:
    """The caller behind temporary credentials
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp.html).

    Role sessions and federated users are principals of their own; GetSessionToken credentials
    act as the user (or root) that asked for them, with the session's MFA state. ``role`` and
    ``user``: the role of a role session, the user behind the others, as read now (a
    GetSessionToken session then has the user's name and ARN of now, UpdateUser's included).
    """
    principal_type: PrincipalType
    if session.kind == SessionKind.ROLE:
        principal_type = "role_session"
    elif session.kind == SessionKind.FEDERATED_USER:
        principal_type = "federated_user"
    elif session.principal_arn.endswith(":root"):
        principal_type = "root"
    else:
        principal_type = "user"
    arn = session.principal_arn
    user_name = None
    if principal_type == "user":
        arn = user.arn if user is not None else arn
        user_name = arn.rsplit("/", 1)[-1]
    return Caller(
        account_id=session.account_id,
        principal_type=principal_type,
        arn=arn,
        user_id=session.principal_id,
        access_key_id=session.access_key_id,
        user_name=user_name,
        session=session,
        user=user,
        role=role,
    )
