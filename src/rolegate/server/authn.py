"""Who signed the request: SigV4 claim -> access key -> caller.

strict (default): only known, active keys with a valid signature, scoped to the service the
request is for and to a region that service takes (``wire.regions``); the time and the scope are
checked before the key is looked up, as AWS does (``auth.sigv4``). permissive (local emulator
use, as moto and LocalStack): a key the database does not know acts as the root user of the
default account, or of the account it names when the access key id is 12 digits (created on
first use), and nothing of its signature is checked; known keys are still verified.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from rolegate.auth.session_token import SessionTokenCodec
from rolegate.auth.sigv4 import HttpRequest, SigV4Claim, SigV4Verifier
from rolegate.domain.arn import root_arn
from rolegate.domain.entities import Account, User
from rolegate.domain.errors import InvalidClientTokenId
from rolegate.domain.session import SessionClaims, SessionKind
from rolegate.services.context import Caller
from rolegate.store import Conflict, Tx
from rolegate.wire.regions import signing_regions

INVALID_TOKEN = "The security token included in the request is invalid."


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

    def caller_for(
        self, tx: Tx, claim: SigV4Claim, request: HttpRequest, now: datetime, service: str
    ) -> Caller:
        """Who signed ``request``, a request for ``service`` (``iam`` or ``sts``)."""
        verifier = self.verifiers[service]
        if not self.permissive:
            verifier.check_claim(claim, now)
        if claim.security_token is not None:
            try:
                return self._temporary_caller(verifier, claim, request, now)
            except InvalidClientTokenId:
                # permissive: emulator clients send made-up tokens with made-up keys
                if not self.permissive or tx.access_keys.get(claim.access_key_id) is not None:
                    raise
                return self._permissive_root(tx, claim.access_key_id, now)
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

    def _temporary_caller(
        self, verifier: SigV4Verifier, claim: SigV4Claim, request: HttpRequest, now: datetime
    ) -> Caller:
        """Temporary credentials: the sealed token alone says who signed, no database read."""
        if self.session_tokens is None or claim.security_token is None:
            raise InvalidClientTokenId(INVALID_TOKEN)
        try:
            session = self.session_tokens.open(claim.access_key_id, claim.security_token, now)
        except InvalidClientTokenId:
            # IAM's text has no full stop, STS's has one (both as AWS answers them)
            raise InvalidClientTokenId(
                INVALID_TOKEN.rstrip(".") if claim.service == "iam" else INVALID_TOKEN
            ) from None
        self._check_signature(verifier, claim, request, session.secret_access_key, now)
        return session_caller(session)

    def _permissive_root(self, tx: Tx, access_key_id: str, now: datetime) -> Caller:
        account_id = self.default_account_id
        if len(access_key_id) == 12 and access_key_id.isdigit():
            account_id = access_key_id
            if tx.accounts.get(account_id) is None:
                try:
                    tx.accounts.create(Account(account_id, now))
                except Conflict:  # created by a concurrent first request; it exists now
                    pass
        return root_caller(account_id, access_key_id)


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


def root_caller(account_id: str, access_key_id: str | None) -> Caller:
    """The account's root user: GetCallerIdentity shows the account id as its UserId."""
    return Caller(
        account_id=account_id,
        principal_type="root",
        arn=root_arn(account_id),
        user_id=account_id,
        access_key_id=access_key_id,
    )


def session_caller(session: SessionClaims) -> Caller:
    """The caller behind temporary credentials (id_credentials_temp.md).

    Role sessions and federated users are principals of their own; GetSessionToken credentials
    act as the user (or root) that asked for them, with the session's MFA state.
    """
    if session.kind == SessionKind.ROLE:
        principal_type = "role_session"
    elif session.kind == SessionKind.FEDERATED_USER:
        principal_type = "federated_user"
    elif session.principal_arn.endswith(":root"):
        principal_type = "root"
    else:
        principal_type = "user"
    user_name = None
    if principal_type == "user":
        user_name = session.principal_arn.rsplit("/", 1)[-1]
    return Caller(
        account_id=session.account_id,
        principal_type=principal_type,
        arn=session.principal_arn,
        user_id=session.principal_id,
        access_key_id=session.access_key_id,
        user_name=user_name,
        session=session,
    )
