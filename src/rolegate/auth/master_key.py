"""The master key: from ROLEGATE_MASTER_KEY, else the file ROLEGATE_MASTER_KEY_FILE names, else
``<data dir>/master.key``, else created there.

This is auth's only I/O (and its only use of the system's randomness outside nonces). The key is
never logged and never appears in an error message.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import tempfile
from pathlib import Path

ENV_VAR = "ROLEGATE_MASTER_KEY"
KEY_FILE_NAME = "master.key"
MASTER_KEY_BYTES = 32


def decode_master_key(text: str, *, source: str) -> bytes:
    """Standard base64 of exactly 32 bytes (surrounding whitespace ignored)."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{source} is not valid base64 (expected 32 random bytes)") from None
    if len(key) != MASTER_KEY_BYTES:
        raise ValueError(
            f"{source} must be the base64 encoding of exactly {MASTER_KEY_BYTES} bytes, "
            f"got {len(key)} bytes"
        )
    return key


def load_or_create_master_key(
    data_dir: Path, env_value: str | None, key_file: Path | None = None
) -> bytes:
    """``env_value`` (ROLEGATE_MASTER_KEY) wins, then ``key_file`` (ROLEGATE_MASTER_KEY_FILE);
    else read or atomically create ``<data dir>/master.key``.

    The file holds the base64 text and is created with mode 0600: written to a private
    temporary file (``mkstemp``: ``O_EXCL | O_NOFOLLOW``, unpredictable name), fsynced, then
    hard-linked into place (``link`` neither follows nor replaces what is at the path) so that
    a concurrent starter either wins or reads the winner's complete file. An existing key file
    may be a symbolic link (a mounted secret); one whose target is missing is an error, never
    a place to create the key.
    """
    if env_value is not None and env_value.strip():
        return decode_master_key(env_value, source=ENV_VAR)
    if key_file is not None:
        return decode_master_key(key_file.read_text(encoding="ascii"), source=str(key_file))
    path = data_dir / KEY_FILE_NAME
    if path.exists():
        return decode_master_key(path.read_text(encoding="ascii"), source=str(path))
    if path.is_symlink():
        raise ValueError(f"{path} is a symbolic link to a missing file")
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    encoded = base64.b64encode(os.urandom(MASTER_KEY_BYTES)) + b"\n"
    descriptor, temporary_name = tempfile.mkstemp(prefix=f".{KEY_FILE_NAME}.", dir=data_dir)
    temporary = Path(temporary_name)  # mkstemp: O_EXCL, mode 0600, unpredictable name
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(encoded)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # a concurrent starter won; use its key
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_directory(data_dir)
    return decode_master_key(path.read_text(encoding="ascii"), source=str(path))


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
