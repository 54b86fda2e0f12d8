"""What each role may do in compliance (synced to the role groups after migrate)."""

from __future__ import annotations

from vasops.core import roles

VIEW = ["compliance.view_compliance", "compliance.view_violationrecord"]
STAFF = [
    *VIEW,
    "compliance.draft_violation",
    "compliance.manage_violation",
    "compliance.block_service",
    "compliance.manage_assessment",
    "compliance.manage_catalogue",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    roles.PRODUCT_STAFF: STAFF,
    roles.DEPARTMENT_HEAD: STAFF,
    roles.OM_ENGINEER: [*VIEW, "compliance.draft_violation"],
    roles.CS_AGENT: [*VIEW, "compliance.draft_violation"],
    roles.AUDITOR: VIEW,
    roles.FINANCE: VIEW,
    # partner users reach their own records through membership checks in queries/actions
    roles.PARTNER_ADMIN: [],
    roles.PARTNER_USER: [],
}
