"""The regions a credential scope may name for IAM and STS, from botocore's endpoint data.

A SigV4 signature is scoped to a region; an SDK signs with the region of the endpoint it calls,
and a global service such as IAM is signed for us-east-1
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-signing-elements.html).

* IAM is global: ``iam.amazonaws.com`` takes signatures scoped to ``us-east-1`` only, the
  credential scope of its partition endpoint in the ``aws`` partition (rolegate's ARNs are
  ``arn:aws:``), and answers any other region "Credential should be scoped to a valid region,
  not 'eu-west-1'. ".
* STS has an endpoint in every region (id_credentials_temp_enable-regions.html); rolegate is all
  of them at once, so it takes every region botocore lists STS in, in every partition, which is
  what an SDK configured for a regional endpoint signs with.
"""

from __future__ import annotations

import functools
from typing import Any

from botocore.loaders import create_loader

_HOME_PARTITION = "aws"


@functools.cache
def signing_regions(service: str) -> frozenset[str]:
    """The regions a credential scope for ``service`` (``iam`` or ``sts``) may name."""
    partitions: list[dict[str, Any]] = create_loader().load_data("endpoints")["partitions"]
    if service == "iam":
        home = next(p for p in partitions if p["partition"] == _HOME_PARTITION)
        return frozenset({_global_scope(home["services"]["iam"])})
    regions: set[str] = set()
    for partition in partitions:
        endpoints = partition["services"].get(service, {}).get("endpoints", {})
        for name, endpoint in endpoints.items():
            region = endpoint.get("credentialScope", {}).get("region", name)
            if region in partition["regions"]:
                regions.add(region)
    return frozenset(regions)


def _global_scope(service: dict[str, Any]) -> str:
    endpoint = service["endpoints"][service["partitionEndpoint"]]
    return str(endpoint["credentialScope"]["region"])
