"""atheris: policy documents (policy/parser.py and validate.py), of every kind, as text that a
request carries (any Unicode, any JSON or not)."""

from __future__ import annotations

import atheris

with atheris.instrument_imports():
    from rolegate.domain.errors import AwsError
    from rolegate.policy.ast import PolicyKind
    from rolegate.policy.validate import validate_policy

from common import run

KINDS = list(PolicyKind)


def test_one(data: bytes) -> None:
    """The first byte picks the kind; the rest is the text (UTF-8, or else Latin-1)."""
    if not data:
        return
    kind = KINDS[data[0] % len(KINDS)]
    try:
        text = data[1:].decode("utf-8")
    except UnicodeDecodeError:
        text = data[1:].decode("latin-1")
    try:
        validate_policy(text, kind)
    except AwsError:
        return


SEEDS = [
    b"\x00\x01" + b'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*"],'
    b'"Resource":"arn:aws:s3:::b/${aws:username}/*","Condition":{"StringLike":'
    b'{"aws:PrincipalTag/team":["a*","b"]},"Bool":{"aws:SecureTransport":"true"}}}]}',
    b"\x02\x01" + b'{"Version":"2012-10-17","Statement":{"Sid":"T","Effect":"Allow","Principal":'
    b'{"AWS":["arn:aws:iam::123456789012:root","*"],"Federated":"cognito-identity.amazonaws.com"},'
    b'"Action":"sts:AssumeRole","NotResource":"*","Condition":{"DateLessThan":'
    b'{"aws:TokenIssueTime":"2024-01-01T00:00:00Z"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}',
    b"\x01" + b'{"Statement":[{"Effect":"Deny","NotAction":"iam:*","Resource":["*"]}]}',
]

if __name__ == "__main__":
    run(test_one, SEEDS)
