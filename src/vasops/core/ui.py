"""Shared UI vocabulary: one colour per state family, the same everywhere; navigation."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache

from django.apps import apps as django_apps

# draft grey, waiting blue, needs action amber, done green, refused/blocked red
FAMILY_CLASS = {
    "draft": "text-bg-secondary",
    "waiting": "text-bg-primary",
    "action": "text-bg-warning",
    "done": "text-bg-success",
    "refused": "text-bg-danger",
}
_state_family: dict[str, str] = {}


def register_states(mapping: dict[str, str]) -> None:
    """Apps declare the family of their state values: {"submitted": "waiting", ...}."""
    _state_family.update(mapping)


def badge_class(state: str) -> str:
    return FAMILY_CLASS.get(_state_family.get(str(state), "draft"), "text-bg-secondary")


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    perm: str | tuple[str, ...] | None = None  # shown only to users holding it (all of them)
    role: str | tuple[str, ...] | None = None  # or only to users in this role group (any of them)
    section: str = ""


SECTION_ORDER = ["", "企业", "准入", "合作伙伴", "产品", "VAC", "结算", "运维", "系统"]


def _section_key(item: NavItem) -> int:
    return SECTION_ORDER.index(item.section) if item.section in SECTION_ORDER else len(SECTION_ORDER) - 1


@lru_cache(maxsize=1)
def collect_nav() -> dict[str, list[NavItem]]:
    """Each app may have ``nav.py`` with PORTAL_NAV / CONSOLE_NAV / EXPERT_NAV lists."""
    merged: dict[str, list[NavItem]] = {"portal": [], "console": [], "expert": []}
    for config in django_apps.get_app_configs():
        if not config.name.startswith("vasops."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.nav")
        except ModuleNotFoundError:
            continue
        merged["portal"] += getattr(module, "PORTAL_NAV", [])
        merged["console"] += getattr(module, "CONSOLE_NAV", [])
        merged["expert"] += getattr(module, "EXPERT_NAV", [])
    return {audience: sorted(items, key=_section_key) for audience, items in merged.items()}
