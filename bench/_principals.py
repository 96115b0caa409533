"""Who signs the benchmark's requests: the account's root user, or an IAM user.

AWS evaluates no identity policies for the root user, so a root-signed mix never exercises the
policy engine. ``--principal user`` runs the mix as an IAM user whose inline policy allows
everything: each request is then authorized by policy evaluation, as most real callers are, and
``sts:AssumeRole`` becomes possible (AWS refuses it to the root user).
"""

from __future__ import annotations

import json
from dataclasses import replace
from xml.etree import ElementTree

from _driver import describe_failure
from _http import Call, Endpoint, SignedClient

PRINCIPALS = ("root", "user")
BENCH_USER = "bench-user"
ALLOW_EVERYTHING = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def endpoint_for(principal: str, root: Endpoint) -> Endpoint:
    """The endpoint (with credentials) the mix runs as; creates the IAM user when needed.

    Raises RuntimeError when the server refuses a setup call.
    """
    if principal == "root":
        return root
    client = SignedClient(root)
    try:
        _expect(client, Call("iam", "CreateUser", (("UserName", BENCH_USER),)))
        policy = json.dumps(ALLOW_EVERYTHING, separators=(",", ":"))
        params = (("UserName", BENCH_USER), ("PolicyName", "bench-all"), ("PolicyDocument", policy))
        _expect(client, Call("iam", "PutUserPolicy", params))
        body = _expect(client, Call("iam", "CreateAccessKey", (("UserName", BENCH_USER),)))
    finally:
        client.close()
    document = ElementTree.fromstring(body)
    key_id, secret = _text(document, "AccessKeyId"), _text(document, "SecretAccessKey")
    return replace(root, access_key_id=key_id, secret_access_key=secret, session_token=None)


def _expect(client: SignedClient, call: Call) -> bytes:
    outcome = client.send(call)
    if not outcome.succeeded(call.action):
        detail = describe_failure(outcome)
        raise RuntimeError(f"{call.action} for the benchmark user failed: {detail}")
    return outcome.body


def _text(document: ElementTree.Element, local_name: str) -> str:
    for element in document.iter():
        if element.tag.rsplit("}", 1)[-1] == local_name and element.text:
            return element.text
    raise RuntimeError(f"CreateAccessKey answer has no {local_name}")
