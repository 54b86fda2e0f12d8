from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Model
from django.urls import NoReverseMatch, reverse

from vasops.core import audit, roles, rules, ui

register = template.Library()


@register.filter
def badge_class(state: Any) -> str:
    return ui.badge_class(str(state))


@register.filter
def fen(amount: int | None) -> str:
    return "" if amount is None else rules.format_fen(int(amount))


@register.filter
def bp_percent(ratio_bp: int | None) -> str:
    return "" if ratio_bp is None else f"{ratio_bp / 100:.2f}%"


@register.inclusion_tag("core/_history.html")
def history_panel(obj: Model, limit: int = 200) -> dict[str, Any]:
    return {"events": list(audit.history_of(obj)[:limit])}


@register.inclusion_tag("core/_badge.html")
def state_badge(value: Any, label: Any = None) -> dict[str, Any]:
    return {"cls": ui.badge_class(str(value)), "label": label if label is not None else value}


@register.simple_tag(takes_context=True)
def nav_items(context: dict[str, Any], audience: str) -> list[dict[str, Any]]:
    request = context.get("request")
    user = getattr(request, "user", None)
    items = []
    user_roles = set(roles.roles_of(user))
    for item in ui.collect_nav().get(audience, []):
        if item.perm and not (user and user.has_perm(item.perm)):
            continue
        if item.role and item.role not in user_roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = bool(request and request.path.startswith(url) and url != "/")
        items.append({"label": item.label, "url": url, "section": item.section, "active": active})
    return items
