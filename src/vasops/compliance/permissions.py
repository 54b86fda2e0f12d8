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

# the SP KPIs and the detection of unauthorised charging keep their own lists
from vasops.compliance.detection.permissions import DETECTION_ROLE_PERMISSIONS  # noqa: E402
from vasops.compliance.kpi.permissions import KPI_ROLE_PERMISSIONS  # noqa: E402

for _extra in (KPI_ROLE_PERMISSIONS, DETECTION_ROLE_PERMISSIONS):
    for _role, _perms in _extra.items():
        ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS.get(_role, []), *_perms]
