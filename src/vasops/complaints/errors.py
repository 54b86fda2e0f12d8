"""Stable error codes of customer complaints."""

from __future__ import annotations

from vasops.core.vocabulary import ErrorCode


class ComplaintError(ErrorCode):
    INVALID_MSISDN = "complaints.invalid_msisdn"
    UNKNOWN_CATEGORY = "complaints.unknown_category"
    DESCRIPTION_REQUIRED = "complaints.description_required"
    PRODUCT_NOT_FOUND = "complaints.product_not_found"
    NO_PARTNER = "complaints.no_partner"
    NOT_OWNER = "complaints.not_owner"
    ANSWER_REQUIRED = "complaints.answer_required"
    REPLY_REQUIRED = "complaints.reply_required"
    REASON_REQUIRED = "complaints.reason_required"
    EXTERNAL_ID_CONFLICT = "complaints.external_id_conflict"
    BAD_PERIOD = "complaints.bad_period"
    NOTHING_TO_REFUND = "complaints.nothing_to_refund"
    ALREADY_REFUNDED = "complaints.already_refunded"
    VIOLATION_UNAVAILABLE = "complaints.violation_unavailable"
    VIOLATION_EXISTS = "complaints.violation_exists"
    BAD_MONTH = "complaints.bad_month"
