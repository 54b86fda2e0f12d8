from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from vasops.core import notify, roles


def shell(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    user_roles = roles.roles_of(user)
    # one groups query per request: the nav tag reads the roles from here
    request._vasops_roles = user_roles  # type: ignore[attr-defined]
    membership = getattr(user, "partner_membership", None)
    return {
        "shell_roles": [roles.ROLE_LABELS[r] for r in user_roles],
        "shell_partner": membership.partner if membership is not None else None,
        "shell_is_staff_side": bool(set(user_roles) & roles.STAFF_ROLES) or user.is_superuser,
        "shell_is_expert": roles.EXPERT in user_roles,
        "shell_unread": notify.unread_count(user),  # type: ignore[arg-type]
    }
