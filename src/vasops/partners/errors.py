"""Stable error codes of the partner registry (the API returns them as ``code``)."""

from __future__ import annotations

from vasops.core.vocabulary import ErrorCode


class PartnerError(ErrorCode):
    DUPLICATE_NAME = "partner.duplicate_name"
    DUPLICATE_CREDIT_CODE = "partner.duplicate_credit_code"
    DUPLICATE_USERNAME = "partner.duplicate_username"
    INVALID_CREDIT_CODE = "partner.invalid_credit_code"
    INVALID_HOTLINE = "partner.invalid_hotline"
    WEAK_PASSWORD = "partner.weak_password"
    INVALID_VALIDITY = "partner.invalid_validity"
    SCAN_REQUIRED = "partner.scan_required"
    NOT_MEMBER = "partner.not_member"
    REASON_REQUIRED = "partner.reason_required"
    INVALID_RESTRICTION = "partner.invalid_restriction"
    ALREADY_LIFTED = "partner.restriction_already_lifted"
    INVALID_CODE = "partner.invalid_code"
    CODE_TAKEN = "partner.code_taken"
    CHANGE_REQUEST_REQUIRED = "partners.change_request_required"
    FOUR_EYES_SAME_PERSON = "partners.four_eyes_same_person"
    CHANGE_INVALID = "partners.change_invalid"
    CHANGE_PENDING = "partners.change_pending"
    CHANGE_NOTHING = "partners.change_nothing"
    INVALID_BANK_ACCOUNT = "partners.invalid_bank_account"
