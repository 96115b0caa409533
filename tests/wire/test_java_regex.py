"""Java patterns from the models, translated for the ``regex`` package."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from rolegate.wire.java_regex import compile_java_regex, translate_java_regex


def model_patterns() -> list[str]:
    patterns: set[str] = set()
    for file_name in ("iam-2010-05-08.json", "sts-2011-06-15.json"):
        text = resources.files("rolegate.wire").joinpath("models", file_name).read_text("utf-8")
        for shape in json.loads(text)["shapes"].values():
            if "pattern" in shape:
                patterns.add(shape["pattern"])
    return sorted(patterns)


@pytest.mark.parametrize("pattern", model_patterns())
def test_every_model_pattern_compiles(pattern: str) -> None:
    assert compile_java_regex(pattern) is compile_java_regex(pattern)  # compiled once


@pytest.mark.parametrize(
    ("value", "matches"),
    [
        ("role-name_1+=,.@", True),
        ("r\u00e9le", False),
        ("r\u0663", False),
        ("a:b", False),
        ("", False),
    ],
)
def test_word_class_is_ascii_only(value: str, matches: bool) -> None:
    assert (compile_java_regex(r"[\w+=,.@-]+").fullmatch(value) is not None) is matches


def test_word_escape_outside_a_set_is_ascii_only() -> None:
    pattern = compile_java_regex(r"\w+")
    assert pattern.fullmatch("abc_09")
    assert not pattern.fullmatch("\u00e9")


def test_digit_class_is_ascii_only() -> None:
    pattern = compile_java_regex(r"[\d]+")
    assert pattern.fullmatch("123456")
    assert not pattern.fullmatch("\u0661\u0662")  # Arabic-Indic digits are \d in Python


@pytest.mark.parametrize(
    ("value", "matches"),
    [
        ("caf\u00e9 \u65e5\u672c:/=+-@_.", True),  # Unicode letters and spaces are tag characters
        ("\u0663\u2003", True),  # \p{N} and \p{Z} are Unicode-wide
        ("a!b", False),
        ("a\tb", False),
    ],
)
def test_unicode_properties_stay_unicode(value: str, matches: bool) -> None:
    pattern = compile_java_regex(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+")
    assert (pattern.fullmatch(value) is not None) is matches


def test_four_digit_unicode_escapes_in_ranges() -> None:
    pattern = compile_java_regex(r"[\u0009\u000A\u000D\u0020-\u00FF]+")
    assert pattern.fullmatch('{"Version": "2012-10-17"}\n\t\u00ff')
    assert not pattern.fullmatch("\u0100")
    assert not pattern.fullmatch("\u0007")


def test_java_reads_u10000_as_u1000_then_zero() -> None:
    # The STS model writes \u10000-\u10FFFF, which Java reads as \u1000, '0'-\u10FF, 'F', 'F'.
    pattern = compile_java_regex(
        r"[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+"
    )
    assert pattern.fullmatch("saml-assertion \u00e9\ufffd")
    assert not pattern.fullmatch("\U0001f600")  # supplementary characters are outside the set
    assert not pattern.fullmatch("\u0000")


def test_patterns_are_full_matches() -> None:
    pattern = compile_java_regex(r"[\w+=,.@-]+")
    assert not pattern.fullmatch("ok\n")
    assert compile_java_regex(r"^o-[a-z0-9]{10,32}$").fullmatch("o-abcdefghij")
    assert not compile_java_regex(r"^o-[a-z0-9]{10,32}$").fullmatch("o-abcdefghij\n")


@pytest.mark.parametrize(
    ("java", "python"),
    [
        (r"[\w]+", "[a-zA-Z0-9_]+"),
        (r"\w+", "[a-zA-Z0-9_]+"),
        (r"\d{12}", "[0-9]{12}"),
        (r"[\w+=,.@\:\/-]*", r"[a-zA-Z0-9_+=,.@\:\/-]*"),
        (r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+", r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+"),
        (r"[\x21\x23-\x2B]+", r"[\x21\x23-\x2B]+"),
        (r"\u002F[\u0021-\u007F]*", r"\u002F[\u0021-\u007F]*"),
        (r"a*+b++", r"a*+b++"),
        (r"-(?!-)", r"-(?!-)"),
    ],
)
def test_translation(java: str, python: str) -> None:
    assert translate_java_regex(java) == python


def test_possessive_quantifiers_keep_java_meaning() -> None:
    assert compile_java_regex(r"a*+a").fullmatch("aaa") is None
    assert compile_java_regex(r"(?>a*)b").fullmatch("aab")


@pytest.mark.parametrize(
    "pattern",
    [
        r"\s+",  # Java: ASCII whitespace; regex: Unicode whitespace
        r"[\W]",
        r"\D",
        r"\Qa.b\E+",  # a literal quote
        r"\x{1F600}",  # a code point
        r"\p{Alpha}+",  # POSIX classes are ASCII in Java
        r"[\P{Alpha}]",
        r"a\z",  # Java's absolute end
        r"a\Z",
        r"(a)\1",
        r"[a[b]]",  # a set inside a set: a union in Java
        r"[a-z&&[^x]]",  # an intersection in Java
        r"[]a]",  # a literal ']' first in the set
        r"[^]a]",
    ],
)
def test_constructs_outside_the_models_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError):
        translate_java_regex(pattern)
