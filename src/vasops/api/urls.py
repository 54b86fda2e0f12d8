"""The REST API under /api/v1/: every app contributes ``routers = [(prefix, router)]`` in its
``api.py``; this module mounts them, installs auth and maps errors to the TMF630 shape."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from django.apps import apps as django_apps
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, ValidationError
from ninja.renderers import JSONRenderer

from vasops.api.auth import BearerToken, StaffVerifiedSession
from vasops.core import roles
from vasops.core.errors import DomainError


class ChineseJSONRenderer(JSONRenderer):
    """Chinese text as UTF-8, not \\uXXXX escapes, so curl output is readable."""

    json_dumps_params: Mapping[str, Any] = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=ChineseJSONRenderer(),
    title="vasops API",
    version="1.0.0",
    description=(
        "vasops 增值业务运营平台 REST API。分页用 offset/limit，总数在 X-Total-Count 响应头；"
        "错误体为 {code, reason, message, status}。认证：浏览器会话（带 CSRF）或 "
        "`Authorization: Bearer <token>`（`manage.py create_api_token USER` 生成）。"
    ),
    urls_namespace="api",
    auth=[BearerToken(), StaffVerifiedSession()],
    openapi_url="/openapi.json",
    docs_url="/docs",
)


def _error(request: HttpRequest, status: int, code: str, message: str, **extra: Any) -> HttpResponse:
    body = {
        "code": code,
        "reason": code.split(".", 1)[-1].replace("_", " "),
        "message": message,
        "status": str(status),
    }
    body.update(extra)
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = []
    for err in exc.errors:
        loc = ".".join(str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query"))
        problems.append(f"{loc}: {err.get('msg')}")
    return _error(request, 422, "core.validation", "请求数据无效：" + "；".join(problems), errors=exc.errors)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "core.unauthenticated", "需要登录或有效的 Bearer 令牌。")


@api.exception_handler(Http404)
def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "core.not_found", "对象不存在或您无权查看。")


class MeOut(Schema):
    username: str
    display_name: str
    is_staff: bool
    roles: list[str]
    partner_id: int | None


@api.get("/me", response=MeOut, summary="当前用户", tags=["core"])
def me(request: HttpRequest) -> dict[str, Any]:
    """Who the session or bearer token authenticates as, with role groups and partner."""
    user: Any = request.user
    membership = getattr(user, "partner_membership", None)
    return {
        "username": user.username,
        "display_name": user.display_name,
        "is_staff": user.is_staff,
        "roles": roles.roles_of(user),
        "partner_id": getattr(membership, "partner_id", None),
    }


def _mount() -> None:
    for config in django_apps.get_app_configs():
        if not config.name.startswith("vasops.") or config.name == "vasops.api":
            continue
        try:
            module = importlib.import_module(f"{config.name}.api")
        except ModuleNotFoundError:
            continue
        for prefix, router in getattr(module, "routers", []):
            api.add_router(prefix, router)


_mount()
