"""Every error class answers with the code, HTTP status and fault AWS answers with.

Where the pinned ``iam``/``sts`` models declare the error (an ``exception`` shape with an
``error`` trait, as botocore's ``errorfactory`` reads them), the class must carry the model's
code, ``httpStatusCode`` and ``senderFault``. The errors every Query service answers before an
operation runs (signature, protocol, throttling) are in no model: those are held to AWS's lists
below. A new class must be in one or the other, so no class can drift from AWS unnoticed.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest
from botocore.model import ServiceModel

from rolegate.domain import errors
from rolegate.domain.errors import AwsError
from rolegate.wire import load_service

IAM_COMMON_ERRORS = "https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html"
STS_COMMON_ERRORS = "https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html"
SIGV4_TROUBLESHOOTING = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html"
)
CONSOLE_COMMON_ERRORS = (
    "https://docs.aws.amazon.com/awsconsolehelpdocs/latest/gsg/common-errors.html"
)


class Documented(NamedTuple):
    status: int
    listed_as: str  # the name on the page: the ``...Exception`` names lose the suffix on the wire
    source: str


# Common errors have no fault of their own on the pages: on the Query protocol's wire a 4xx is
# the Sender's and a 5xx the Receiver's.
DOCUMENTED: dict[str, Documented] = {
    "AccessDenied": Documented(403, "AccessDeniedException", IAM_COMMON_ERRORS),
    "ExpiredToken": Documented(403, "ExpiredTokenException", IAM_COMMON_ERRORS),
    "IncompleteSignature": Documented(400, "IncompleteSignature", IAM_COMMON_ERRORS),
    "InternalFailure": Documented(500, "InternalFailure", IAM_COMMON_ERRORS),
    "InvalidAction": Documented(400, "InvalidAction", STS_COMMON_ERRORS),
    "InvalidClientTokenId": Documented(403, "InvalidClientTokenId", STS_COMMON_ERRORS),
    "InvalidParameterValue": Documented(400, "InvalidParameterValue", IAM_COMMON_ERRORS),
    "MalformedQueryString": Documented(404, "MalformedQueryString", IAM_COMMON_ERRORS),
    "MissingAction": Documented(400, "MissingAction", IAM_COMMON_ERRORS),
    "MissingAuthenticationToken": Documented(403, "MissingAuthenticationToken", IAM_COMMON_ERRORS),
    "RequestExpired": Documented(400, "RequestExpired", STS_COMMON_ERRORS),
    "Throttling": Documented(400, "ThrottlingException", STS_COMMON_ERRORS),
    "ValidationError": Documented(400, "ValidationError", STS_COMMON_ERRORS),
    "SignatureDoesNotMatch": Documented(403, "SignatureDoesNotMatch", SIGV4_TROUBLESHOOTING),
    "RequestEntityTooLarge": Documented(
        413, "RequestEntityTooLargeException", CONSOLE_COMMON_ERRORS
    ),
    # rolegate's own: an operation of the models it does not implement gets HTTP's 501
    # (https://www.rfc-editor.org/rfc/rfc9110#section-15.6.2).
    "NotImplemented": Documented(501, "Not Implemented", "RFC 9110"),
}


# https://docs.aws.amazon.com/IAM/latest/APIReference/API_EnableOrganizationsRootSessions.html
ORGANIZATION_ERRORS = frozenset(
    {
        "AccountNotManagementOrDelegatedAdministratorException",
        "CallerIsNotManagementAccountException",
        "OrganizationNotFoundException",
        "OrganizationNotInAllFeaturesModeException",
        "ServiceAccessNotEnabledException",
    }
)


class Modelled(NamedTuple):
    status: int
    sender_fault: bool
    shape: str


def _modelled(model: ServiceModel) -> dict[str, Modelled]:
    found = {}
    for shape in model.error_shapes:
        trait = shape.metadata.get("error")
        if trait is None:
            # The Organizations errors of the iam model carry no trait: the code is the shape's
            # name (botocore's errorfactory), the status the API reference's 400.
            if shape.name not in ORGANIZATION_ERRORS:
                continue
            trait = {"httpStatusCode": 400, "senderFault": True}
        found[shape.error_code] = Modelled(
            trait["httpStatusCode"], bool(trait.get("senderFault", False)), shape.name
        )
    return found


def _models() -> dict[str, Modelled]:
    iam, sts = (_modelled(load_service(name).model) for name in ("iam", "sts"))
    for code in iam.keys() & sts.keys():  # MalformedPolicyDocument: the same in both
        assert iam[code][:2] == sts[code][:2], code
    return {**iam, **sts}


MODELLED = _models()


def _error_classes() -> list[type[AwsError]]:
    found = []
    pending = [AwsError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    # only the package's own: a test elsewhere may define a subclass of its own
    return sorted(
        (cls for cls in found if cls.__module__ == errors.__name__), key=lambda c: c.__name__
    )


CLASSES = _error_classes()


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_class_answers_as_aws_does(cls: type[AwsError]) -> None:
    answer = (cls.code, cls.status, cls.sender_fault)
    if cls.code in MODELLED:
        modelled = MODELLED[cls.code]
        assert answer == (cls.code, modelled.status, modelled.sender_fault), modelled.shape
    else:
        assert cls.code in DOCUMENTED, (
            f"{cls.__name__} ({cls.code}) is neither in the iam/sts models nor in DOCUMENTED"
        )
        documented = DOCUMENTED[cls.code]
        assert answer == (cls.code, documented.status, documented.status < 500), documented
    assert cls("x").fault_type == ("Sender" if cls.sender_fault else "Receiver")


def test_every_documented_error_has_its_class() -> None:
    """No stale entries: each documented code is some class's (and none is also modelled)."""
    codes = {cls.code for cls in CLASSES}
    assert set(DOCUMENTED) <= codes
    assert not set(DOCUMENTED) & set(MODELLED)


def test_the_classes_are_found() -> None:
    """The walk above sees the classes (a broken walk would pass every check vacuously)."""
    names = {cls.__name__ for cls in CLASSES}
    assert {"AwsError", "NoSuchEntity", "AccessDenied", "ExpiredIdentityToken"} <= names
    assert len(MODELLED) > 40
