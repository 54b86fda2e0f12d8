"""What each role may do in the catalogue (synced to the role groups after migrate)."""

from __future__ import annotations

from vasops.core import roles

VIEW = [
    "catalog.view_product",
    "catalog.view_productchangerequest",
    "catalog.view_businessline",
    "catalog.view_resourcepool",
]
REVIEW = ["catalog.review_product", "catalog.review_change"]
MANAGE = ["catalog.manage_product"]
LINES = ["catalog.add_businessline", "catalog.change_businessline"]
RESOURCES = ["catalog.manage_resources"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    roles.PRODUCT_STAFF: [*VIEW, *REVIEW, *MANAGE, *LINES, *RESOURCES],
    roles.DEPARTMENT_HEAD: [*VIEW, *REVIEW, *MANAGE, *LINES, *RESOURCES],
    roles.OM_ENGINEER: [*VIEW, *MANAGE],
    roles.AUDITOR: [*VIEW],
    roles.FINANCE: [*VIEW],
    roles.CS_AGENT: [*VIEW],
    # partner users reach their own products through membership checks in queries/actions
    roles.PARTNER_ADMIN: [],
    roles.PARTNER_USER: [],
}
