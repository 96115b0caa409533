"""Who signs the benchmark's requests: the account's root user, or an IAM user.

AWS evaluates no identity policies for the root user, so a root-signed mix never exercises the
policy engine. ``--principal user`` runs the mix as an IAM user whose inline policy allows
everything: each request is then authorized by policy evaluation, as most real callers are, and
``sts:AssumeRole`` becomes possible (AWS refuses it to the root user).
"""

from __future__ import annotations

import json
from dataclasses import replace

from _http import Call, Endpoint, SignedClient, answer_text, expect

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
        expect(client, Call("iam", "CreateUser", (("UserName", BENCH_USER),)))
        policy = json.dumps(ALLOW_EVERYTHING, separators=(",", ":"))
        params = (("UserName", BENCH_USER), ("PolicyName", "bench-all"), ("PolicyDocument", policy))
        expect(client, Call("iam", "PutUserPolicy", params))
        body = expect(client, Call("iam", "CreateAccessKey", (("UserName", BENCH_USER),)))
    finally:
        client.close()
    key_id, secret = answer_text(body, "AccessKeyId"), answer_text(body, "SecretAccessKey")
    return replace(root, access_key_id=key_id, secret_access_key=secret, session_token=None)
