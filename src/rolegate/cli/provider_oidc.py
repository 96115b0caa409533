"""``rolegate provider add-oidc --url https://ISSUER [--client-id ID ...] [--thumbprint T ...]
[--no-thumbprint] [--ca-bundle PEM] [--account-id ID]``: an OpenID Connect provider for an
issuer, discovered first.

The command fetches ``ISSUER/.well-known/openid-configuration`` and its JWKS over verified TLS
(system roots, or ``--ca-bundle`` / ``ROLEGATE_OIDC_CA_BUNDLE``), refuses an issuer whose discovery
document names another issuer or whose JWKS holds no usable signing key, and, unless thumbprints are
given or ``--no-thumbprint``, records the thumbprint of the top CA certificate of the JWKS host's
verified chain (what the IAM console computes,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html).
Client ids default to ``sts.amazonaws.com`` (the audience AWS SDKs and GitHub Actions use). The
provider is stored with CreateOpenIDConnectProvider's checks and errors; prints
``{"OpenIDConnectProviderArn", "ClientIDList", "ThumbprintList", "JwksUri"}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rolegate.cli.options import add_database_flags, settings_from
from rolegate.cli.provider_store import add_in_account
from rolegate.federation.oidc_http import FetchError, tls_context
from rolegate.federation.oidc_keys import discover
from rolegate.services.iam import add_oidc_provider

DEFAULT_CLIENT_ID = "sts.amazonaws.com"


def add_oidc_commands(actions: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    add = actions.add_parser(
        "add-oidc", help="add an OpenID Connect provider, discovering the issuer first"
    )
    add_database_flags(add)
    add.add_argument("--url", required=True, help="the issuer URL (https://...)")
    add.add_argument(
        "--client-id",
        action="append",
        dest="client_ids",
        help=f"an audience the provider accepts; repeatable (default: {DEFAULT_CLIENT_ID})",
    )
    add.add_argument(
        "--thumbprint",
        action="append",
        dest="thumbprints",
        help="40 hex characters; repeatable (default: computed from the JWKS host)",
    )
    add.add_argument(
        "--no-thumbprint",
        action="store_true",
        help="record no thumbprint: trust the roots alone",
    )
    add.add_argument(
        "--ca-bundle",
        type=Path,
        help="PEM CA certificates for the issuer's TLS (default: ROLEGATE_OIDC_CA_BUNDLE, "
        "else the system's)",
    )
    add.add_argument("--account-id", help="12 digits (default: the default account)")
    add.set_defaults(handler=run_add_oidc)


def run_add_oidc(args: argparse.Namespace) -> int:
    if args.account_id is not None and not (
        len(args.account_id) == 12 and args.account_id.isdigit()
    ):
        print("rolegate: --account-id must be 12 digits", file=sys.stderr)
        return 2
    settings = settings_from(args)
    issuer = args.url
    try:
        found = discover(issuer, tls_context(args.ca_bundle or settings.oidc_ca_bundle))
    except (FetchError, OSError) as error:
        print(f"rolegate: cannot discover {issuer}: {error}", file=sys.stderr)
        return 1
    if not found.keys:
        print(f"rolegate: {found.jwks_uri} holds no RSA or EC signing key", file=sys.stderr)
        return 1
    thumbprints = args.thumbprints or []
    if not thumbprints and not args.no_thumbprint and found.ca_thumbprints:
        thumbprints = [found.ca_thumbprints[-1]]
    client_ids = args.client_ids or [DEFAULT_CLIENT_ID]
    provider = add_in_account(
        settings,
        args.account_id,
        lambda tx, account_id, now, rng: add_oidc_provider(
            tx, account_id, issuer, client_ids, thumbprints, now, rng
        ),
    )
    if provider is None:
        return 1
    result = {
        "OpenIDConnectProviderArn": provider.arn,
        "ClientIDList": list(provider.client_ids),
        "ThumbprintList": list(provider.thumbprints),
        "JwksUri": found.jwks_uri,
    }
    print(json.dumps(result))
    return 0
