"""Permission checks used inside actions and views."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from vasops.core.errors import PermissionDenied


def require(actor: Any, *perms: str, message: str | None = None) -> None:
    """Refuse unless ``actor`` holds every one of ``perms`` (``app_label.codename``)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(message or gettext("请先登录。"))
    if not actor.has_perms(perms):
        raise PermissionDenied(message or gettext("您没有执行此操作的权限。"), perms=list(perms))


def has(actor: Any, perm: str) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.has_perm(perm))
