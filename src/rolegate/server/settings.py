"""Server settings: command-line flags over ``ROLEGATE_*`` environment variables over defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from rolegate.server.edge import is_loopback, parse_networks, parse_origins

AUTH_MODES = ("strict", "permissive")
AUDIT_WRITERS = ("process", "thread")  # the first is the default


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 4566
    data_dir: Path = Path("./data")
    database_url: str | None = None  # None: SQLite file ``rolegate.db`` in ``data_dir``
    auth: str = "strict"
    default_account_id: str | None = None
    root_access_key_id: str | None = None
    root_secret_access_key: str | None = None
    master_key: str | None = None  # base64 of 32 bytes; else ``data_dir/master.key``
    master_key_file: Path | None = None  # a file holding it (``server/worker_key``); else as above
    region: str = "us-east-1"
    workers: int = 1
    # Threads per server process that run requests (database, policy evaluation). Few is best:
    # Python runs one thread at a time, and more threads than cores only share that one core
    # in slices, which lengthens every request; the others wait in the queue, first come first
    # served (figures: docs/benchmarks.md, bench/api.py).
    threads: int = 2
    # Answer requests whose reads all hit the read cache on the event loop (server.inline):
    # 1.4-1.6x the requests/s at 0.65-0.72x the CPU on a quiet machine (docs/benchmarks.md).
    inline_reads: bool = True
    aws_managed_policies_dir: Path | None = None  # extra AWS managed policy files (docs/iam.md)
    # PEM CA certificates trusted for OIDC issuers, instead of the system roots (docs/federation.md,
    # "Federation: OpenID Connect").
    oidc_ca_bundle: Path | None = None
    # Seconds before an unknown key id may make a node fetch an issuer's JWKS again.
    oidc_refresh_floor: float = 60.0
    # This server's SAML endpoint URL(s), comma-separated: accepted as Recipient and Audience
    # of SAML responses besides AWS's sign-in endpoints (docs/federation.md,
    # "Federation: SAML 2.0").
    saml_audience: str | None = None
    # Networks of the proxies whose X-Forwarded-For / X-Forwarded-Proto count (README.md,
    # "Security"); none by default: aws:SourceIp is the socket's peer.
    trusted_proxies: tuple[str, ...] = ()
    # Origins whose browser requests are answered; none by default (server.edge).
    allowed_origins: tuple[str, ...] = ()
    # Permissive mode listens on loopback only, unless the operator says otherwise.
    allow_remote_permissive: bool = False
    # The URL clients reach this server at: the base of the accounts' OpenID Connect issuer
    # URLs (outbound web identity federation; docs/federation.md). None: the listen address.
    public_url: str | None = None

    @property
    def issuer_base_url(self) -> str:
        """``--public-url`` without a trailing slash, else ``http://HOST:PORT``."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # The operator's service catalogue: its own services for policies and the simulator, and
    # service-linked roles (docs/simulator.md); read again when it changes.
    service_catalog: Path | None = None
    # The authorization service's listener, "HOST:PORT" or "PORT" (loopback); None: off.
    authz_listen: str | None = None
    # Its route table for nginx auth_request and Envoy ext_authz (authz_client.routes).
    authz_routes: Path | None = None
    # The web console under /console/ (docs/console.md); ``--no-console`` turns it off.
    console: bool = True
    # Prometheus metrics at /metrics (server.metrics); ``--no-metrics`` turns them off.
    metrics: bool = True
    # The audit trail (docs/audit.md): days its events are kept (CloudTrail's event history
    # keeps 90), and where its JSON lines are streamed (a file, "-" for stdout; None: nowhere).
    audit_retention_days: int = 90
    audit_log: str | None = None
    # Who builds and stores the events that are not written with a change: "process", a writer
    # process beside the server (server.audit_process), or "thread", a thread of the server.
    # An in-memory SQLite database always takes "thread" (a second process cannot open it).
    audit_writer: str = "process"

    @property
    def authz_address(self) -> tuple[str, int] | None:
        """``authz_listen`` as (host, port); None when the listener is off."""
        return parse_listen(self.authz_listen) if self.authz_listen else None

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'rolegate.db').resolve()}"

    @property
    def saml_audiences(self) -> frozenset[str]:
        parts = (self.saml_audience or "").split(",")
        return frozenset(part.strip() for part in parts if part.strip())

    @classmethod
    def from_sources(
        cls, flags: Mapping[str, object | None], env: Mapping[str, str] | None = None
    ) -> Settings:
        """Build settings: a flag given on the command line wins over ``ROLEGATE_<NAME>``."""
        env = os.environ if env is None else env

        def pick(name: str) -> str | None:
            value = flags.get(name)
            if value is not None:
                return str(value)
            return env.get(f"ROLEGATE_{name.upper()}") or None

        defaults = cls()
        auth = pick("auth") or defaults.auth
        if auth not in AUTH_MODES:
            raise ValueError(f"--auth must be one of {', '.join(AUTH_MODES)}, not {auth!r}")
        host = pick("host") or defaults.host
        allow_remote_permissive = _flag(pick("allow_remote_permissive"))
        if auth == "permissive" and not is_loopback(host) and not allow_remote_permissive:
            raise ValueError(
                f"--auth permissive listens on a loopback address only, not {host!r}: anyone "
                "who reaches the port acts as the root user of any account. Add "
                "--allow-remote-permissive (ROLEGATE_ALLOW_REMOTE_PERMISSIVE=1) to mean it."
            )
        authz_listen = pick("authz_listen")
        if authz_listen is not None:
            _, authz_port = parse_listen(authz_listen)
            if authz_port == int(pick("port") or defaults.port):
                raise ValueError(
                    f"--authz-listen {authz_listen} uses the API port: give it a port of its own"
                )
        account = pick("default_account_id")
        if account is not None and not (len(account) == 12 and account.isdigit()):
            raise ValueError("ROLEGATE_DEFAULT_ACCOUNT_ID must be 12 digits")
        return cls(
            host=host,
            port=int(pick("port") or defaults.port),
            data_dir=Path(pick("data_dir") or defaults.data_dir),
            database_url=pick("database_url"),
            auth=auth,
            default_account_id=account,
            root_access_key_id=pick("root_access_key_id"),
            root_secret_access_key=pick("root_secret_access_key"),
            master_key=pick("master_key"),
            master_key_file=_optional_path(pick("master_key_file")),
            region=pick("region") or defaults.region,
            workers=_workers(pick("workers"), defaults.workers),
            threads=_positive("threads", pick("threads"), defaults.threads),
            inline_reads=_flag(pick("inline_reads") or "1"),
            aws_managed_policies_dir=_optional_path(pick("aws_managed_policies_dir")),
            oidc_ca_bundle=_optional_path(pick("oidc_ca_bundle")),
            oidc_refresh_floor=float(pick("oidc_refresh_floor") or defaults.oidc_refresh_floor),
            saml_audience=pick("saml_audience"),
            trusted_proxies=parse_networks(pick("trusted_proxies")),
            allowed_origins=parse_origins(pick("allowed_origins")),
            allow_remote_permissive=allow_remote_permissive,
            public_url=_public_url(pick("public_url")),
            service_catalog=_optional_path(pick("service_catalog")),
            authz_listen=authz_listen,
            authz_routes=_optional_path(pick("authz_routes")),
            console=_flag(pick("console") or "1"),
            metrics=_flag(pick("metrics") or "1"),
            audit_retention_days=_positive(
                "audit-retention-days",
                pick("audit_retention_days"),
                defaults.audit_retention_days,
            ),
            audit_log=pick("audit_log"),
            audit_writer=_choice("audit-writer", pick("audit_writer"), AUDIT_WRITERS),
        )


def _choice(name: str, value: str | None, choices: tuple[str, ...]) -> str:
    """One of ``choices``; the first when not given."""
    if value is None:
        return choices[0]
    if value not in choices:
        raise ValueError(f"--{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _workers(value: str | None, default: int) -> int:
    """``--workers N``, or ``auto``: one process per core this process may run on (each
    process runs Python on one core at a time)."""
    if value is not None and value.strip().lower() == "auto":
        return max(1, len(os.sched_getaffinity(0)))
    try:
        return _positive("workers", value, default)
    except ValueError:
        message = f"--workers must be auto or a whole number of at least 1, not {value!r}"
        raise ValueError(message) from None


def _positive(name: str, value: str | None, default: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ValueError(f"--{name} must be a whole number of at least 1, not {value!r}")
    return number


def _public_url(value: str | None) -> str | None:
    """An http(s) URL with a host and nothing after its path."""
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"--public-url must be an http:// or https:// URL, not {value!r}")
    return value.rstrip("/")


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _optional_path(value: str | None) -> Path | None:
    return Path(value) if value else None


def parse_listen(value: str) -> tuple[str, int]:
    """``HOST:PORT``, ``[IPv6]:PORT`` or ``PORT`` (on 127.0.0.1)."""
    text = value.strip()
    host, port = "127.0.0.1", text
    if ":" in text:
        host, _, port = text.rpartition(":")
        host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--authz-listen must be HOST:PORT or PORT, not {value!r}")
    return host, int(port)
