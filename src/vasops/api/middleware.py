"""Keeps the API's one error shape on answers that never reach an API operation: an unknown
``/api/v1/…`` path (Django's 404), a method the path does not allow (405), a request body over
the size limit, a crash outside the operation; and refuses query parameters that break the input
policy (``core.inputs``) before any operation sees them."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext

from vasops.core import inputs
from vasops.core.errors import CoreError, error_body
from vasops.core.marks import gettext_noop

API_PREFIX = "/api/"

_BY_STATUS: dict[int, tuple[str, str]] = {
    400: (CoreError.BAD_REQUEST, gettext_noop("请求有误。")),
    401: (CoreError.UNAUTHENTICATED, gettext_noop("需要登录或有效的 Bearer 令牌。")),
    403: (CoreError.PERMISSION_DENIED, gettext_noop("您没有执行此操作的权限。")),
    404: (CoreError.NOT_FOUND, gettext_noop("没有这个接口路径，或对象不存在；接口清单见 /api/v1/docs。")),
    405: (CoreError.METHOD_NOT_ALLOWED, gettext_noop("该路径不支持此 HTTP 方法。")),
    413: (CoreError.TOO_LARGE, gettext_noop("请求体过大。")),
    429: (CoreError.THROTTLED, gettext_noop("请求过于频繁，请稍后重试。")),
}
_KEEP_HEADERS = ("Allow", "Retry-After", "X-Request-ID")


def json_error(status: int, code: str, message: str, **extra: object) -> HttpResponse:
    body = error_body(code, message, status, **extra)
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8"
    )


def query_problem(request: HttpRequest) -> tuple[str, str] | None:
    """(parameter, why) for the first query parameter whose name or value breaks the character
    rules of the input policy (one line, no control characters)."""
    for key, values in request.GET.lists():
        for text in (key, *values):
            problem = inputs.text_problem(text)
            if problem:
                return key, problem
    return None


class ApiErrorShapeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        # this middleware runs outside LocaleMiddleware: its words take the request's language
        language = translation.get_language_from_request(request)
        with translation.override(language):
            bad = query_problem(request)
            if bad is not None:
                name, why = bad
                name = name.encode("utf-8", "backslashreplace").decode()
                message = gettext("查询参数“%(name)s”%(why)s") % {"name": name, "why": why}
                return json_error(400, CoreError.VALIDATION, message, field=name)
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            code, message = _BY_STATUS.get(
                response.status_code,
                (CoreError.SERVER_ERROR, gettext_noop("服务器内部错误，请把 request_id 告诉运维。"))
                if response.status_code >= 500
                else (CoreError.BAD_REQUEST, gettext_noop("请求有误。")),
            )
            with translation.override(language):
                message = gettext(message)
            shaped = json_error(response.status_code, code, message)
            for header in _KEEP_HEADERS:
                if header in response:
                    shaped[header] = response[header]
            return shaped
        return response
