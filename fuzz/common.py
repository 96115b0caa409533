"""What the atheris harnesses share: seeding the corpus and starting libFuzzer.

Each harness is ``python fuzz/<name>.py CORPUS_DIR [libFuzzer flags]`` (``make fuzz-parsers``
runs them all, docs/faults.md). A harness calls its parser on the fuzzer's bytes and lets only
the parser's documented errors through (rolegate's ``AwsError``: the AWS answer the request
gets); any other exception is a finding, and libFuzzer stops on it with the input saved.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import atheris


def seed(corpus: Path, inputs: Iterable[bytes]) -> None:
    """Write ``inputs`` into the corpus directory (once: named by their hash)."""
    corpus.mkdir(parents=True, exist_ok=True)
    for data in inputs:
        (corpus / hashlib.sha256(data).hexdigest()[:16]).write_bytes(data)


def run(test_one: Callable[[bytes], None], seeds: Iterable[bytes]) -> None:
    """Seed the corpus (the first argument that is not a flag), then fuzz ``test_one``."""
    corpora = [arg for arg in sys.argv[1:] if not arg.startswith("-")]
    if corpora:
        seed(Path(corpora[0]), seeds)
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()
