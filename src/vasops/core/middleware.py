from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from vasops.core import request_context

EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/", "/healthz")


def needs_second_factor(user: object) -> bool:
    return bool(
        settings.VASOPS_STAFF_2FA
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_carrier_staff", False)
        and not user.is_verified()  # type: ignore[attr-defined]
    )


class RequestIdMiddleware:
    """Gives every request an id (the client's ``X-Request-ID`` when plain, else a random one):
    on ``request.request_id``, in every log line of the request, in the ``X-Request-ID``
    response header and in every API error body, so a client's report finds the log line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_context.new_request_id(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id  # type: ignore[attr-defined]
        # kept until the response is finished (request_context.clear_request_id), so Django's
        # own "Internal Server Error: …" / "Not Found: …" lines, logged after the middleware,
        # carry it too
        request_context.set_request_id(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class ContentSecurityPolicyMiddleware:
    """Sends ``settings.VASOPS_CSP`` as the Content-Security-Policy of every response that has
    none: pages load scripts only from this site's static files (no inline script)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "VASOPS_CSP", "")
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response


class StaffTwoFactorMiddleware:
    """Carrier staff must complete TOTP verification before any console page.

    Also records the client IP for audit rows of this request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request_context.set_ip(request.META.get("REMOTE_ADDR"))
        try:
            if needs_second_factor(request.user) and not request.path.startswith(EXEMPT_PREFIXES):
                target = reverse("core:two_factor")
                if request.method == "GET" and request.path != "/":
                    target += "?" + urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(target)
            return self.get_response(request)
        finally:
            request_context.reset(token)
