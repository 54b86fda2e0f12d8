"""What each role may do in settlement (synced to the role groups after migrate)."""

from __future__ import annotations

from vasops.core import roles

VIEW = [
    "settlement.view_adjustment",
    "settlement.view_settlementrun",
    "settlement.view_statement",
    "settlement.view_ratioversion",
    "settlement.view_baddebtrate",
]
ADJUST = ["settlement.add_adjustment"]
RUN = [
    "settlement.run_settlement",
    "settlement.approve_settlementrun",
    "settlement.publish_settlementrun",
    "settlement.manage_ratios",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    roles.FINANCE: [*VIEW, *ADJUST, *RUN],
    roles.DEPARTMENT_HEAD: [*VIEW],
    roles.AUDITOR: [*VIEW],
    # partner users see their own adjustments, ratios and published statements through queries
    # scoped to their partner
    roles.PARTNER_ADMIN: [],
    roles.PARTNER_USER: [],
}
