"""How ``rolegate serve --workers N`` hands the master key to its worker processes without
putting it in their environment.

uvicorn starts each worker with multiprocessing's "spawn": a new interpreter that inherits the
parent's environment and no open file, and that builds its settings from ``ROLEGATE_*``
variables (``app_from_environment``). A key among those would sit in every worker's
``/proc/<pid>/environ`` for its whole life and pass to anything it starts. So the parent drops
ROLEGATE_MASTER_KEY from its environment before the first worker starts and, when the key came
from there, writes it to a private file instead: mode 0600 in a directory of its own (0700),
on ``/dev/shm`` where there is one (memory, never disk). The workers get its path,
ROLEGATE_MASTER_KEY_FILE, which is no secret.

uvicorn restarts a worker that dies, so the file stays until the server process exits and is
removed then (``atexit``; uvicorn returns on SIGTERM and SIGINT). A server killed with SIGKILL
leaves it, readable by its user only, until the next reboot. A key already in a file
(``master.key`` in the data directory, or the operator's own ROLEGATE_MASTER_KEY_FILE) needs
nothing: the workers read that file.
"""

from __future__ import annotations

import atexit
import dataclasses
import os
import shutil
import tempfile
from pathlib import Path

from rolegate.auth.master_key import ENV_VAR, KEY_FILE_NAME
from rolegate.server.settings import Settings

_MEMORY_DIRECTORY = Path("/dev/shm")


def settings_for_workers(settings: Settings) -> Settings:
    """``settings`` as the workers get them; from now on this process's environment holds no
    ROLEGATE_MASTER_KEY, and the private key file (if one was needed) lives until it exits."""
    os.environ.pop(ENV_VAR, None)
    if not settings.master_key:
        return settings
    directory = Path(tempfile.mkdtemp(prefix="rolegate-", dir=_memory_directory()))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    path = directory / KEY_FILE_NAME
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    with os.fdopen(os.open(path, flags, 0o600), "w", encoding="ascii") as handle:
        handle.write(settings.master_key.strip() + "\n")
    return dataclasses.replace(settings, master_key=None, master_key_file=path)


def _memory_directory() -> str | None:
    """``/dev/shm`` (a tmpfs on Linux) when this process may write there, else the default."""
    if _MEMORY_DIRECTORY.is_dir() and os.access(_MEMORY_DIRECTORY, os.W_OK | os.X_OK):
        return str(_MEMORY_DIRECTORY)
    return None
