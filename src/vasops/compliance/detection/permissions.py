"""Detection permissions per role (merged into compliance.permissions.ROLE_PERMISSIONS)."""

from __future__ import annotations

from vasops.core import roles

VIEW_PERM = "compliance.view_detectionhit"
RULES_PERM = "compliance.change_detectionrule"
RUN_PERM = "compliance.run_detection"

VIEW = [VIEW_PERM, "compliance.view_detectionrule", "compliance.view_detectionrun"]

DETECTION_ROLE_PERMISSIONS: dict[str, list[str]] = {
    roles.PRODUCT_STAFF: [*VIEW, RULES_PERM, RUN_PERM],
    roles.DEPARTMENT_HEAD: [*VIEW, RULES_PERM, RUN_PERM],
    roles.CS_AGENT: [*VIEW],
    roles.AUDITOR: [*VIEW],
    # partners do not see detection figures: a hit reaches them only as a violation staff raise
}
