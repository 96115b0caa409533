"""Typed AWS errors.

Every error a client can see is one of these classes. Each carries the AWS error code, the HTTP
status and whether the sender is at fault; the server turns them into AWS's ``ErrorResponse`` XML in
exactly one place (``rolegate.server``). Codes, statuses and faults are the ``error`` traits of the
botocore ``iam``/``sts`` models where they declare the error, else AWS's list of common errors
(https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html);
``tests/wire/test_error_classes.py`` holds every class to them. Messages are passed by the raiser
and follow AWS's exact text.
"""

from __future__ import annotations


class AwsError(Exception):
    """Base of every error that is answered to the client as an AWS error."""

    code: str = "InternalFailure"
    status: int = 500
    sender_fault: bool = False

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    @property
    def fault_type(self) -> str:
        return "Sender" if self.sender_fault else "Receiver"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class InternalFailure(AwsError):
    code, status, sender_fault = "InternalFailure", 500, False


class ServiceFailure(AwsError):
    code, status, sender_fault = "ServiceFailure", 500, False


# --- protocol level (common to every Query service) ---------------------------------------------
class ValidationError(AwsError):
    code, status, sender_fault = "ValidationError", 400, True


class MissingAction(AwsError):
    code, status, sender_fault = "MissingAction", 400, True


class InvalidAction(AwsError):
    code, status, sender_fault = "InvalidAction", 400, True


class InvalidParameterValue(AwsError):
    code, status, sender_fault = "InvalidParameterValue", 400, True


class Throttling(AwsError):
    """A request refused for its rate (IAM's and STS's "Common Errors": ThrottlingException,
    400; on the Query protocol's wire the code is ``Throttling``, the message "Rate exceeded").
    SDKs retry it with backoff."""

    code, status, sender_fault = "Throttling", 400, True


class MalformedQueryString(AwsError):
    code, status, sender_fault = "MalformedQueryString", 404, True


# --- authentication ---------------------------------------------------------------------------
class MissingAuthenticationToken(AwsError):
    code, status, sender_fault = "MissingAuthenticationToken", 403, True


class IncompleteSignature(AwsError):
    code, status, sender_fault = "IncompleteSignature", 400, True


class InvalidClientTokenId(AwsError):
    code, status, sender_fault = "InvalidClientTokenId", 403, True


class SignatureDoesNotMatch(AwsError):
    code, status, sender_fault = "SignatureDoesNotMatch", 403, True


class RequestExpired(AwsError):
    code, status, sender_fault = "RequestExpired", 400, True


class ExpiredToken(AwsError):
    code, status, sender_fault = "ExpiredToken", 403, True


class AccessDenied(AwsError):
    code, status, sender_fault = "AccessDenied", 403, True


# --- IAM (codes and statuses from the iam model's exception shapes) ----------------------------
class NoSuchEntity(AwsError):
    code, status, sender_fault = "NoSuchEntity", 404, True


class EntityAlreadyExists(AwsError):
    code, status, sender_fault = "EntityAlreadyExists", 409, True


class DeleteConflict(AwsError):
    code, status, sender_fault = "DeleteConflict", 409, True


class LimitExceeded(AwsError):
    code, status, sender_fault = "LimitExceeded", 409, True


class MalformedPolicyDocument(AwsError):
    code, status, sender_fault = "MalformedPolicyDocument", 400, True


class InvalidInput(AwsError):
    code, status, sender_fault = "InvalidInput", 400, True


class PolicyEvaluation(AwsError):
    """A policy the simulator could not evaluate (the iam model's PolicyEvaluationException)."""

    code, status, sender_fault = "PolicyEvaluation", 500, False


class UnmodifiableEntity(AwsError):
    code, status, sender_fault = "UnmodifiableEntity", 400, True


class PolicyNotAttachable(AwsError):
    code, status, sender_fault = "PolicyNotAttachable", 400, True


class InvalidAuthenticationCode(AwsError):
    code, status, sender_fault = "InvalidAuthenticationCode", 403, True


class FeatureEnabled(AwsError):
    """Outbound web identity federation is already on (EnableOutboundWebIdentityFederation)."""

    code, status, sender_fault = "FeatureEnabled", 409, True


class FeatureDisabled(AwsError):
    """Outbound web identity federation is off (Disable…, GetOutboundWebIdentityFederationInfo)."""

    code, status, sender_fault = "FeatureDisabled", 404, True


class OrganizationNotFound(AwsError):
    """The iam model's OrganizationNotFoundException: the account belongs to no organization
    (the Organizations-only operations; every rolegate account is outside one). The shape has no
    ``error`` trait, so its code on the wire is the shape's name; the API reference gives 400
    (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListOrganizationsFeatures.html)."""

    code, status, sender_fault = "OrganizationNotFoundException", 400, True


class PasswordPolicyViolation(AwsError):
    code, status, sender_fault = "PasswordPolicyViolation", 400, True


class InvalidUserType(AwsError):
    code, status, sender_fault = "InvalidUserType", 400, True


class EntityTemporarilyUnmodifiable(AwsError):
    code, status, sender_fault = "EntityTemporarilyUnmodifiable", 409, True


class DuplicateSSHPublicKey(AwsError):
    code, status, sender_fault = "DuplicateSSHPublicKey", 400, True


class InvalidPublicKey(AwsError):
    code, status, sender_fault = "InvalidPublicKey", 400, True


class UnrecognizedPublicKeyEncoding(AwsError):
    code, status, sender_fault = "UnrecognizedPublicKeyEncoding", 400, True


class DuplicateCertificate(AwsError):
    code, status, sender_fault = "DuplicateCertificate", 409, True


class MalformedCertificate(AwsError):
    code, status, sender_fault = "MalformedCertificate", 400, True


class KeyPairMismatch(AwsError):
    code, status, sender_fault = "KeyPairMismatch", 400, True


class InvalidCertificate(AwsError):
    code, status, sender_fault = "InvalidCertificate", 400, True


class ReportNotPresent(AwsError):
    code, status, sender_fault = "ReportNotPresent", 410, True


class ReportExpired(AwsError):
    code, status, sender_fault = "ReportExpired", 410, True


class ReportInProgress(AwsError):
    code, status, sender_fault = "ReportInProgress", 404, True


# --- STS ----------------------------------------------------------------------------------------
class PackedPolicyTooLarge(AwsError):
    code, status, sender_fault = "PackedPolicyTooLarge", 400, True


class InvalidIdentityToken(AwsError):
    code, status, sender_fault = "InvalidIdentityToken", 400, True


class InsufficientSessionLifetime(AwsError):
    code, status, sender_fault = "InsufficientSessionLifetime", 400, True


class InvalidSubjectCredentials(AwsError):
    code, status, sender_fault = "InvalidSubjectCredentials", 400, True


class IDPRejectedClaim(AwsError):
    code, status, sender_fault = "IDPRejectedClaim", 403, True


class IDPCommunicationError(AwsError):
    code, status, sender_fault = "IDPCommunicationError", 400, True


class ExpiredIdentityToken(AwsError):
    """An expired web identity token or SAML response (the sts model's ExpiredTokenException,
    as AWS answers AssumeRoleWithWebIdentity and AssumeRoleWithSAML; not ExpiredToken, its
    answer to expired session credentials)."""

    code, status, sender_fault = "ExpiredTokenException", 400, True


class InvalidAuthorizationMessage(AwsError):
    code, status, sender_fault = "InvalidAuthorizationMessageException", 400, True


class ExpiredTradeInToken(AwsError):
    """GetDelegatedAccessToken's trade-in token is expired (or was never issued here)."""

    code, status, sender_fault = "ExpiredTradeInTokenException", 400, True


class OutboundWebIdentityFederationDisabled(AwsError):
    code, status, sender_fault = "OutboundWebIdentityFederationDisabledException", 403, True


class SessionDurationEscalation(AwsError):
    code, status, sender_fault = "SessionDurationEscalationException", 403, True


class JwtPayloadSizeExceeded(AwsError):
    code, status, sender_fault = "JWTPayloadSizeExceededException", 400, True


# --- rolegate's own ---------------------------------------------------------------------------
class OperationNotImplemented(AwsError):
    """An operation of the AWS model that rolegate does not implement (yet)."""

    code, status, sender_fault = "NotImplemented", 501, False


class RequestEntityTooLarge(AwsError):
    code, status, sender_fault = "RequestEntityTooLarge", 413, True
