"""The credential agent: role credentials for workloads, served where AWS SDKs look for them.

A client of rolegate over HTTP (botocore serializes and signs, with the launcher's credentials
from botocore's chain): ``imds`` (instance metadata, IMDSv2), ``container`` (the ECS / EKS pod
identity credentials endpoint), ``launcher`` (AssumeRoleForWorkload, AssumeRole for
credential_process), ``refresher`` (fetch ahead, renew before expiry), ``run`` (start and serve).
docs/workloads.md is the user's page.
"""
