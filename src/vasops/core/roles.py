"""Roles of DESIGN.md as Django groups. Each app lists what its roles may do in its own
``permissions.py`` (``ROLE_PERMISSIONS = {role: ["app_label.codename", ...]}``); after every
migrate the groups are brought in line with those lists."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from django.apps import apps as django_apps
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

PARTNER_ADMIN = "partner_admin"
PARTNER_USER = "partner_user"
PRODUCT_STAFF = "product_staff"
EXPERT = "expert"
OM_ENGINEER = "om_engineer"
FINANCE = "finance"
CS_AGENT = "cs_agent"
AUDITOR = "auditor"
DEPARTMENT_HEAD = "department_head"

ROLE_LABELS: dict[str, Any] = {
    PARTNER_ADMIN: _("合作伙伴管理员"),
    PARTNER_USER: _("合作伙伴用户"),
    PRODUCT_STAFF: _("产品创新部"),
    EXPERT: _("评审专家"),
    OM_ENGINEER: _("运维工程师"),
    FINANCE: _("结算"),
    CS_AGENT: _("客服"),
    AUDITOR: _("审计（只读）"),
    DEPARTMENT_HEAD: _("部门负责人"),
}
STAFF_ROLES = {PRODUCT_STAFF, OM_ENGINEER, FINANCE, CS_AGENT, AUDITOR, DEPARTMENT_HEAD}
PARTNER_ROLES = {PARTNER_ADMIN, PARTNER_USER}


def is_staff_member(user: Any) -> bool:
    """Does ``user`` work in the console (a carrier staff role, or a superuser)? Experts and
    partner users do not."""
    return bool(getattr(user, "is_superuser", False) or set(roles_of(user)) & STAFF_ROLES)


CORE_ROLE_PERMISSIONS: dict[str, list[str]] = {
    AUDITOR: ["core.view_audit", "core.view_document"],
    DEPARTMENT_HEAD: ["core.view_audit", "core.manage_calendar", "core.manage_users", "core.view_document"],
    PRODUCT_STAFF: ["core.manage_calendar", "core.view_document"],
    OM_ENGINEER: ["core.view_document"],
    FINANCE: ["core.view_document"],
    CS_AGENT: [],
}


def collect_role_permissions() -> dict[str, set[str]]:
    merged: dict[str, set[str]] = {role: set() for role in ROLE_LABELS}
    for role, perms in CORE_ROLE_PERMISSIONS.items():
        merged[role].update(perms)
    for config in django_apps.get_app_configs():
        if not config.name.startswith("vasops.") or config.name == "vasops.core":
            continue
        try:
            module = importlib.import_module(f"{config.name}.permissions")
        except ModuleNotFoundError:
            continue
        for role, perms in getattr(module, "ROLE_PERMISSIONS", {}).items():
            merged.setdefault(role, set()).update(perms)
    return merged


def _last_migrated_app() -> Any:
    configs = [c for c in django_apps.get_app_configs() if c.models_module is not None]
    return configs[-1] if configs else None


def sync_role_groups(sender: Any = None, **kwargs: Any) -> None:
    """post_migrate: create the role groups and give them exactly their permissions."""
    from django.contrib.auth.models import Group, Permission

    # post_migrate is sent once per app, in INSTALLED_APPS order, and each app's permissions are
    # created by its own signal. Sync on the last app's signal, when every permission exists
    # (syncing on core's signal would miss the permissions of the apps installed after it).
    if sender is not None and sender is not _last_migrated_app():
        return
    for role, perms in collect_role_permissions().items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for dotted in sorted(perms):
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is None:
                log.warning("role %s: unknown permission %s", role, dotted)
                continue
            wanted.append(perm)
        group.permissions.set(wanted)


def roles_of(user: Any) -> list[str]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [name for name in user.groups.values_list("name", flat=True) if name in ROLE_LABELS]


def belongs_to_partner(user: Any) -> bool:
    """Is ``user`` a member of a partner (the ``partner_membership`` of ``partners``)? Core cannot
    import partners; this is the same test as ``partners.queries.partner_of(user) is not None``."""
    return bool(getattr(user, "is_authenticated", False)) and (
        getattr(user, "partner_membership", None) is not None
    )


def has_role(user: Any, *roles: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.groups.filter(name__in=roles).exists()
