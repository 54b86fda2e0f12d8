"""The REST API under /api/v1/: every app contributes ``routers = [(prefix, router)]`` in its
``api.py``; this module mounts them, installs auth and maps errors to the TMF630 shape."""

from __future__ import annotations

import importlib
import logging
import math
import time
from collections.abc import Mapping
from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.renderers import JSONRenderer
from ninja.throttling import BaseThrottle

from vasops.api.auth import BearerToken, StaffVerifiedSession
from vasops.core import roles
from vasops.core.errors import CoreError, DomainError, error_body
from vasops.core.marks import gettext_noop
from vasops.core.request_context import current_request_id


class ChineseJSONRenderer(JSONRenderer):
    """Chinese text as UTF-8, not \\uXXXX escapes, so curl output is readable."""

    json_dumps_params: Mapping[str, Any] = {"ensure_ascii": False}


class ErrorOut(Schema):
    """The one shape of every error the API answers (TMF630 plus the request id)."""

    code: str = Field(..., description="稳定的机器可读代码 <领域>.<原因>，如 core.not_found")
    reason: str = Field(..., description="code 的可读形式")
    message: str = Field(..., description="给人看的中文说明")
    status: str = Field(..., description="HTTP 状态码（字符串）")
    request_id: str | None = Field(None, description="请求编号：同 X-Request-ID 响应头，服务器日志中也有")
    field: str | None = Field(None, description="出错的输入字段（如有）")
    errors: list[dict[str, Any]] | None = Field(None, description="仅 422：逐项校验错误")


# What each error status means; which operations document which statuses: _error_statuses.
ERROR_STATUSES: dict[int, str] = {
    400: "请求有误：参数含不允许的字符，或业务规则拒绝",
    401: "未认证：需要登录会话或有效的 Bearer 令牌",
    403: "无权限（含会话请求未带 CSRF 令牌）",
    404: "对象不存在或无权查看",
    409: "状态冲突：当前状态不允许此操作、受理期外、资源已满",
    422: "请求数据不符合接口约定（类型、必填、长度、字符、取值范围）",
    429: "请求过于频繁（Retry-After 头给出等待秒数）",
    500: "服务器内部错误（请附上 request_id 联系运维）",
}


def _error_statuses(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer: every operation 401/403/429/500; one that
    takes parameters or a body also 400 (input policy, rule refusals) and 422 (schema); one that
    names an object in its path, or writes, 404; one that writes 409."""
    statuses = {401, 403, 429, 500}
    writes = method in {"post", "put", "patch", "delete"}
    if operation.get("parameters") or operation.get("requestBody") or writes:
        statuses |= {400, 422}
    if "{" in path or writes:
        statuses.add(404)
    if writes:
        statuses.add(409)
    return statuses


class VasopsAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        """Every operation documents its error statuses with the :class:`ErrorOut` schema."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Error"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        ref = {"$ref": "#/components/schemas/Error"}
        for path, methods in schema["paths"].items():
            for method, operation in methods.items():
                responses = operation.setdefault("responses", {})
                for status in sorted(_error_statuses(method, path, operation)):
                    responses.setdefault(
                        status,
                        {
                            "description": ERROR_STATUSES[status],
                            "content": {"application/json": {"schema": ref}},
                        },
                    )
        return schema


class ApiRateThrottle(BaseThrottle):
    """Requests per minute per authenticated user (``VASOPS_API_RATE_PER_MINUTE``, 0 = off):
    a fixed one-minute window counted in the cache; over it → 429 ``core.throttled``."""

    def allow_request(self, request: HttpRequest) -> bool:
        rate = int(getattr(settings, "VASOPS_API_RATE_PER_MINUTE", 0) or 0)
        user = getattr(request, "auth", None) or getattr(request, "user", None)
        if rate <= 0 or user is None or not getattr(user, "pk", None):
            return True
        window = int(time.time() // 60)
        self._wait = 60 - time.time() % 60
        key = f"vasops:api-rate:{user.pk}:{window}"
        cache.add(key, 0, timeout=70)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=70)
            count = 1
        return count <= rate

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


api = VasopsAPI(
    renderer=ChineseJSONRenderer(),
    title="vasops API",
    version="1.0.0",
    description=(
        "vasops 增值业务运营平台 REST API。分页用 offset/limit，总数在 X-Total-Count 响应头；"
        "错误体为 {code, reason, message, status, request_id}（见 Error 模型）。"
        "认证：浏览器会话（带 CSRF）或 "
        "`Authorization: Bearer <token>`（`manage.py create_api_token USER` 生成）。"
    ),
    urls_namespace="api",
    auth=[BearerToken(), StaffVerifiedSession()],
    throttle=[ApiRateThrottle()],
    openapi_url="/openapi.json",
    docs_url="/docs",
)

logger = logging.getLogger("vasops.api")


def _error(request: HttpRequest, status: int, code: str, message: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, error_body(code, message, status, **extra), status=status)


_SHAPE = frozenset({"code", "reason", "message", "status", "field"})


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    # what a refusal adds to the shape (VacRefused: the VAC result code) comes from its as_dict()
    extra = {k: v for k, v in exc.as_dict().items() if k not in _SHAPE}
    return _error(request, exc.status, exc.code, exc.full_message, field=exc.field, **extra)


# pydantic's error types in words people read (the raw list stays in ``errors`` for machines);
# translated where they are used
_PYDANTIC_WORDS: dict[str, str] = {
    "missing": gettext_noop("必填"),
    "string_too_long": gettext_noop("最多 {max_length} 个字符"),
    "string_too_short": gettext_noop("不能为空"),
    "string_pattern_mismatch": gettext_noop("含有不允许的字符或不能为空"),
    "string_type": gettext_noop("应为文本"),
    "string_unicode": gettext_noop("含有无法识别的字符"),
    "less_than_equal": gettext_noop("不能大于 {le}"),
    "greater_than_equal": gettext_noop("不能小于 {ge}"),
    "less_than": gettext_noop("应小于 {lt}"),
    "greater_than": gettext_noop("应大于 {gt}"),
    "int_parsing": gettext_noop("应为整数"),
    "int_type": gettext_noop("应为整数"),
    "int_from_float": gettext_noop("应为整数"),
    "bool_parsing": gettext_noop("应为 true 或 false"),
    "bool_type": gettext_noop("应为 true 或 false"),
    "date_parsing": gettext_noop("应为日期 YYYY-MM-DD"),
    "date_from_datetime_parsing": gettext_noop("应为日期 YYYY-MM-DD"),
    "date_type": gettext_noop("应为日期 YYYY-MM-DD"),
    "literal_error": gettext_noop("应为以下之一：{expected}"),
    "dict_type": gettext_noop("应为 JSON 对象"),
    "list_type": gettext_noop("应为 JSON 数组"),
    "model_attributes_type": gettext_noop("应为 JSON 对象"),
    "model_type": gettext_noop("应为 JSON 对象"),
    "decimal_parsing": gettext_noop("应为数字"),
    "float_parsing": gettext_noop("应为数字"),
}


def _words(err: dict[str, Any]) -> str:
    template = _PYDANTIC_WORDS.get(str(err.get("type")))
    if template is None:
        return str(err.get("msg", ""))
    try:
        return gettext(template).format(**(err.get("ctx") or {}))
    except (KeyError, IndexError):
        return str(err.get("msg", ""))


def _safe(value: Any) -> Any:
    """JSON-safe copy of an error entry (no lone surrogates, exceptions as text)."""
    if isinstance(value, dict):
        return {str(k): _safe(v) for k, v in value.items() if k not in ("input", "url")}
    if isinstance(value, list | tuple):
        return [_safe(v) for v in value]
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, int | float | bool) or value is None:
        return value
    return str(value)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = []
    fields = []
    for err in exc.errors:
        loc = ".".join(
            str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path", "form")
        )
        fields.append(loc)
        problems.append(
            gettext("%(field)s：%(words)s") % {"field": loc, "words": _words(err)} if loc else _words(err)
        )
    return _error(
        request,
        422,
        CoreError.VALIDATION,
        gettext("请求数据无效：%(problems)s") % {"problems": gettext("；").join(problems)},
        field=fields[0] if len(set(fields)) == 1 and fields[0] else None,
        errors=_safe(exc.errors),
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, CoreError.UNAUTHENTICATED, gettext("需要登录或有效的 Bearer 令牌。"))


@api.exception_handler(Http404)
def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, CoreError.NOT_FOUND, gettext("对象不存在或您无权查看。"))


@api.exception_handler(Throttled)
def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    wait = (
        gettext("请 %(wait)s 秒后重试。") % {"wait": math.ceil(exc.wait)}
        if exc.wait
        else gettext("请稍后重试。")
    )
    return _error(request, 429, CoreError.THROTTLED, gettext("请求过于频繁，%(wait)s") % {"wait": wait})


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's own refusals: a body that is not JSON (400), a session write without CSRF (403)."""
    if exc.status_code == 403:
        return _error(
            request,
            403,
            CoreError.CSRF_FAILED,
            gettext(
                "CSRF 校验失败：用浏览器会话调用写操作须带 X-CSRFToken 头（值为 "
                "csrftoken cookie），或改用 Bearer 令牌。"
            ),
        )
    if exc.status_code == 400:
        return _error(request, 400, CoreError.BAD_REQUEST, gettext("无法解析请求体：应为 JSON（UTF-8）。"))
    return _error(request, exc.status_code, CoreError.BAD_REQUEST, gettext("请求有误。"))


@api.exception_handler(MultiPartParserError)
def on_bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    """A multipart body Django cannot parse (an upload route given broken parts) is the client's
    error, not the server's."""
    return _error(
        request, 400, CoreError.BAD_REQUEST, gettext("无法解析 multipart 请求体：请检查文件上传的格式。")
    )


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(request, 413, CoreError.TOO_LARGE, gettext("请求体过大。"))


@api.exception_handler(Exception)
def on_server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Anything unforeseen: logged with its traceback and the request id; the client gets the
    error shape with the request id and no traceback."""
    logger.error(
        "API %s %s failed (request_id=%s)",
        request.method,
        request.path,
        current_request_id(),
        exc_info=exc,
    )
    return _error(
        request,
        500,
        CoreError.SERVER_ERROR,
        gettext("服务器内部错误，请稍后重试；如持续出现，请把 request_id 告诉运维。"),
    )


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
