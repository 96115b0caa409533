"""Characters XML 1.0 cannot carry, in a value an answer echoes (found by tests/faults fuzzing:
``Action=%00`` made InvalidAction's message, and so the whole answer, not XML)."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from rolegate.domain.errors import InvalidAction
from rolegate.wire import load_service
from rolegate.wire.xml_out import escape_text


@pytest.mark.parametrize("char", ["\x00", "\x08", "\x0b", "\x0c", "\x1f", "\ud800", "\uffff"])
def test_a_character_outside_xml_becomes_the_replacement_character(char: str) -> None:
    assert escape_text(f"a{char}<b") == "a\ufffd&lt;b"


def test_whitespace_and_text_xml_allows_are_kept() -> None:
    assert escape_text("tab\there\nnew é日\U0001f600") == "tab\there\nnew é日\U0001f600"
    assert escape_text("cr\r") == "cr&#xD;"


def test_an_error_echoing_a_nul_is_well_formed() -> None:
    error = InvalidAction("Could not find operation \x00 for version 2010-05-08")
    body = load_service("iam").serialize_error(error, "rid")
    message = ElementTree.fromstring(body).find(".//{*}Message")
    assert message is not None
    assert message.text == "Could not find operation \ufffd for version 2010-05-08"
