"""Stable error codes of compliance (violations, blocking, credit, assessment, exit)."""

from __future__ import annotations

from vasops.core.vocabulary import ErrorCode


class ComplianceError(ErrorCode):
    UNKNOWN_VIOLATION = "compliance.unknown_violation"
    INVALID_VIOLATION_TYPE = "compliance.invalid_violation_type"
    REASON_REQUIRED = "compliance.reason_required"
    PRODUCT_NOT_OF_PARTNER = "compliance.product_not_of_partner"
    PRODUCT_REQUIRED = "compliance.product_required"
    APPEAL_CLOSED = "compliance.appeal_closed"
    APPEAL_WINDOW_OPEN = "compliance.appeal_window_open"
    INVALID_REDUCTION = "compliance.invalid_reduction"
    INVALID_BLOCK = "compliance.invalid_block"
    INVALID_SETTINGS = "compliance.invalid_settings"
    INVALID_PERIOD = "compliance.invalid_period"
    ALREADY_EXITED = "compliance.already_exited"
