"""Stable error codes of settlement and reconciliation."""

from __future__ import annotations

from vasops.core.vocabulary import ErrorCode


class SettlementError(ErrorCode):
    INVALID_AMOUNT = "settlement.invalid_amount"
    REASON_REQUIRED = "settlement.reason_required"
    PRODUCT_NOT_OF_PARTNER = "settlement.product_not_of_partner"
    SOURCE_CONFLICT = "settlement.source_conflict"
    INVALID_RATIO = "settlement.invalid_ratio"
    RATIO_OVERLAP = "settlement.ratio_overlap"
    MONTH_CLOSED = "settlement.month_closed"
    MONTH_NOT_OVER = "settlement.month_not_over"
    EXPORT_MISSING = "settlement.export_missing"
    RUN_IN_PROGRESS = "settlement.run_in_progress"
    RATIO_MISSING = "settlement.ratio_missing"
    FOUR_EYES = "settlement.four_eyes"
    STALE_INPUTS = "settlement.stale_inputs"
    UNKNOWN_ENGINE = "settlement.unknown_engine"
    NOT_LATEST_VERSION = "settlement.not_latest_version"
