"""What each role may do in the partner registry (synced to the role groups after migrate)."""

from __future__ import annotations

from vasops.core import roles

VIEW = ["partners.view_partner", "partners.view_qualification", "partners.view_restriction"]
MANAGE = ["partners.manage_partner", "partners.manage_restriction"]
VIEW_CHANGES = ["partners.view_partnerchangerequest"]
REVIEW_CHANGES = ["partners.review_change_request", *VIEW_CHANGES]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    roles.PRODUCT_STAFF: [*VIEW, *MANAGE, *REVIEW_CHANGES],
    roles.DEPARTMENT_HEAD: [*VIEW, *MANAGE, *REVIEW_CHANGES],
    roles.AUDITOR: [*VIEW, *VIEW_CHANGES],
    roles.OM_ENGINEER: ["partners.view_partner"],
    roles.FINANCE: ["partners.view_partner"],
    roles.CS_AGENT: ["partners.view_partner"],
    # partner roles hold none of the staff permissions: they reach their own company through
    # membership checks in queries.py / actions.py
    roles.PARTNER_ADMIN: [],
    roles.PARTNER_USER: [],
}
