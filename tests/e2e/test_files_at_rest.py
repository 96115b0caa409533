"""What ``rolegate serve`` leaves in a data directory that already exists (SQLite, its default):
every file private to its owner, and nothing planted there beforehand written through."""

from __future__ import annotations

import json
import stat
from dataclasses import dataclass
from pathlib import Path

from harness import Server


@dataclass
class FirstStartServer(Server):
    """No configured root key: the first start generates one and saves it to a file."""

    def environment(self) -> dict[str, str]:
        env = super().environment()
        del env["ROLEGATE_ROOT_ACCESS_KEY_ID"], env["ROLEGATE_ROOT_SECRET_ACCESS_KEY"]
        return env


def test_a_first_start_in_an_existing_directory_writes_only_private_files(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    (data_dir / ".root-credentials.json.tmp").symlink_to(victim)  # the old fixed name
    server = FirstStartServer(data_dir, None).start()
    try:
        saved = json.loads((data_dir / "root-credentials.json").read_text())
        iam = server.client("iam", saved["AccessKeyId"], saved["SecretAccessKey"])
        iam.create_user(UserName="written")  # the saved credentials work, and SQLite writes
        modes = {
            path.name: stat.S_IMODE(path.lstat().st_mode)
            for path in data_dir.iterdir()
            if not path.name.startswith(("server-", ".root-credentials.json.tmp"))
        }
    finally:
        server.stop()
    assert modes == {
        "rolegate.db": 0o600,
        "rolegate.db-wal": 0o600,
        "rolegate.db-shm": 0o600,
        "rolegate.db-rolegate-changes": 0o600,  # store.change_slot
        "master.key": 0o600,
        "root-credentials.json": 0o600,
    }
    assert victim.read_text() == "precious\n"
