"""Named quirks of how IAM presents values on the wire."""

from __future__ import annotations

import functools
import string
from urllib.parse import quote

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-_.~")
# ASCII text is percent-encoded with one C-level str.translate; other text goes through quote().
_ASCII_ENCODING = {c: f"%{c:02X}" for c in range(128) if chr(c) not in _UNRESERVED}


@functools.lru_cache(maxsize=1024)  # documents repeat (one trust policy for many roles)
def url_encoded_policy(document: str) -> str:
    """IAM returns every policy document URL-encoded (RFC 3986), as it was submitted.

    GetRole, ListRoles, GetRolePolicy, … all do this; botocore url-decodes and parses it back
    (its ``json_decode_policies`` handler), the AWS CLI prints the decoded JSON.
    """
    if document.isascii():
        return document.translate(_ASCII_ENCODING)
    return quote(document, safe="-_.~")
