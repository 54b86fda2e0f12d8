from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from vasops.api.models import ApiToken
from vasops.core import clock
from vasops.core.middleware import needs_second_factor


class BearerToken(HttpBearer):
    """``Authorization: Bearer vo_...`` issued by ``manage.py create_api_token USER``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        row = (
            ApiToken.objects.select_related("user")
            .filter(digest=ApiToken.hash(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if row is None:
            return None
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=clock.now())
        request.user = row.user
        return row.user


class StaffVerifiedSession(SessionAuth):
    """Browser session (CSRF-checked); carrier staff must have passed two-factor login."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None or needs_second_factor(user):
            return None
        return user
