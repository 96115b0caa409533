"""SSH public keys end to end on SQLite and PostgreSQL: upload in the OpenSSH and PEM forms,
the MD5 fingerprint, Get in either encoding, list, status, delete, AWS's limit of five, and every
bad key with AWS's code and status; DeleteUser refuses while a key remains."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from credential_helpers import openssh, pem_public_key, rsa_public_key
from cryptography.hazmat.primitives.asymmetric import ec
from policy_helpers import fails


def md5_fingerprint(line: str) -> str:
    digest = hashlib.md5(base64.b64decode(line.split()[1])).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def test_lifecycle_in_both_encodings(iam: Any, unique: Any) -> None:
    name = unique("git")
    iam.create_user(UserName=name)
    key = rsa_public_key()
    line = openssh(key)
    uploaded = iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=f"{line} me@laptop")[
        "SSHPublicKey"
    ]
    key_id = uploaded["SSHPublicKeyId"]
    assert key_id.startswith("APKA") and len(key_id) == 20 and key_id.isalnum()
    assert uploaded["Fingerprint"] == md5_fingerprint(line)
    assert (uploaded["UserName"], uploaded["Status"]) == (name, "Active")
    assert uploaded["SSHPublicKeyBody"] == f"{line} me@laptop"
    as_ssh = iam.get_ssh_public_key(UserName=name, SSHPublicKeyId=key_id, Encoding="SSH")
    assert as_ssh["SSHPublicKey"]["SSHPublicKeyBody"] == line
    as_pem = iam.get_ssh_public_key(UserName=name, SSHPublicKeyId=key_id, Encoding="PEM")
    assert as_pem["SSHPublicKey"]["SSHPublicKeyBody"] == pem_public_key(key)
    # a key uploaded as PEM has the same fingerprint as its OpenSSH form
    other = rsa_public_key()
    from_pem = iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=pem_public_key(other))
    assert from_pem["SSHPublicKey"]["Fingerprint"] == md5_fingerprint(openssh(other))
    listed = iam.list_ssh_public_keys(UserName=name)
    assert [k["SSHPublicKeyId"] for k in listed["SSHPublicKeys"]] == [
        key_id,
        from_pem["SSHPublicKey"]["SSHPublicKeyId"],
    ]
    assert set(listed["SSHPublicKeys"][0]) == {"UserName", "SSHPublicKeyId", "Status", "UploadDate"}
    first = iam.list_ssh_public_keys(UserName=name, MaxItems=1)
    assert (first["IsTruncated"], len(first["SSHPublicKeys"])) == (True, 1)
    rest = iam.list_ssh_public_keys(UserName=name, Marker=first["Marker"])
    assert [k["SSHPublicKeyId"] for k in rest["SSHPublicKeys"]] == [
        from_pem["SSHPublicKey"]["SSHPublicKeyId"]
    ]
    iam.update_ssh_public_key(UserName=name, SSHPublicKeyId=key_id, Status="Inactive")
    got = iam.get_ssh_public_key(UserName=name, SSHPublicKeyId=key_id, Encoding="SSH")
    assert got["SSHPublicKey"]["Status"] == "Inactive"
    assert fails(iam.delete_user, UserName=name) == (
        "DeleteConflict",
        409,
        "Cannot delete entity, must delete SSH public keys first.",
    )
    for listed_key in iam.list_ssh_public_keys(UserName=name)["SSHPublicKeys"]:
        iam.delete_ssh_public_key(UserName=name, SSHPublicKeyId=listed_key["SSHPublicKeyId"])
    assert iam.list_ssh_public_keys(UserName=name)["SSHPublicKeys"] == []
    iam.delete_user(UserName=name)


def test_unknown_keys(iam: Any, unique: Any) -> None:
    name, other = unique("git"), unique("git")
    iam.create_user(UserName=name)
    iam.create_user(UserName=other)
    theirs = iam.upload_ssh_public_key(UserName=other, SSHPublicKeyBody=openssh(rsa_public_key()))
    their_id = theirs["SSHPublicKey"]["SSHPublicKeyId"]
    for key_id in ("APKA" + "A" * 16, their_id):  # unknown, or another user's
        missing = ("NoSuchEntity", 404, f"The Public Key with id {key_id} cannot be found.")
        assert (
            fails(iam.get_ssh_public_key, UserName=name, SSHPublicKeyId=key_id, Encoding="SSH")
            == missing
        )
        assert (
            fails(iam.update_ssh_public_key, UserName=name, SSHPublicKeyId=key_id, Status="Active")
            == missing
        )
        assert fails(iam.delete_ssh_public_key, UserName=name, SSHPublicKeyId=key_id) == missing
    # the other user's key is untouched
    got = iam.get_ssh_public_key(UserName=other, SSHPublicKeyId=their_id, Encoding="SSH")
    assert got["SSHPublicKey"]["Status"] == "Active"
    nobody = unique("nobody")
    assert fails(iam.list_ssh_public_keys, UserName=nobody) == (
        "NoSuchEntity",
        404,
        f"The user with name {nobody} cannot be found.",
    )


def test_bad_keys(iam: Any, unique: Any) -> None:
    name = unique("git")
    iam.create_user(UserName=name)
    line = openssh(rsa_public_key())
    ec_key = ec.generate_private_key(ec.SECP256R1()).public_key()
    cases = {
        "not a key at all": (
            "UnrecognizedPublicKeyEncoding",
            400,
            "The public key encoding format is unsupported or unrecognized.",
        ),
        "ssh-rsa AAAAnot-base64!": (
            "InvalidPublicKey",
            400,
            "Key is not in valid OpenSSH public key format",
        ),
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----": (
            "InvalidPublicKey",
            400,
            "Key is not in valid PEM public key format",
        ),
        openssh(ec_key): ("InvalidPublicKey", 400, "Key is not in valid OpenSSH public key format"),
        openssh(rsa_public_key(1024)): (
            "InvalidPublicKey",
            400,
            "The minimum bit-length of the public key is 2048 bits.",
        ),
    }
    for body, answer in cases.items():
        assert fails(iam.upload_ssh_public_key, UserName=name, SSHPublicKeyBody=body) == answer
    assert iam.list_ssh_public_keys(UserName=name)["SSHPublicKeys"] == []
    iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=line)
    assert fails(iam.upload_ssh_public_key, UserName=name, SSHPublicKeyBody=line + " again") == (
        "DuplicateSSHPublicKey",
        400,
        "The Public key already exists.",
    )
    key_id = iam.list_ssh_public_keys(UserName=name)["SSHPublicKeys"][0]["SSHPublicKeyId"]
    assert fails(iam.get_ssh_public_key, UserName=name, SSHPublicKeyId=key_id, Encoding="DER") == (
        "ValidationError",
        400,
        "1 validation error detected: Value at 'encoding' failed to satisfy constraint: "
        "Member must satisfy enum value set: [SSH, PEM]",
    )


def test_five_keys_per_user(iam: Any, unique: Any) -> None:
    name = unique("git")
    iam.create_user(UserName=name)
    for _ in range(5):
        iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=openssh(rsa_public_key()))
    assert fails(
        iam.upload_ssh_public_key, UserName=name, SSHPublicKeyBody=openssh(rsa_public_key())
    ) == ("LimitExceeded", 409, "Cannot exceed quota for SSHPublicKeysPerUser: 5")
    assert len(iam.list_ssh_public_keys(UserName=name)["SSHPublicKeys"]) == 5
