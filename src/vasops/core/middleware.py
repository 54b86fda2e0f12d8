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
