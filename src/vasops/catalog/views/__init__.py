"""The catalogue's pages, one module per subject: products (portal and console, review queue),
product changes, business lines, product import, resource pools. Thin: parse → action/query →
render. ``urls.py`` imports them from here."""

from __future__ import annotations

from vasops.catalog.views.business_lines import BusinessLineListView, business_line_edit
from vasops.catalog.views.changes import change_create, change_detail, change_review
from vasops.catalog.views.product_import import product_import, product_import_template
from vasops.catalog.views.products import (
    COLUMNS,
    PRODUCT_OPS,
    REVIEW_QUEUE_PAGE_SIZE,
    MyProductsView,
    ProductListView,
    product_action,
    product_create,
    product_detail,
    product_edit,
    product_review,
    product_submit,
    review_queue,
)
from vasops.catalog.views.resources import (
    POOLS_CRUMB,
    PoolListView,
    allocation_release,
    pool_allocate,
    pool_detail,
    pool_edit,
)

__all__ = [
    "COLUMNS",
    "POOLS_CRUMB",
    "PRODUCT_OPS",
    "REVIEW_QUEUE_PAGE_SIZE",
    "BusinessLineListView",
    "MyProductsView",
    "PoolListView",
    "ProductListView",
    "allocation_release",
    "business_line_edit",
    "change_create",
    "change_detail",
    "change_review",
    "pool_allocate",
    "pool_detail",
    "pool_edit",
    "product_action",
    "product_create",
    "product_detail",
    "product_edit",
    "product_import",
    "product_import_template",
    "product_review",
    "product_submit",
    "review_queue",
]
