from vasops.core import roles
from vasops.core.ui import NavItem

SETTLEMENT_CONSOLE_NAV = [
    NavItem("结算批次", "settlement:runs", perm="settlement.view_settlementrun", section="结算"),
    NavItem("结算单", "settlement:statements", perm="settlement.view_statement", section="结算"),
    NavItem("收入看板", "settlement:dashboard", perm="settlement.view_settlementrun", section="结算"),
    NavItem("分成比例", "settlement:ratios", perm="settlement.view_ratioversion", section="结算"),
    NavItem("坏账率", "settlement:bad_debt", perm="settlement.view_baddebtrate", section="结算"),
    NavItem("结算调整", "settlement:adjustments", perm="settlement.view_adjustment", section="结算"),
]
SETTLEMENT_PORTAL_NAV = [
    NavItem(label, url, role=role, section="结算")
    for label, url in (
        ("结算单", "settlement:my_statements"),
        ("分成比例", "settlement:my_ratios"),
        ("结算调整", "settlement:my_adjustments"),
    )
    for role in (roles.PARTNER_ADMIN, roles.PARTNER_USER)
]

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

CONSOLE_NAV = [*SETTLEMENT_CONSOLE_NAV, *RECONCILIATION_CONSOLE_NAV]
PORTAL_NAV = [*SETTLEMENT_PORTAL_NAV, *RECONCILIATION_PORTAL_NAV]
