"""The file that carries AWS's managed policies (``aws_managed_policies.zip``): its format, the
writer ``scripts/refresh_managed_policies.py`` uses and the reader the catalogue uses.

A zip archive, so one policy is read without decompressing the others:

- ``index.json``: ``{"source": ..., "policies": [[name, path, description, create date,
  update date, default version number, [[version number, create date], ...]], ...]}``, sorted by
  case-folded name, each policy's versions newest first (as ListPolicyVersions shows them);
- ``default/<name>``: the default version's document (deflate: read on every attach and by
  GetPolicyVersion of the default version);
- ``versions/<name>``: ``{"<number>": document, ...}``, every version (LZMA: successive versions
  are nearly the same text, which its large window finds).

Documents are kept as the text GetPolicyVersion returns.
"""

from __future__ import annotations

import functools
import json
import threading
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ARCHIVE = Path(__file__).parent / "aws_managed_policies.zip"
_INDEX = "index.json"


@dataclass(frozen=True, slots=True)
class ArchivedPolicy:
    """One policy as the archive's writer takes it."""

    name: str
    path: str
    description: str | None
    create_date: str  # ISO 8601
    update_date: str
    default_version: int
    versions: dict[int, tuple[str, str]]  # number -> (create date, document)


def write_archive(target: Path, policies: Iterable[ArchivedPolicy], source: str) -> None:
    ordered = sorted(policies, key=lambda p: p.name.lower())
    index = []
    with zipfile.ZipFile(target, "w") as archive:
        for policy in ordered:
            if policy.default_version not in policy.versions:
                raise ValueError(f"{policy.name}: no document for its default version")
            numbers = sorted(policy.versions, reverse=True)
            index.append(
                [
                    policy.name,
                    policy.path,
                    policy.description,
                    policy.create_date,
                    policy.update_date,
                    policy.default_version,
                    [[n, policy.versions[n][0]] for n in numbers],
                ]
            )
            archive.writestr(
                _member("default", policy.name),
                policy.versions[policy.default_version][1],
                compress_type=zipfile.ZIP_DEFLATED,
                compresslevel=9,
            )
            every = {str(n): policy.versions[n][1] for n in numbers}
            archive.writestr(
                _member("versions", policy.name),
                json.dumps(every, separators=(",", ":")),
                compress_type=zipfile.ZIP_LZMA,
            )
        text = json.dumps({"source": source, "policies": index}, separators=(",", ":"))
        archive.writestr(_INDEX, text, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)


class PolicyArchive:
    """Reads an archive lazily: nothing before the first call, then the index once; documents
    are read from their members when asked for (the few read often stay cached)."""

    def __init__(self, path: Path = ARCHIVE) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._zip: zipfile.ZipFile | None = None
        self.default_document = functools.lru_cache(maxsize=64)(self._default_document)

    def _archive(self) -> zipfile.ZipFile:
        with self._lock:
            if self._zip is None:
                self._zip = zipfile.ZipFile(self._path)
            return self._zip

    def _read(self, member: str) -> bytes:
        # ZipFile serialises reads of its one file; each open() gets its own decompressor.
        with self._archive().open(member) as handle:
            return handle.read()

    def index(self) -> tuple[str, list[list[Any]]]:
        """(source, policies): the rows of ``index.json`` described above."""
        data = json.loads(self._read(_INDEX))
        return str(data["source"]), list(data["policies"])

    def _default_document(self, name: str) -> str:
        return self._read(_member("default", name)).decode("utf-8")

    def versions(self, name: str) -> dict[int, str]:
        """Every version's document, by number."""
        data = json.loads(self._read(_member("versions", name)))
        return {int(number): str(document) for number, document in data.items()}


def _member(kind: str, name: str) -> str:
    return f"{kind}/{name}"
