"""What each role may do with customer complaints (synced to the role groups after migrate)."""

from __future__ import annotations

from vasops.core import roles

VIEW = "complaints.view_complaint"
HANDLE = "complaints.handle_complaint"
REFUND = "complaints.refund_complaint"
REPORT = "complaints.view_complaint_report"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    roles.CS_AGENT: [VIEW, HANDLE, REFUND, REPORT],
    roles.DEPARTMENT_HEAD: [VIEW, HANDLE, REFUND, REPORT],
    roles.PRODUCT_STAFF: [VIEW, REPORT],
    roles.FINANCE: [VIEW, REPORT],
    roles.AUDITOR: [VIEW, REPORT],
    # partner users reach their own partner's complaints through queries scoped to their partner
    roles.PARTNER_ADMIN: [],
    roles.PARTNER_USER: [],
}
