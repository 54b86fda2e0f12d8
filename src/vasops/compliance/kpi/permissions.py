"""KPI permissions per role (merged into compliance.permissions.ROLE_PERMISSIONS)."""

from __future__ import annotations

from vasops.core import roles

VIEW = ["compliance.view_kpirecord", "compliance.view_kpidefinition"]
RECORD = ["compliance.record_kpi"]
DEFINE = ["compliance.change_kpidefinition"]

VIEW_PERM = "compliance.view_kpirecord"
RECORD_PERM = "compliance.record_kpi"
DEFINE_PERM = "compliance.change_kpidefinition"

KPI_ROLE_PERMISSIONS: dict[str, list[str]] = {
    roles.OM_ENGINEER: [*VIEW, *RECORD],
    roles.PRODUCT_STAFF: [*VIEW, *RECORD, *DEFINE],
    roles.DEPARTMENT_HEAD: [*VIEW, *RECORD, *DEFINE],
    roles.AUDITOR: [*VIEW],
    # partner users see their own records through queries scoped to their partner
}
