"""Stable error codes of the product catalogue."""

from __future__ import annotations

from vasops.core.vocabulary import ErrorCode


class CatalogError(ErrorCode):
    INVALID_PRODUCT_CODE = "catalog.invalid_product_code"
    PRODUCT_CODE_TAKEN = "catalog.product_code_taken"
    INVALID_ACCESS_NUMBER = "catalog.invalid_access_number"
    NO_ACCESS_NUMBER = "catalog.no_access_number"
    INVALID_FEE = "catalog.invalid_fee"
    PARTNER_NOT_ELIGIBLE = "catalog.partner_not_eligible"
    MONTHLY_PRICE_RISE_FORBIDDEN = "catalog.monthly_price_rise_forbidden"
    EFFECTIVE_DATE_NOT_IN_FUTURE = "catalog.effective_date_not_in_future"
    NOTHING_CHANGED = "catalog.nothing_changed"
    CHANGE_PENDING = "catalog.change_pending"
    VERSION_OVERLAP = "catalog.version_overlap"
    NO_VERSION = "catalog.no_version"
    REASON_REQUIRED = "catalog.reason_required"
    TESTS_NOT_PASSED = "catalog.tests_not_passed"
    PRODUCT_NOT_ACTIVE = "catalog.product_not_active"
    INVALID_BUSINESS_LINE = "catalog.invalid_business_line"
    RESOURCE_POOL_FULL = "catalog.resource_pool_full"
    RESOURCE_POOL_MISSING = "catalog.resource_pool_missing"
    INVALID_POOL = "catalog.invalid_pool"
    ALLOCATION_RELEASED = "catalog.allocation_released"
    IMPORT_INVALID = "catalog.import_invalid"
