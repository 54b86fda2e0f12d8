"""What each role may do in settlement (synced to the role groups after migrate)."""

from __future__ import annotations

from vasops.core import roles

VIEW = ["settlement.view_adjustment"]
ADJUST = ["settlement.add_adjustment"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    roles.FINANCE: [*VIEW, *ADJUST],
    roles.DEPARTMENT_HEAD: [*VIEW],
    roles.AUDITOR: [*VIEW],
    # partner users see their own adjustments through queries scoped to their partner
    roles.PARTNER_ADMIN: [],
    roles.PARTNER_USER: [],
}
