"""The wildcard compiler agrees with the slow reference matcher (issue 3 -> Tests)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from rolegate.policy.reference import (
    STAR,
    arn_match,
    arn_tokens_match,
    glob_match,
    glob_tokens_match,
    tokens_of,
)
from rolegate.policy.wildcard import build_matcher, glob_regex

PATTERN_CHARS = st.sampled_from(list("ab:*?/.+(\\\n"))
TEXT_CHARS = st.sampled_from(list("ab:/.+(\\\n"))
patterns = st.lists(PATTERN_CHARS, max_size=14).map("".join)
texts = st.lists(TEXT_CHARS, max_size=14).map("".join)
arn_patterns = st.builds(
    lambda parts, tail: ":".join(["arn", *parts, tail]),
    st.lists(
        st.lists(st.sampled_from(list("ab*?")), max_size=3).map("".join), min_size=4, max_size=4
    ),
    patterns,
)
arn_texts = st.builds(
    lambda parts, tail: ":".join(["arn", *parts, tail]),
    st.lists(
        st.lists(st.sampled_from(list("ab")), max_size=3).map("".join), min_size=4, max_size=4
    ),
    texts,
)
SETTINGS = settings(max_examples=400, deadline=None)


@SETTINGS
@given(patterns, texts)
def test_plain_glob_agrees_with_reference(pattern: str, text: str) -> None:
    assert bool(build_matcher(pattern, arn=False)(text)) == glob_match(pattern, text)


@SETTINGS
@given(patterns | arn_patterns, texts | arn_texts)
def test_arn_glob_agrees_with_reference(pattern: str, text: str) -> None:
    assert bool(build_matcher(pattern, arn=True)(text)) == arn_match(pattern, text)


@SETTINGS
@given(st.lists(st.tuples(patterns, st.booleans()), max_size=4), texts, st.booleans())
def test_literal_pieces_never_act_as_wildcards(
    pieces: list[tuple[str, bool]], text: str, arn: bool
) -> None:
    tokens: list[object] = []
    for piece, literal in pieces:
        tokens.extend(piece if literal else tokens_of(piece))
    if arn and tokens == [STAR]:
        return  # a lone "*" matches everything: special-cased by build_matcher and the reference
    compiled = re.fullmatch(glob_regex(pieces, arn=arn), text, re.DOTALL) is not None
    expected = arn_tokens_match(tokens, text) if arn else glob_tokens_match(tokens, text)
    assert compiled == expected
