"""Server settings: flags over ROLEGATE_* variables over defaults, and what bad values get."""

from __future__ import annotations

import pytest

from rolegate.server.settings import Settings


def test_two_request_threads_by_default() -> None:
    assert Settings.from_sources({}, {}).threads == 2


def test_threads_come_from_the_flag_over_the_environment() -> None:
    assert Settings.from_sources({}, {"ROLEGATE_THREADS": "3"}).threads == 3
    assert Settings.from_sources({"threads": 5}, {"ROLEGATE_THREADS": "3"}).threads == 5


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_threads_must_be_a_whole_number_of_at_least_one(value: str) -> None:
    with pytest.raises(ValueError, match="--threads must be a whole number of at least 1"):
        Settings.from_sources({}, {"ROLEGATE_THREADS": value})


def test_no_proxy_is_trusted_by_default() -> None:
    assert Settings.from_sources({}, {}).trusted_proxies == ()


def test_proxies_from_the_flag_over_the_environment() -> None:
    env = {"ROLEGATE_TRUSTED_PROXIES": "10.0.0.0/8"}
    assert Settings.from_sources({}, env).trusted_proxies == ("10.0.0.0/8",)
    settings = Settings.from_sources({"trusted_proxies": "127.0.0.1"}, env)
    assert settings.trusted_proxies == ("127.0.0.1/32",)
