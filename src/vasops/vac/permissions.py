"""What each role may do in the VAC (synced to the role groups after migrate)."""

from __future__ import annotations

from vasops.core import roles

MANAGE = "vac.manage_subscription"
VIEW = "vac.view_subscription"
VIEW_CRM_BATCH = "vac.view_crmbatchfile"
ADD_CRM_BATCH = "vac.add_crmbatchfile"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    roles.CS_AGENT: [VIEW, MANAGE, VIEW_CRM_BATCH],
    roles.OM_ENGINEER: [VIEW, MANAGE, VIEW_CRM_BATCH, ADD_CRM_BATCH],
    roles.DEPARTMENT_HEAD: [VIEW, MANAGE, VIEW_CRM_BATCH, ADD_CRM_BATCH],
    roles.AUDITOR: [VIEW, VIEW_CRM_BATCH],
    roles.FINANCE: [VIEW],
    roles.PARTNER_ADMIN: [],
    roles.PARTNER_USER: [],
}
