"""Account properties, the STS global endpoint token version and GetMFADevice end to end on SQLite
and PostgreSQL: PutAccountProperties keeps what GetAccountProperties answers, one namespace per
request; SetSecurityTokenServicePreferences is what GetAccountSummary's GlobalEndpointTokenVersion
reports; GetMFADevice answers a user's enabled virtual device. Each test has an account of its
own."""

from __future__ import annotations

import time

import pyotp
import pytest
from account_helpers import Account, new_account
from policy_helpers import fails

from harness import Server


@pytest.fixture
def account(server: Server) -> Account:
    return new_account(server)


def test_account_properties(account: Account) -> None:
    iam = account.iam
    assert iam.get_account_properties()["Properties"] == {}
    iam.put_account_properties(Properties={"RoleManager/Enabled": "true", "RoleManager/Days": "7"})
    iam.put_account_properties(Properties={"RoleManager/Enabled": "false"})
    assert iam.get_account_properties()["Properties"] == {
        "RoleManager/Days": "7",
        "RoleManager/Enabled": "false",
    }
    assert fails(iam.put_account_properties, Properties={"A/x": "1", "B/y": "2"}) == (
        "InvalidInput",
        400,
        "All properties in a request must belong to the same namespace.",
    )
    assert fails(iam.put_account_properties, Properties={"NoNamespace": "1"}) == (
        "InvalidInput",
        400,
        "Property key NoNamespace must be in Namespace/PropertyName format.",
    )
    assert fails(iam.put_account_properties, Properties={"9bad/x": "1"})[:2] == (
        "ValidationError",
        400,
    )
    assert len(iam.get_account_properties()["Properties"]) == 2


def test_token_version_shows_in_the_summary(account: Account) -> None:
    iam = account.iam
    assert iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == 1
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v2Token")
    assert iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == 2
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v1Token")
    assert iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == 1
    code, status, message = fails(
        iam.set_security_token_service_preferences, GlobalEndpointTokenVersion="v3Token"
    )
    assert (code, status) == ("ValidationError", 400)
    assert "Member must satisfy enum value set: [v1Token, v2Token]" in message


def test_get_mfa_device(account: Account) -> None:
    iam = account.iam
    iam.create_user(UserName="alice")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-mfa")["VirtualMFADevice"]
    serial = device["SerialNumber"]
    missing = ("NoSuchEntity", 404, f"MFA Device with serial number {serial} does not exist.")
    assert fails(iam.get_mfa_device, UserName="alice", SerialNumber=serial) == missing
    totp, now = pyotp.TOTP(device["Base32StringSeed"].decode()), time.time()
    iam.enable_mfa_device(
        UserName="alice",
        SerialNumber=serial,
        AuthenticationCode1=totp.at(now - 30),
        AuthenticationCode2=totp.at(now),
    )
    got = iam.get_mfa_device(UserName="alice", SerialNumber=serial)
    listed = iam.list_mfa_devices(UserName="alice")["MFADevices"][0]
    assert {k: got[k] for k in ("UserName", "SerialNumber", "EnableDate")} == listed
    assert "Certifications" not in got
    iam.create_user(UserName="bob")
    assert fails(iam.get_mfa_device, UserName="bob", SerialNumber=serial) == missing
    assert fails(iam.get_mfa_device, UserName="carol", SerialNumber=serial) == (
        "NoSuchEntity",
        404,
        "The user with name carol cannot be found.",
    )
