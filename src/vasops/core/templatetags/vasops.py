from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Model
from django.urls import NoReverseMatch, get_urlconf, reverse
from django.utils.translation import gettext

from vasops.core import audit, history, roles, rules, ui, vocabulary

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
    return {"events": [history.entry(e) for e in audit.history_of(obj)[:limit]]}


@register.filter
def code_label(code: Any) -> str:
    """``{{ document.kind|code_label }}``: the words for a stored code."""
    return "" if code in (None, "") else vocabulary.code_label(code)


@register.filter
def mmss(seconds: int | None) -> str:
    """Seconds as the countdown shows them: ``3600`` -> ``60:00``."""
    if seconds is None:
        return "--:--"
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


@register.filter
def yes_no(value: Any) -> str:
    """``{{ flag|yes_no }}``: 是/否 (Yes/No), — when unknown."""
    if value is None:
        return "—"
    return gettext("是") if value else gettext("否")


@register.inclusion_tag("core/_badge.html")
def state_badge(value: Any, label: Any = None) -> dict[str, Any]:
    return {"cls": ui.badge_class(str(value)), "label": label if label is not None else value}


# (audience, urlconf, active, superuser, permissions, roles) -> [(label, url, section)]: the nav
# depends only on these, so it is built once per distinct set instead of on every request.
_NAV_CACHE: dict[tuple[Any, ...], list[tuple[Any, str, str]]] = {}


def _visible_nav(audience: str, user: Any, user_roles: set[str]) -> list[tuple[Any, str, str]]:
    authenticated = bool(user is not None and getattr(user, "is_authenticated", False))
    perms = frozenset(user.get_all_permissions()) if authenticated else frozenset()
    key = (
        audience,
        get_urlconf(),
        authenticated and user.is_active,
        authenticated and user.is_superuser,
        perms,
        frozenset(user_roles),
    )
    cached = _NAV_CACHE.get(key)
    if cached is not None:
        return cached
    entries = []
    for item in ui.collect_nav().get(audience, []):
        needed = (item.perm,) if isinstance(item.perm, str) else (item.perm or ())
        if needed and not (user and user.has_perms(needed)):
            continue
        wanted = {item.role} if isinstance(item.role, str) else set(item.role or ())
        superuser = authenticated and user.is_superuser
        if wanted and not (wanted & user_roles or (superuser and audience == "console")):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        entries.append((item.label, url, item.section))
    if len(_NAV_CACHE) > 512:
        _NAV_CACHE.clear()
    _NAV_CACHE[key] = entries
    return entries


@register.simple_tag(takes_context=True)
def nav_items(context: dict[str, Any], audience: str) -> list[dict[str, Any]]:
    request = context.get("request")
    user = getattr(request, "user", None)
    cached_roles = getattr(request, "_vasops_roles", None)  # set by the shell context processor
    user_roles = set(cached_roles if cached_roles is not None else roles.roles_of(user))
    return [
        {
            "label": gettext(label),
            "url": url,
            "section": gettext(section) if section else "",
            "active": bool(request and request.path.startswith(url) and url != "/"),
        }
        for label, url, section in _visible_nav(audience, user, user_roles)
    ]
