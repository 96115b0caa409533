"""KeyRing (AES-256-GCM with key ids and purpose sub-keys) and the master key loader."""

from __future__ import annotations

import base64
import os
import stat
from itertools import count
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from rolegate.auth.keyring import (
    PURPOSE_SECRETS_AT_REST,
    PURPOSE_SESSION_TOKEN,
    KeyRing,
    KeyRingError,
    load_or_create_master_key,
)

OLD = bytes(range(32))
NEW = bytes(range(100, 132))
SECRET = b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def _ring(**keys: bytes) -> KeyRing:
    return KeyRing(keys, next(iter(keys)))


def test_round_trip_with_and_without_aad() -> None:
    ring = _ring(k1=OLD)
    for aad in (b"", b"AKIAIOSFODNN7EXAMPLE"):
        sealed = ring.seal(SECRET, purpose=PURPOSE_SECRETS_AT_REST, aad=aad)
        assert SECRET not in sealed
        assert ring.open(sealed, purpose=PURPOSE_SECRETS_AT_REST, aad=aad) == SECRET
    assert ring.open(ring.seal(b"", purpose="p"), purpose="p") == b""


def test_layout_is_compact_and_names_the_key() -> None:
    ring = _ring(k1=OLD)
    sealed = ring.seal(SECRET, purpose=PURPOSE_SECRETS_AT_REST)
    assert sealed[0] == 1
    assert sealed[1:4] == b"\x02k1"
    assert len(sealed) == len(SECRET) + 1 + 1 + 2 + 12 + 16


def test_nonces_differ_between_seals() -> None:
    ring = _ring(k1=OLD)
    first = ring.seal(SECRET, purpose=PURPOSE_SECRETS_AT_REST)
    second = ring.seal(SECRET, purpose=PURPOSE_SECRETS_AT_REST)
    assert first != second


def test_nonce_source_is_injected() -> None:
    counter = count()
    ring = KeyRing({"k": OLD}, "k", nonce_source=lambda n: next(counter).to_bytes(n, "big"))
    sealed = ring.seal(SECRET, purpose="p")
    assert sealed[:3] == b"\x01\x01k"
    assert sealed[3:15] == bytes(12)
    assert ring.open(sealed, purpose="p") == SECRET


def test_every_flipped_byte_is_detected() -> None:
    ring = _ring(k1=OLD)
    sealed = ring.seal(SECRET, purpose=PURPOSE_SESSION_TOKEN, aad=b"ctx")
    for index in range(len(sealed)):
        for bit in (0x01, 0x80):
            tampered = bytearray(sealed)
            tampered[index] ^= bit
            with pytest.raises(KeyRingError):
                ring.open(bytes(tampered), purpose=PURPOSE_SESSION_TOKEN, aad=b"ctx")


def test_truncation_and_extension_are_detected() -> None:
    ring = _ring(k1=OLD)
    sealed = ring.seal(SECRET, purpose="p")
    for end in range(len(sealed)):
        with pytest.raises(KeyRingError):
            ring.open(sealed[:end], purpose="p")
    with pytest.raises(KeyRingError):
        ring.open(sealed + b"\x00", purpose="p")


def test_wrong_purpose_or_aad_is_rejected() -> None:
    ring = _ring(k1=OLD)
    sealed = ring.seal(SECRET, purpose=PURPOSE_SECRETS_AT_REST, aad=b"AKIA1")
    with pytest.raises(KeyRingError):
        ring.open(sealed, purpose=PURPOSE_SESSION_TOKEN, aad=b"AKIA1")
    with pytest.raises(KeyRingError):
        ring.open(sealed, purpose=PURPOSE_SECRETS_AT_REST, aad=b"AKIA2")
    with pytest.raises(KeyRingError):
        ring.open(sealed, purpose=PURPOSE_SECRETS_AT_REST)


def test_unknown_key_id() -> None:
    sealed = _ring(k1=OLD).seal(SECRET, purpose="p")
    with pytest.raises(KeyRingError, match="unknown key id"):
        _ring(k2=OLD).open(sealed, purpose="p")


def test_same_id_other_key_is_rejected() -> None:
    sealed = _ring(k1=OLD).seal(SECRET, purpose="p")
    with pytest.raises(KeyRingError, match="authentication"):
        _ring(k1=NEW).open(sealed, purpose="p")


def test_rotation_old_key_opens_new_key_seals() -> None:
    before = KeyRing({"2025": OLD}, "2025")
    old_sealed = before.seal(SECRET, purpose="p", aad=b"a")
    after = KeyRing({"2025": OLD, "2026": NEW}, "2026")
    assert after.active_key_id == "2026"
    assert after.open(old_sealed, purpose="p", aad=b"a") == SECRET
    new_sealed = after.seal(SECRET, purpose="p", aad=b"a")
    assert new_sealed[2:6] == b"2026"
    assert after.open(new_sealed, purpose="p", aad=b"a") == SECRET
    with pytest.raises(KeyRingError):
        before.open(new_sealed, purpose="p", aad=b"a")


def test_from_master_key_and_rotation_of_master_keys() -> None:
    old_ring = KeyRing.from_master_key(OLD)
    assert old_ring.active_key_id == KeyRing.from_master_key(OLD).active_key_id
    assert old_ring.active_key_id != KeyRing.from_master_key(NEW).active_key_id
    assert OLD.hex() not in old_ring.active_key_id
    sealed = old_ring.seal(SECRET, purpose=PURPOSE_SECRETS_AT_REST)
    rotated = KeyRing.from_master_keys([NEW, OLD])
    assert rotated.active_key_id == KeyRing.from_master_key(NEW).active_key_id
    assert rotated.open(sealed, purpose=PURPOSE_SECRETS_AT_REST) == SECRET


def test_purpose_sub_keys_differ_from_the_raw_key() -> None:
    """Sub-keys come from HKDF: the raw key does not open what the ring sealed."""
    sealed = _ring(k1=OLD).seal(SECRET, purpose="p")
    header, nonce, body = sealed[:4], sealed[4:16], sealed[16:]
    with pytest.raises(InvalidTag):
        AESGCM(OLD).decrypt(nonce, body, header)


@pytest.mark.parametrize(
    ("keys", "active"),
    [({"k": b"short"}, "k"), ({"k": OLD}, "missing"), ({"": OLD}, ""), ({"ké": OLD}, "ké")],
)
def test_invalid_rings(keys: dict[str, bytes], active: str) -> None:
    with pytest.raises(ValueError):
        KeyRing(keys, active)


def test_empty_purpose_is_refused() -> None:
    with pytest.raises(ValueError):
        _ring(k=OLD).seal(SECRET, purpose="")


# --- master key file -----------------------------------------------------------------------------


def test_creates_a_0600_key_file_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    key = load_or_create_master_key(data_dir, None)
    assert len(key) == 32
    path = data_dir / "master.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert base64.b64decode(path.read_text()) == key
    assert load_or_create_master_key(data_dir, None) == key
    assert load_or_create_master_key(data_dir, "") == key
    assert sorted(p.name for p in data_dir.iterdir()) == ["master.key"]


def test_created_file_is_private_even_with_a_permissive_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        load_or_create_master_key(tmp_path, None)
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "master.key").stat().st_mode) == 0o600


def test_environment_value_wins(tmp_path: Path) -> None:
    load_or_create_master_key(tmp_path, None)
    env = base64.b64encode(NEW).decode()
    assert load_or_create_master_key(tmp_path, env) == NEW
    assert load_or_create_master_key(tmp_path / "fresh", f" {env}\n") == NEW
    assert not (tmp_path / "fresh").exists()


@pytest.mark.parametrize(
    "value",
    ["not base64!", base64.b64encode(b"x" * 31).decode(), base64.b64encode(OLD + b"x").decode()],
)
def test_bad_environment_value(tmp_path: Path, value: str) -> None:
    with pytest.raises(ValueError, match="ROLEGATE_MASTER_KEY") as raised:
        load_or_create_master_key(tmp_path, value)
    assert value not in str(raised.value)


def test_bad_key_file(tmp_path: Path) -> None:
    (tmp_path / "master.key").write_text(base64.b64encode(b"x" * 16).decode())
    with pytest.raises(ValueError, match="16 bytes"):
        load_or_create_master_key(tmp_path, None)


def test_a_key_file_comes_after_the_environment_value(tmp_path: Path) -> None:
    key_file = tmp_path / "elsewhere.key"
    key_file.write_text(base64.b64encode(NEW).decode() + "\n")
    assert load_or_create_master_key(tmp_path / "data", None, key_file) == NEW
    assert not (tmp_path / "data").exists()  # no master.key created beside it
    env = base64.b64encode(OLD).decode()
    assert load_or_create_master_key(tmp_path / "data", env, key_file) == OLD


def test_a_key_is_never_created_through_a_dangling_link(tmp_path: Path) -> None:
    """A link planted at master.key whose target does not exist yet: refused with a clear error
    (was FileNotFoundError), and nothing is written where it points."""
    target = tmp_path / "elsewhere" / "key"
    target.parent.mkdir()
    (tmp_path / "master.key").symlink_to(target)
    with pytest.raises(ValueError, match="symbolic link to a missing file"):
        load_or_create_master_key(tmp_path, None)
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "master.key"]


def test_a_key_file_may_be_a_link_to_a_mounted_secret(tmp_path: Path) -> None:
    secret = tmp_path / "mounted" / "key"
    secret.parent.mkdir()
    secret.write_text(base64.b64encode(NEW).decode())
    (tmp_path / "master.key").symlink_to(secret)
    assert load_or_create_master_key(tmp_path, None) == NEW


def test_concurrent_creators_agree_on_one_key(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = list(pool.map(lambda _: load_or_create_master_key(tmp_path, None), range(16)))
    assert len(set(keys)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["master.key"]


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=512), st.binary(max_size=64), st.text(min_size=1, max_size=20))
def test_round_trip_property(plaintext: bytes, aad: bytes, purpose: str) -> None:
    ring = KeyRing({"a": OLD, "b": NEW}, "b")
    sealed = ring.seal(plaintext, purpose=purpose, aad=aad)
    assert len(sealed) == len(plaintext) + 2 + 1 + 12 + 16
    assert ring.open(sealed, purpose=purpose, aad=aad) == plaintext
    with pytest.raises(KeyRingError):
        ring.open(sealed, purpose=purpose + "x", aad=aad)
    with pytest.raises(KeyRingError):
        ring.open(sealed, purpose=purpose, aad=aad + b"\x00")
