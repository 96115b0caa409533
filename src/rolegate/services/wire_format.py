"""Named quirks of how IAM presents values on the wire."""

from __future__ import annotations

from urllib.parse import quote


def url_encoded_policy(document: str) -> str:
    """IAM returns every policy document URL-encoded (RFC 3986), as it was submitted.

    GetRole, ListRoles, GetRolePolicy, … all do this; botocore url-decodes and parses it back
    (its ``json_decode_policies`` handler), the AWS CLI prints the decoded JSON.
    """
    return quote(document, safe="-_.~")
