"""Periodic jobs of the catalogue (plain functions; `manage.py catalog_sweep` runs them)."""

from __future__ import annotations

from vasops.catalog import actions


def apply_due_changes() -> int:
    """Approved product changes whose effective date has come take effect (idempotent)."""
    return actions.apply_due_changes(actor="system")
