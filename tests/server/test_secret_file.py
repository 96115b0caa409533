"""``write_secret_file``: the root credentials file is private, and nothing planted in the data
directory redirects or exposes it."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from rolegate.server.bootstrap import write_secret_file

SECRET = {"AccessKeyId": "AKIAEXAMPLE", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG"}
NAME = "root-credentials.json"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_a_new_0600_file_even_with_a_permissive_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        path = write_secret_file(tmp_path / "data", NAME, SECRET)
    finally:
        os.umask(previous)
    assert json.loads(path.read_text()) == SECRET
    assert _mode(path) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [NAME]  # no temporary file left


def test_planted_links_and_files_are_never_written_through(tmp_path: Path) -> None:
    """Links at the destination and at the temporary name the old code always used, and a
    world-readable file at that name: the victims keep their text, the credentials land in a
    new private file."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    (data_dir / NAME).symlink_to(victim)
    (data_dir / f".{NAME}.tmp").symlink_to(victim)
    path = write_secret_file(data_dir, NAME, SECRET)
    assert victim.read_text() == "precious\n"
    assert not path.is_symlink() and _mode(path) == 0o600
    assert json.loads(path.read_text()) == SECRET

    (data_dir / f".{NAME}.tmp").unlink()
    readable = data_dir / f".{NAME}.tmp"
    readable.write_text("")
    readable.chmod(0o644)  # someone's file, open for them to read later
    path = write_secret_file(data_dir, NAME, {"replaced": "yes"})
    assert readable.read_text() == ""
    assert json.loads(path.read_text()) == {"replaced": "yes"}
    assert _mode(path) == 0o600
