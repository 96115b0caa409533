"""Write an AWS CLI/SDK profile (credentials + ``endpoint_url``) for rolegate."""

from __future__ import annotations

import configparser
import os
from pathlib import Path


def _aws_file(env_name: str, default: str) -> Path:
    return Path(os.environ.get(env_name) or Path.home() / ".aws" / default).expanduser()


def write_profile(
    name: str, access_key_id: str, secret: str, endpoint_url: str, region: str
) -> tuple[Path, Path]:
    """Add or replace profile ``name`` in the shared credentials and config files.

    The config carries ``endpoint_url`` so ``aws --profile NAME iam list-roles`` reaches rolegate
    with no flags (the SDKs' service-specific endpoints setting).
    """
    credentials_path = _aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials")
    config_path = _aws_file("AWS_CONFIG_FILE", "config")
    _update(
        credentials_path,
        name,
        {"aws_access_key_id": access_key_id, "aws_secret_access_key": secret},
        private=True,
    )
    section = name if name == "default" else f"profile {name}"
    _update(config_path, section, {"region": region, "endpoint_url": endpoint_url}, private=False)
    return credentials_path, config_path


def _update(path: Path, section: str, values: dict[str, str], *, private: bool) -> None:
    parser = configparser.RawConfigParser()
    if path.exists():
        parser.read(path)
    if not parser.has_section(section):
        parser.add_section(section)
    for key, value in values.items():
        parser.set(section, key, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "w") as fh:
        parser.write(fh)
