"""Stable error codes of settlement and reconciliation."""

from __future__ import annotations

from vasops.core.vocabulary import ErrorCode


class SettlementError(ErrorCode):
    INVALID_AMOUNT = "settlement.invalid_amount"
    REASON_REQUIRED = "settlement.reason_required"
    PRODUCT_NOT_OF_PARTNER = "settlement.product_not_of_partner"
    SOURCE_CONFLICT = "settlement.source_conflict"
