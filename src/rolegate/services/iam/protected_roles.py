"""Service-linked roles are protected: only the linked service may change them
(https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html). IAM tells them
by their path, ``/aws-service-role/<service>/``,
which CreateRole refuses to anyone else; only the description (and tags) may change.
"""

from __future__ import annotations

from rolegate.domain.entities import Role
from rolegate.domain.errors import InvalidInput, UnmodifiableEntity

SERVICE_ROLE_PATH_PREFIX = "/aws-service-role/"


def is_service_linked(role: Role) -> bool:
    return role.path.startswith(SERVICE_ROLE_PATH_PREFIX)


def linked_service(role: Role) -> str | None:
    """The service principal a service-linked role belongs to (None for other roles)."""
    if not is_service_linked(role):
        return None
    return role.path[len(SERVICE_ROLE_PATH_PREFIX) :].split("/", 1)[0] or None


def ensure_modifiable(role: Role) -> None:
    """Refuse to change a service-linked role, in AWS's words."""
    if is_service_linked(role):
        raise UnmodifiableEntity(
            f"Cannot perform the operation on the protected role '{role.role_name}'"
            " - this role is only modifiable by AWS"
        )


def check_customer_role_path(path: str) -> None:
    """CreateRole: the service-linked path is reserved."""
    if path.startswith(SERVICE_ROLE_PATH_PREFIX):
        raise InvalidInput(
            f"Path prefix '{SERVICE_ROLE_PATH_PREFIX}' can only be used for"
            " AWS Service linked Roles"
        )
