"""Every AWS message text the policy engine produces, in one place.

Sources: texts seen in real AWS responses as quoted in bug reports, CloudTrail records and the
recorded-against-AWS test corpora of moto/LocalStack (facts only). A text marked
``# message unverified against AWS`` is our best reconstruction: keep it here so that correcting
it is a one-line change.
"""

from __future__ import annotations

# --- MalformedPolicyDocument: structure ----------------------------------------------------------
SYNTAX_ERRORS = "Syntax errors in policy."
# A role trust policy that is not JSON (CreateRole, UpdateAssumeRolePolicy):
TRUST_NOT_JSON = "This policy contains invalid Json"
VERSION_TOO_OLD = "Policy document must be version 2012-10-17 or greater."
LEGACY_PARSING = "The policy failed legacy parsing"
DUPLICATE_SID = "Statement IDs (SID) in a single policy must be unique."
SID_NOT_ALPHANUMERIC = (
    "Statement IDs (SID) must be alpha-numeric. "
    "Check that your input satisfies the regular expression [0-9A-Za-z]*"
)
MISSING_ACTIONS = "Policy statement must contain actions."
MISSING_RESOURCES = "Policy statement must contain resources."

# --- MalformedPolicyDocument: actions ------------------------------------------------------------
ACTION_WITHOUT_VENDOR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
ACTION_TOO_MANY_COLONS = "Actions/Condition can contain only one colon."


def invalid_vendor(vendor: str) -> str:
    return f"Vendor {vendor} is not valid"


# --- MalformedPolicyDocument: resources ----------------------------------------------------------
RESOURCE_VENDOR_NOT_QUALIFIED = (
    "Resource vendor must be fully qualified and cannot contain regexes."
)


def resource_not_arn(resource: str) -> str:
    return f'Resource {resource} must be in ARN format or "*".'


def invalid_partition(partition: str, rendered_arn: str) -> str:
    return f'Partition "{partition}" is not valid for resource "{rendered_arn}".'


def iam_resource_with_region(resource: str) -> str:
    return f"IAM resource {resource} cannot contain region information."


def s3_resource_with_region(resource: str) -> str:
    return f"Resource {resource} can not contain region information."


def iam_resource_bad_path(valid_starts: tuple[str, ...]) -> str:
    # message unverified against AWS (older recordings lack the ", root" part)
    return f'IAM resource path must either be "*", root, or start with {", ".join(valid_starts)}.'


# --- MalformedPolicyDocument: principals and policy kinds ----------------------------------------
PRINCIPAL_NOT_ALLOWED = "Policy document should not specify a principal."
MISSING_PRINCIPAL = "Missing required field Principal"
TRUST_HAS_RESOURCE = "Has prohibited field Resource"
TRUST_ACTIONS_NOT_STS = "AssumeRole policy may only specify STS AssumeRole actions."
#: A trust policy's principal must be typed: ``{"AWS": "*"}``, never the bare ``"*"`` (quoted
#: in AWS CDK's Role tests as IAM's answer to CreateRole).
TRUST_BARE_STAR_PRINCIPAL = 'AssumeRolepolicy contained an invalid principal: "STAR":"*".'
NO_PRINCIPALS = (
    "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: "
    "The passed in policy has a statement with no principals!"
)


def invalid_principal(principal_type: str, value: str) -> str:
    """``Invalid principal in policy: "AWS":"arn:aws:iam::1111:user/*"``.

    AWS prints the principal type upper-cased (``"SERVICE":"amazonaws.com"`` is a recorded
    example; ``"AWS"`` is already upper case). The rendering for ``Federated`` and
    ``CanonicalUser`` follows the same rule.  # message unverified against AWS
    """
    return f'Invalid principal in policy: "{principal_type.upper()}":"{value}"'


# --- LimitExceeded (IAM) -------------------------------------------------------------------------
def quota_exceeded(quota_name: str, limit: int) -> str:
    """``Cannot exceed quota for ACLSizePerRole: 2048`` / ``... PolicySize: 6144``."""
    return f"Cannot exceed quota for {quota_name}: {limit}"


def inline_policies_too_large(limit: int, entity_type: str, entity_name: str) -> str:
    """``Maximum policy size of 10240 bytes exceeded for role NAME`` (``user``/``group`` alike)."""
    return f"Maximum policy size of {limit} bytes exceeded for {entity_type} {entity_name}"


# --- ValidationError (STS) -----------------------------------------------------------------------
def session_policy_too_long(text: str, limit: int) -> str:
    # message unverified against AWS (AWS's generic constraint text, member "policy")
    return (
        f"1 validation error detected: Value '{text}' at 'policy' failed to satisfy "
        f"constraint: Member must have length less than or equal to {limit}"
    )


# --- MalformedPolicyDocument: conditions (added by the compiler) --------------------------------
def invalid_condition_operator(operator: str) -> str:
    # message unverified against AWS
    return f"Invalid Condition type : {operator}."
