from vasops.core import roles
from vasops.core.ui import NavItem

# reconciliation 结算对账 (settlement.reconciliation)
RECONCILIATION_CONSOLE_NAV = [
    NavItem("对账申请", "reconciliation:list", perm="settlement.view_reconciliation", section="结算"),
    NavItem("对账争议", "reconciliation:disputes", perm="settlement.view_dispute", section="结算"),
]
RECONCILIATION_PORTAL_NAV = [
    NavItem(label, url, role=role, section="结算")
    for label, url in (("结算对账", "reconciliation:mine"), ("对账争议", "reconciliation:disputes"))
    for role in (roles.PARTNER_ADMIN, roles.PARTNER_USER)
]

CONSOLE_NAV = [*RECONCILIATION_CONSOLE_NAV]
PORTAL_NAV = [*RECONCILIATION_PORTAL_NAV]
