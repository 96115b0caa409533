"""The lists of users, groups, customer and AWS managed policies, and identity providers: each a
few IAM calls with the session's credentials (a policy's own page: ``policy_edit``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from rolegate.console.api import ApiClient, ApiError
from rolegate.console.html import Markup, el
from rolegate.console.http import Reply, Request, path_part
from rolegate.console.layout import error_box, page, table
from rolegate.console.roles import PAGE_SIZE
from rolegate.console.session import ConsoleSession

_SCOPES = {"Local": "Customer managed", "AWS": "AWS managed", "All": "All"}


def _date(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "-"


def _next(path: str, marker: str | None, **query: str) -> Markup | None:
    if not marker:
        return None
    link = f"{path}?" + urlencode({**query, "marker": marker})
    return el("p", {}, el("a", {"href": link, "id": "next-page"}, "Next page"))


class DirectoryPages:
    def __init__(self, api: ApiClient) -> None:
        self.api = api

    def _iam(self, session: ConsoleSession, operation: str, **params: Any) -> dict[str, Any]:
        return self.api.call(session.acting, "iam", operation, params)

    def _paged(
        self, request: Request, session: ConsoleSession, operation: str, **params: Any
    ) -> tuple[dict[str, Any], str | None]:
        params["MaxItems"] = PAGE_SIZE
        if request.arg("marker"):
            params["Marker"] = request.arg("marker")
        answer = self._iam(session, operation, **params)
        return answer, answer.get("Marker") if answer.get("IsTruncated") else None

    def users(self, request: Request, session: ConsoleSession) -> Reply:
        try:
            answer, marker = self._paged(request, session, "ListUsers")
        except ApiError as error:
            return Reply(403, page("Users", error_box(error), session))
        rows: list[list[object]] = [
            [
                el("a", {"href": f"/console/users/{path_part(u['UserName'])}"}, u["UserName"]),
                u["Arn"],
                _date(u["CreateDate"]),
                _date(u.get("PasswordLastUsed")),
            ]
            for u in answer["Users"]
        ]
        body = el(
            "div",
            {},
            table(["User name", "ARN", "Created", "Password last used"], rows, "Users"),
            _next("/console/users", marker),
        )
        return Reply(200, page("Users", body, session))

    def groups(self, request: Request, session: ConsoleSession) -> Reply:
        try:
            answer, marker = self._paged(request, session, "ListGroups")
        except ApiError as error:
            return Reply(403, page("Groups", error_box(error), session))
        rows: list[list[object]] = [
            [
                el("a", {"href": f"/console/groups/{path_part(g['GroupName'])}"}, g["GroupName"]),
                g["Arn"],
                _date(g["CreateDate"]),
            ]
            for g in answer["Groups"]
        ]
        body = el(
            "div",
            {},
            table(["Group name", "ARN", "Created"], rows, "Groups"),
            _next("/console/groups", marker),
        )
        return Reply(200, page("Groups", body, session))

    def policies(self, request: Request, session: ConsoleSession) -> Reply:
        scope = request.arg("scope") if request.arg("scope") in _SCOPES else "Local"
        try:
            answer, marker = self._paged(request, session, "ListPolicies", Scope=scope)
        except ApiError as error:
            return Reply(403, page("Policies", error_box(error), session))
        rows: list[list[object]] = [
            [
                el("a", {"href": "/console/policies/" + path_part(p["Arn"])}, p["PolicyName"]),
                p["DefaultVersionId"],
                str(p.get("AttachmentCount", 0)),
                _date(p.get("UpdateDate")),
            ]
            for p in answer["Policies"]
        ]
        choose = el(
            "form",
            {"method": "get", "action": "/console/policies"},
            el("label", {"for": "scope"}, "Type"),
            el(
                "select",
                {"id": "scope", "name": "scope"},
                [el("option", {"value": k, "selected": k == scope}, t) for k, t in _SCOPES.items()],
            ),
            el("button", {"type": "submit"}, "Show"),
        )
        body = el(
            "div",
            {},
            choose,
            el("p", {}, el("a", {"href": "/console/policies/create"}, "Create policy")),
            table(["Policy name", "Default version", "Attachments", "Updated"], rows, "Policies"),
            _next("/console/policies", marker, scope=scope),
        )
        return Reply(200, page("Policies", body, session))

    def providers(self, request: Request, session: ConsoleSession) -> Reply:
        try:
            oidc = self._iam(session, "ListOpenIDConnectProviders")["OpenIDConnectProviderList"]
            saml = self._iam(session, "ListSAMLProviders")["SAMLProviderList"]
        except ApiError as error:
            return Reply(403, page("Identity providers", error_box(error), session))
        rows: list[list[object]] = [["OpenID Connect", p["Arn"]] for p in oidc]
        rows += [["SAML 2.0", p["Arn"]] for p in saml]
        body = table(["Type", "ARN"], rows, "Identity providers")
        return Reply(200, page("Identity providers", body, session))
