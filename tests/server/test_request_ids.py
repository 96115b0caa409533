"""Request ids (domain.ids.request_id): AWS's shape, unique, and not repeated by a forked child."""

from __future__ import annotations

import os
import uuid

from rolegate.domain.ids import request_id


def test_request_ids_are_version_4_uuids_that_do_not_repeat() -> None:
    made = [request_id() for _ in range(20_000)]
    assert len(set(made)) == len(made)
    for rid in made[:100]:
        parsed = uuid.UUID(rid)
        assert str(parsed) == rid and parsed.version == 4 and parsed.variant == uuid.RFC_4122
    # every other digit is random: each of the 16 values turns up, and the variant's 4
    seen = [{rid[i] for rid in made} for i in range(36)]
    assert [len(values) for values in seen] == [
        1 if i in (8, 13, 14, 18, 23) else 4 if i == 19 else 16 for i in range(36)
    ]


def test_a_forked_child_draws_other_ids_than_its_parent() -> None:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, to the parent
        try:
            os.write(write_end, ",".join(request_id() for _ in range(3)).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        child = pipe.read().split(",")
    os.waitpid(pid, 0)
    parent = [request_id() for _ in range(3)]
    assert len(child) == 3 and not set(child) & set(parent)
