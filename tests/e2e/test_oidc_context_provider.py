"""An OpenID Connect provider's trusted identity propagation context provider end to end on SQLite
and PostgreSQL: set at creation or by UpdateOpenIDConnectProvider, answered by
GetOpenIDConnectProvider, removed; AWS's rules for the update's parameters; no IAM Identity Center
instance exists here."""

from __future__ import annotations

import uuid
from typing import Any

from policy_helpers import fails

THUMBPRINT = "a" * 40
CONTEXT = {
    "SubjectSourceKey": "sub",
    "SubjectTypeValue": "workload",
    "KeyDefinitionList": [{"SourceKey": "email", "TargetKey": "user email"}],
}


def _provider(iam: Any, **kw: Any) -> str:
    url = f"https://idp-{uuid.uuid4().hex[:8]}.example.com"
    arn: str = iam.create_open_id_connect_provider(
        Url=url, ClientIDList=["app"], ThumbprintList=[THUMBPRINT], **kw
    )["OpenIDConnectProviderArn"]
    return arn


def test_set_get_and_remove(iam: Any) -> None:
    arn = _provider(iam, ContextProvider=CONTEXT)
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ContextProvider"] == (
        CONTEXT
    )
    other = {"SubjectSourceKey": "sub", "SubjectTypeSourceKey": "kind", "KeyDefinitionList": []}
    iam.update_open_id_connect_provider(OpenIDConnectProviderArn=arn, ContextProvider=other)
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["ContextProvider"] == other and got["ThumbprintList"] == [THUMBPRINT]
    iam.update_open_id_connect_provider(OpenIDConnectProviderArn=arn, RemoveContextProvider=True)
    assert "ContextProvider" not in iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    # Removing an Identity Center association that does not exist changes nothing.
    iam.update_open_id_connect_provider(
        OpenIDConnectProviderArn=arn, RemoveIdentityCenterInstance=True
    )
    plain = _provider(iam)
    assert "ContextProvider" not in iam.get_open_id_connect_provider(OpenIDConnectProviderArn=plain)


def test_bad_updates(iam: Any) -> None:
    arn = _provider(iam, ContextProvider=CONTEXT)
    instance = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
    cases: list[tuple[dict[str, Any], tuple[str, int, str]]] = [
        (
            {"ContextProvider": {"SubjectSourceKey": "sub"}, "RemoveContextProvider": True},
            (
                "InvalidInput",
                400,
                "ContextProvider and RemoveContextProvider cannot both be specified.",
            ),
        ),
        (
            {"IdentityCenterInstanceArn": instance, "RemoveIdentityCenterInstance": True},
            (
                "InvalidInput",
                400,
                "IdentityCenterInstanceArn and RemoveIdentityCenterInstance cannot both be "
                "specified.",
            ),
        ),
        (
            {"RemoveContextProvider": True, "RemoveIdentityCenterInstance": True},
            (
                "InvalidInput",
                400,
                "A single request can change either the context provider or the IAM Identity "
                "Center association, but not both.",
            ),
        ),
        (
            {},
            (
                "InvalidInput",
                400,
                "Specify a context provider or an IAM Identity Center association to change.",
            ),
        ),
        (
            {"IdentityCenterInstanceArn": instance},
            ("NoSuchEntity", 404, f"IAM Identity Center instance {instance} cannot be found."),
        ),
        (
            {"ContextProvider": {"SubjectSourceKey": " sub"}},
            (
                "InvalidInput",
                400,
                "Invalid key  sub: a key can contain only ASCII letters, numbers, single spaces "
                "and _ . : / = + - @ #, and cannot start or end with a space.",
            ),
        ),
        (
            {"ContextProvider": {**CONTEXT, "SubjectTypeSourceKey": "kind"}},
            (
                "InvalidInput",
                400,
                "Specify either SubjectTypeValue or SubjectTypeSourceKey, but not both.",
            ),
        ),
    ]
    for params, answer in cases:
        got = fails(iam.update_open_id_connect_provider, OpenIDConnectProviderArn=arn, **params)
        assert got == answer, params
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ContextProvider"] == (
        CONTEXT
    )
    missing = arn + "-gone"
    assert fails(
        iam.update_open_id_connect_provider,
        OpenIDConnectProviderArn=missing,
        RemoveContextProvider=True,
    ) == ("NoSuchEntity", 404, f"OpenId connect Provider {missing} cannot be found.")
    assert fails(
        iam.create_open_id_connect_provider,
        Url="https://never-made.example.com",
        ClientIDList=["app"],
        ThumbprintList=[THUMBPRINT],
        ContextProvider={"SubjectSourceKey": "a  b"},
    )[:2] == ("InvalidInput", 400)
    listed = [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
    assert not any("never-made" in p for p in listed)
