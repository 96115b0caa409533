"""Which operations the server tries on the event loop (server.inline), and the transport that
writes each response at once (server.one_write)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from rolegate.server.inline import MISSES_BEFORE_SKIPPING, RETRY_AFTER, InlineAttempts
from rolegate.server.one_write import OneWriteTransport


def _miss_until_skipped(attempts: InlineAttempts, operation: str) -> None:
    for _ in range(MISSES_BEFORE_SKIPPING - 1):
        attempts.missed(operation)
        assert attempts.worth_trying(operation)  # a miss or two (the cache filled): tried again
    attempts.missed(operation)


def test_an_operation_that_keeps_needing_the_database_waits_its_turn_to_be_tried_again() -> None:
    attempts = InlineAttempts()
    assert attempts.worth_trying("GetRole")
    _miss_until_skipped(attempts, "ListRoles")
    tried = [attempts.worth_trying("ListRoles") for _ in range(RETRY_AFTER)]
    assert tried == [False] * (RETRY_AFTER - 1) + [True]
    _miss_until_skipped(attempts, "ListRoles")  # the retries needed the database again
    assert not attempts.worth_trying("ListRoles")
    attempts.missed("ListRoles")  # a request not tried does not restart the count
    assert sum(attempts.worth_trying("ListRoles") for _ in range(RETRY_AFTER - 1)) == 1
    assert attempts.worth_trying("ListRoles")  # answered on the loop since: tried every time
    assert attempts.worth_trying("GetRole")


def test_an_answer_on_the_loop_forgets_the_misses_before_it() -> None:
    attempts = InlineAttempts()
    for _ in range(3):  # misses now and then (new principals), answered in between
        for _ in range(MISSES_BEFORE_SKIPPING - 1):
            attempts.missed("GetRole")
            assert attempts.worth_trying("GetRole")
        attempts.answered("GetRole")
    _miss_until_skipped(attempts, "GetRole")
    assert not attempts.worth_trying("GetRole")


class Recorded:
    """The writes an asyncio transport would send, in order."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else None


HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


def test_a_response_goes_out_in_one_write() -> None:
    sent = Recorded()
    transport = OneWriteTransport(cast(asyncio.Transport, sent))
    transport.write(HEAD)
    assert sent.writes == []
    transport.write(b"ok")
    transport.response_complete()
    transport.write(HEAD)  # the next response on the keep-alive connection
    transport.write(b"no")
    transport.response_complete()
    assert sent.writes == [HEAD + b"ok", HEAD + b"no"]
    assert transport.get_extra_info("peername") == ("127.0.0.1", 1)


def test_a_head_without_a_body_goes_out_when_the_response_ends_or_the_connection_closes() -> None:
    sent = Recorded()
    transport = OneWriteTransport(cast(asyncio.Transport, sent))
    transport.write(HEAD)  # a HEAD request's answer: no body write follows
    transport.response_complete()
    transport.write(HEAD)
    transport.close()  # Connection: close
    assert sent.writes == [HEAD, HEAD] and sent.closed


def test_a_100_continue_is_written_at_once() -> None:
    sent = Recorded()
    transport = OneWriteTransport(cast(asyncio.Transport, sent))
    interim = b"HTTP/1.1 100 Continue\r\n\r\n"
    transport.write(interim)  # the client waits for it before sending the body
    assert sent.writes == [interim]
    transport.write(HEAD)
    transport.write(b"ok")
    assert sent.writes == [interim, HEAD + b"ok"]
