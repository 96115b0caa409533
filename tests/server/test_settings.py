"""Server settings: flags over ROLEGATE_* variables over defaults, and what bad values get."""

from __future__ import annotations

import os
from pathlib import Path

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


def test_no_proxy_is_trusted_and_no_origin_allowed_by_default() -> None:
    settings = Settings.from_sources({}, {})
    assert (settings.trusted_proxies, settings.allowed_origins) == ((), ())


def test_proxies_and_origins_from_the_flag_over_the_environment() -> None:
    env = {
        "ROLEGATE_TRUSTED_PROXIES": "10.0.0.0/8",
        "ROLEGATE_ALLOWED_ORIGINS": "http://localhost:3000",
    }
    assert Settings.from_sources({}, env).trusted_proxies == ("10.0.0.0/8",)
    flags = {"trusted_proxies": "127.0.0.1", "allowed_origins": "https://a.example"}
    settings = Settings.from_sources(flags, env)
    assert (settings.trusted_proxies, settings.allowed_origins) == (
        ("127.0.0.1/32",),
        ("https://a.example",),
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "rolegate.internal"])
def test_permissive_mode_listens_on_loopback_unless_told_otherwise(host: str) -> None:
    with pytest.raises(ValueError, match="--auth permissive listens on a loopback address only"):
        Settings.from_sources({"auth": "permissive", "host": host}, {})
    told = Settings.from_sources(
        {"auth": "permissive", "host": host}, {"ROLEGATE_ALLOW_REMOTE_PERMISSIVE": "1"}
    )
    assert told.allow_remote_permissive
    assert Settings.from_sources({"auth": "strict", "host": host}, {}).host == host
    assert Settings.from_sources({"auth": "permissive", "host": "::1"}, {}).auth == "permissive"


def test_service_catalog_from_the_flag_over_the_environment(tmp_path: Path) -> None:
    env = {"ROLEGATE_SERVICE_CATALOG": "/etc/rolegate/services.yaml"}
    assert Settings.from_sources({}, {}).service_catalog is None
    assert Settings.from_sources({}, env).service_catalog == Path("/etc/rolegate/services.yaml")
    flag = {"service_catalog": str(tmp_path / "mine.json")}
    assert Settings.from_sources(flag, env).service_catalog == tmp_path / "mine.json"


def test_workers_auto_is_one_process_per_core_this_process_may_use() -> None:
    cores = len(os.sched_getaffinity(0))
    assert Settings.from_sources({}, {}).workers == 1
    assert Settings.from_sources({"workers": "auto"}, {}).workers == cores
    assert Settings.from_sources({}, {"ROLEGATE_WORKERS": "AUTO"}).workers == cores
    assert Settings.from_sources({"workers": "3"}, {"ROLEGATE_WORKERS": "auto"}).workers == 3


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_workers_must_be_auto_or_a_whole_number_of_at_least_one(value: str) -> None:
    with pytest.raises(ValueError, match="--workers must be auto or a whole number of at least 1"):
        Settings.from_sources({"workers": value}, {})


def test_inline_reads_are_on_unless_turned_off() -> None:
    assert Settings.from_sources({}, {}).inline_reads
    assert not Settings.from_sources({}, {"ROLEGATE_INLINE_READS": "0"}).inline_reads
    assert not Settings.from_sources({"inline_reads": "0"}, {}).inline_reads
    assert Settings.from_sources({"inline_reads": "1"}, {"ROLEGATE_INLINE_READS": "0"}).inline_reads


def test_the_audit_writer_is_a_process_unless_told_a_thread() -> None:
    assert Settings.from_sources({}, {}).audit_writer == "process"
    assert Settings.from_sources({}, {"ROLEGATE_AUDIT_WRITER": "thread"}).audit_writer == "thread"
    flags = {"audit_writer": "process"}
    assert Settings.from_sources(flags, {"ROLEGATE_AUDIT_WRITER": "thread"}).audit_writer == (
        "process"
    )
    with pytest.raises(ValueError, match="--audit-writer must be one of process, thread, not 'x'"):
        Settings.from_sources({"audit_writer": "x"}, {})
