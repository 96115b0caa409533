"""The operator's service catalogue: its forms (YAML or JSON; one service, a list, or a mapping
beside the service-linked roles), what it declares, bad files refused with their line, and the
reload on change."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rolegate.catalog.operator_services import (
    CATALOG_ENV,
    ServiceCatalogError,
    load_services,
    operator_services,
    service_reference,
)
from rolegate.catalog.service_linked_roles import service_catalog

WIDGETS = {
    "Name": "widgets",
    "Actions": [
        {
            "Name": "GetWidget",
            "ActionConditionKeys": ["widgets:Color"],
            "Resources": [{"Name": "widget"}],
        },
        {"Name": "ListWidgets"},
    ],
    "Resources": [
        {
            "Name": "widget",
            "ARNFormats": ["arn:${Partition}:widgets:${Region}:${Account}:widget/${WidgetId}"],
            "ConditionKeys": ["aws:ResourceTag/${TagKey}"],
        }
    ],
    "ConditionKeys": [{"Name": "widgets:Color", "Types": ["String"]}],
}
WIDGETS_YAML = """\
service_reference:
  - Name: widgets
    Actions:
      - Name: GetWidget
        ActionConditionKeys: [widgets:Color]
        Resources: [{Name: widget}]
      - Name: ListWidgets
    Resources:
      - Name: widget
        ARNFormats: ["arn:${Partition}:widgets:${Region}:${Account}:widget/${WidgetId}"]
    ConditionKeys:
      - Name: widgets:Color
        Types: [String]
"""
WIDGET = "arn:aws:widgets:us-east-1:111122223333:widget/42"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("one.json", json.dumps(WIDGETS)),  # AWS's per-service file as it is
        ("list.json", json.dumps([WIDGETS])),
        ("both.json", json.dumps({"service_reference": [WIDGETS], "services": {}})),
        ("catalogue.yaml", WIDGETS_YAML),
    ],
)
def test_every_form_declares_the_service(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    reference = service_reference({CATALOG_ENV: str(path)})
    spec = reference.action("widgets:getwidget")
    assert spec is not None and spec.name == "GetWidget"
    found = reference.resource_type(spec, WIDGET)
    assert found is not None and found.name == "widget"
    assert reference.key_applies("widgets:GetWidget", WIDGET, "widgets:color")
    assert not reference.key_applies("widgets:ListWidgets", "*", "widgets:Color")
    assert reference.key_applies("widgets:ListWidgets", "*", "aws:SourceIp")  # global
    assert reference.condition_key_exists("widgets:Color")
    assert not reference.condition_key_exists("widgets:Size")
    assert reference.action("s3:GetObject") is not None  # AWS's services stay


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: [\n", "2: not YAML: expected the node content, but found '<stream end>'"),
        ("[1]\n", "1: a service must be a mapping"),
        (
            "- Name: Widgets\n  Actions: [{Name: A}]\n",
            "1: a service needs a 'Name' matching [a-z0-9][a-z0-9-]{0,63}",
        ),
        ("- Name: s3\n  Actions: [{Name: A}]\n", "1: service prefix 's3' is an AWS service's"),
        ("- Name: w\n  Actions: []\n", "1: service 'w' declares no Actions"),
        (
            "- Name: w\n  Actions:\n    - Name: Get Widget\n",
            "3: service 'w': an action needs a 'Name' matching [A-Za-z0-9]{1,128}",
        ),
        (
            "- Name: w\n  Actions:\n    - Name: A\n      Resources: [{Name: thing}]\n",
            "4: action w:A: resource 'thing' is not in the service's Resources",
        ),
        (
            "- Name: w\n  Actions: [{Name: A}]\n  Resources:\n"
            "    - Name: thing\n      ARNFormats: ['arn:aws:other:::x']\n",
            "4: service 'w': ARN format 'arn:aws:other:::x' must be "
            "arn:PARTITION:w:REGION:ACCOUNT:RESOURCE",
        ),
        (
            "- Name: w\n  Actions: [{Name: A}]\n  ConditionKeys:\n"
            "    - {Name: 'w:K', Types: [Colour]}\n",
            "4: service 'w': condition key 'w:K' has unknown type 'Colour'",
        ),
        (
            "- Name: w\n  Actions: [{Name: A}, {Name: a}]\n",
            "2: service 'w': action 'a' is declared twice",
        ),
        (
            "{}\n",
            "1: expected a service (Name, Actions, Resources, ConditionKeys), a list of "
            "services, or a mapping with 'service_reference' (and/or 'services')",
        ),
    ],
)
def test_bad_files_are_refused_with_their_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "services.yaml"
    path.write_text(text)
    with pytest.raises(ServiceCatalogError) as info:
        load_services(path)
    assert str(info.value) == f"{path}:{message}"


def test_bad_json_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "services.json"
    path.write_text('{"service_reference": [\n  {"Name": "w",}\n]}')
    with pytest.raises(ServiceCatalogError) as info:
        load_services(path)
    assert str(info.value) == (
        f"{path}:2: not JSON: Expecting property name enclosed in double quotes"
    )


def test_reloaded_on_change_and_a_broken_change_keeps_the_last_good(tmp_path: Path) -> None:
    path = tmp_path / "services.json"
    path.write_text(json.dumps(WIDGETS))
    env = {CATALOG_ENV: str(path)}
    assert set(operator_services(env)["widgets"].actions) == {"getwidget", "listwidgets"}
    grown = {**WIDGETS, "Actions": [*WIDGETS["Actions"], {"Name": "DeleteWidget"}]}
    _rewrite(path, json.dumps(grown))
    assert "deletewidget" in operator_services(env)["widgets"].actions
    _rewrite(path, "{broken")
    assert "deletewidget" in operator_services(env)["widgets"].actions


def test_the_same_file_holds_service_linked_roles(tmp_path: Path) -> None:
    path = tmp_path / "services.yaml"
    path.write_text(
        WIDGETS_YAML
        + "services:\n  widgets.example.com:\n    role_name: AWSServiceRoleForWidgets\n"
    )
    env = {CATALOG_ENV: str(path)}
    assert service_catalog(env)["widgets.example.com"].role_name == "AWSServiceRoleForWidgets"
    assert "widgets" in operator_services(env)
    only_services = tmp_path / "only.yaml"
    only_services.write_text(WIDGETS_YAML)
    assert "widgets.example.com" not in service_catalog({CATALOG_ENV: str(only_services)})


def _rewrite(path: Path, text: str) -> None:
    stat = path.stat()
    path.write_text(text)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
