"""REST routes of settlement under /api/v1/settlement/… (mounted by vasops.api.urls)."""

from __future__ import annotations

from vasops.settlement.reconciliation.api import router as reconciliation_router

routers = [("/settlement", reconciliation_router)]
