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
    EXPORT_MISPLACED = "settlement.export_misplaced"
    RUN_IN_PROGRESS = "settlement.run_in_progress"
    RATIO_MISSING = "settlement.ratio_missing"
    FOUR_EYES = "settlement.four_eyes"
    STALE_INPUTS = "settlement.stale_inputs"
    UNKNOWN_ENGINE = "settlement.unknown_engine"
    NOT_LATEST_VERSION = "settlement.not_latest_version"
    # reconciliation 结算对账 (settlement.reconciliation)
    RECONCILIATION_BAD_MONTH = "settlement.reconciliation_bad_month"
    RECONCILIATION_MONTH_NOT_ENDED = "settlement.reconciliation_month_not_ended"
    RECONCILIATION_EXISTS = "settlement.reconciliation_exists"
    RECONCILIATION_CDR_MISSING = "settlement.reconciliation_cdr_missing"
    RECONCILIATION_CLOSED = "settlement.reconciliation_closed"
    RECONCILIATION_HAS_DISPUTES = "settlement.reconciliation_has_disputes"
    RECONCILIATION_ROWS_INVALID = "settlement.reconciliation_rows_invalid"
    RECONCILIATION_NOT_DIFFED = "settlement.reconciliation_not_diffed"
    RECONCILIATION_NO_DETAIL = "settlement.reconciliation_no_detail"
    RECONCILIATION_DAY_OUTSIDE = "settlement.reconciliation_day_outside"
    RECONCILIATION_DISPUTES_PENDING = "settlement.reconciliation_disputes_pending"
    DISPUTE_LINE_MATCHED = "settlement.dispute_line_matched"
    DISPUTE_ALREADY_PENDING = "settlement.dispute_already_pending"
    DISPUTE_NOT_PENDING = "settlement.dispute_not_pending"
    DISPUTE_REASON_REQUIRED = "settlement.dispute_reason_required"
    DISPUTE_AMOUNT_INVALID = "settlement.dispute_amount_invalid"
