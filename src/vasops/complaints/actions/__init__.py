"""Complaint acts: intake, handling (首问负责, dispatch, answer, close, reopen, escalation),
refunds charged back to the partner, and violations opened from a complaint."""

from vasops.complaints.actions.handling import (
    answer_complaint,
    claim_complaint,
    close_complaint,
    dispatch_complaint,
    escalate_overdue,
    reopen_complaint,
)
from vasops.complaints.actions.intake import match_product, normalise_msisdn, receive_complaint
from vasops.complaints.actions.refunds import open_violation, quote, ratio_for, refund_complaint

__all__ = [
    "answer_complaint",
    "claim_complaint",
    "close_complaint",
    "dispatch_complaint",
    "escalate_overdue",
    "match_product",
    "normalise_msisdn",
    "open_violation",
    "quote",
    "ratio_for",
    "receive_complaint",
    "refund_complaint",
    "reopen_complaint",
]
