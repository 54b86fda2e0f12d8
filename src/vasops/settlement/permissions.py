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

# reconciliation 结算对账: staff see every partner's requests and disputes; finance decides disputes.
# Partner users need no permission: they reach only their own partner's rows (reconciliation.queries).
RECONCILIATION_VIEW = ["settlement.view_reconciliation", "settlement.view_dispute"]
RECONCILIATION_DECIDE = ["settlement.decide_dispute"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    roles.FINANCE: [*VIEW, *ADJUST, *RUN, *RECONCILIATION_VIEW, *RECONCILIATION_DECIDE],
    roles.DEPARTMENT_HEAD: [*VIEW, *RECONCILIATION_VIEW],
    roles.AUDITOR: [*VIEW, *RECONCILIATION_VIEW],
    # partner users see their own adjustments, ratios, published statements and reconciliations
    # through queries scoped to their partner
    roles.PARTNER_ADMIN: [],
    roles.PARTNER_USER: [],
}
