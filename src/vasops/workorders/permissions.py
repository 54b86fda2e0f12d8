"""What each role may do with work orders (synced to the role groups after migrate)."""

from __future__ import annotations

from vasops.core import roles

MANAGE = "workorders.manage_workorder"
HANDLE = "workorders.handle_workorder"
VIEW_ALL = "workorders.view_all_workorders"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    roles.OM_ENGINEER: [MANAGE, HANDLE, VIEW_ALL, "workorders.view_workorder"],
    roles.PRODUCT_STAFF: [MANAGE, HANDLE, VIEW_ALL, "workorders.view_workorder"],
    roles.DEPARTMENT_HEAD: [MANAGE, HANDLE, VIEW_ALL, "workorders.view_workorder"],
    roles.AUDITOR: [VIEW_ALL, "workorders.view_workorder"],
    # customer service dispatches complaints to partners as work orders (complaints app)
    roles.CS_AGENT: [MANAGE, "workorders.view_workorder"],
    # partner users reach their own partner's work orders through membership checks
    roles.PARTNER_ADMIN: [],
    roles.PARTNER_USER: [],
}
