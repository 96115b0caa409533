"""IAM (https://docs.aws.amazon.com/IAM/latest/APIReference/): one module per resource family.

``HANDLERS`` maps every implemented IAM operation to its handler; each module lists its own
operations in a ``HANDLERS`` table of the same shape. The names below are what the rest of
rolegate uses: STS (MFA codes, SAML provider ARNs), the server's start-up (accounts, AWS managed
policies), the admin commands (providers) and a web console's sign-in (``verify_password``).

Modules import their siblings by module path, never through this package, which imports them
all in dependency order.
"""

from rolegate.services.context import Handler, join_handlers
from rolegate.services.iam import (
    access_keys,
    delegation_requests,
    groups,
    instance_profiles,
    role_templates,
    roles,
    service_linked_roles,
    tagging,
    users,
)
from rolegate.services.iam.access_advisor import operations as access_advisor
from rolegate.services.iam.account import (
    aliases,
    authorization_details,
    credential_report,
    password_policy,
    properties,
    summary,
)
from rolegate.services.iam.account.accounts import (
    AccountExists,
    NewAccount,
    add_root_key,
    create_account,
    default_account,
)
from rolegate.services.iam.account.operator_view import account_authorization_view
from rolegate.services.iam.certificates import server_certificates
from rolegate.services.iam.credentials import (
    login_profiles,
    service_credentials,
    signing_certificates,
    ssh_keys,
)
from rolegate.services.iam.credentials.console_sign_in import (
    ConsoleSignIn,
    ConsoleStep,
    console_sign_in,
)
from rolegate.services.iam.credentials.sign_in import SignIn, verify_password
from rolegate.services.iam.mfa import devices
from rolegate.services.iam.mfa.codes import MfaCheck, verify_mfa
from rolegate.services.iam.organizations import access_reports, root_access
from rolegate.services.iam.outbound_federation import (
    IssuerBase,
    issuer_document,
    rotate_signing_keys,
)
from rolegate.services.iam.outbound_federation import handlers as outbound_federation_handlers
from rolegate.services.iam.policies import attachments, inline, managed, versions
from rolegate.services.iam.policies.aws_managed import (
    install_aws_managed_policies,
    load_aws_managed_policies,
)
from rolegate.services.iam.providers import oidc, saml
from rolegate.services.iam.providers.oidc import add_oidc_provider
from rolegate.services.iam.providers.saml import add_saml_provider, parse_saml_provider_arn
from rolegate.services.iam.providers.saml_keys import created_encryption
from rolegate.services.iam.simulator import operations as simulator

HANDLERS: dict[str, Handler] = join_handlers(
    module.HANDLERS
    for module in (
        roles,
        users,
        groups,
        access_keys,
        instance_profiles,
        service_linked_roles,
        managed,
        versions,
        attachments,
        inline,
        oidc,
        saml,
        devices,
        tagging,
        aliases,
        password_policy,
        summary,
        properties,
        authorization_details,
        credential_report,
        login_profiles,
        ssh_keys,
        signing_certificates,
        service_credentials,
        server_certificates,
        simulator,
        access_advisor,
        root_access,
        access_reports,
        delegation_requests,
        role_templates,
    )
)

__all__ = [
    "HANDLERS",
    "AccountExists",
    "ConsoleSignIn",
    "ConsoleStep",
    "IssuerBase",
    "MfaCheck",
    "NewAccount",
    "SignIn",
    "account_authorization_view",
    "add_oidc_provider",
    "add_root_key",
    "add_saml_provider",
    "console_sign_in",
    "create_account",
    "created_encryption",
    "default_account",
    "install_aws_managed_policies",
    "issuer_document",
    "load_aws_managed_policies",
    "outbound_federation_handlers",
    "parse_saml_provider_arn",
    "rotate_signing_keys",
    "verify_mfa",
    "verify_password",
]
