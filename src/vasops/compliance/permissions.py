"""What each role may do in compliance (synced to the role groups after migrate)."""

from __future__ import annotations

from vasops.compliance.detection.permissions import DETECTION_ROLE_PERMISSIONS
from vasops.compliance.kpi.permissions import KPI_ROLE_PERMISSIONS

ROLE_PERMISSIONS: dict[str, list[str]] = {}
for _extra in (KPI_ROLE_PERMISSIONS, DETECTION_ROLE_PERMISSIONS):
    for _role, _perms in _extra.items():
        ROLE_PERMISSIONS.setdefault(_role, []).extend(_perms)
