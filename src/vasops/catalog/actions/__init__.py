"""The only code that changes the catalogue, one module per subject (Zulip's
``zerver/actions/<subject>.py``): products (product new, testing, suspension, retirement),
changes (product change requests and versions), business lines, resources (every resource pool
and allocation), fee notices, product import. Each function is one business act: it checks
permission and rules, changes rows, writes the audit row and notifies (email on commit).
Callers import from ``vasops.catalog.actions``; this module re-exports every act."""

from __future__ import annotations

from vasops.catalog.actions.business_lines import save_business_line
from vasops.catalog.actions.changes import CHANGE_FIELDS, apply_due_changes, request_change, review_change
from vasops.catalog.actions.common import (
    MANAGE_PRODUCT,
    MANAGE_RESOURCES,
    PRODUCT_FIELDS,
    REVIEW_CHANGE,
    REVIEW_PRODUCT,
)
from vasops.catalog.actions.fee_notice import FEE_NOTICE_HEADER
from vasops.catalog.actions.product_import import LIVE_PATH, ImportRefused, import_products
from vasops.catalog.actions.products import (
    add_test_case,
    complete_testing,
    create_product,
    fail_testing,
    finish_configuration,
    record_test_result,
    resume_product,
    retire_for_exit,
    retire_product,
    review_product,
    submit_product,
    suspend_product,
    update_product,
)
from vasops.catalog.actions.resources import (
    ALLOCATION_FIELDS,
    POOL_FIELDS,
    allocate_resource,
    release_resource,
    save_resource_pool,
)

__all__ = [
    "ALLOCATION_FIELDS",
    "CHANGE_FIELDS",
    "FEE_NOTICE_HEADER",
    "LIVE_PATH",
    "MANAGE_PRODUCT",
    "MANAGE_RESOURCES",
    "POOL_FIELDS",
    "PRODUCT_FIELDS",
    "REVIEW_CHANGE",
    "REVIEW_PRODUCT",
    "ImportRefused",
    "add_test_case",
    "allocate_resource",
    "apply_due_changes",
    "complete_testing",
    "create_product",
    "fail_testing",
    "finish_configuration",
    "import_products",
    "record_test_result",
    "release_resource",
    "request_change",
    "resume_product",
    "retire_for_exit",
    "retire_product",
    "review_change",
    "review_product",
    "save_business_line",
    "save_resource_pool",
    "submit_product",
    "suspend_product",
    "update_product",
]
