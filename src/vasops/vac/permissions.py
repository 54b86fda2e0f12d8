"""What each role may do in the VAC (synced to the role groups after migrate)."""

from __future__ import annotations

from vasops.core import roles

MANAGE = "vac.manage_subscription"
VIEW = "vac.view_subscription"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    roles.CS_AGENT: [VIEW, MANAGE],
    roles.OM_ENGINEER: [VIEW, MANAGE],
    roles.DEPARTMENT_HEAD: [VIEW, MANAGE],
    roles.AUDITOR: [VIEW],
    roles.FINANCE: [VIEW],
    roles.PARTNER_ADMIN: [],
    roles.PARTNER_USER: [],
}
