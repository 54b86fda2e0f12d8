"""Stable error codes of the partner registry (the API returns them as ``code``): the refusals
of its actions and the eligibility problems (qualifications, restrictions) other apps report."""

from __future__ import annotations

from vasops.core.vocabulary import ErrorCode


class PartnerError(ErrorCode):
    DUPLICATE_NAME = "partners.duplicate_name"
    DUPLICATE_CREDIT_CODE = "partners.duplicate_credit_code"
    DUPLICATE_USERNAME = "partners.duplicate_username"
    INVALID_CREDIT_CODE = "partners.invalid_credit_code"
    INVALID_HOTLINE = "partners.invalid_hotline"
    WEAK_PASSWORD = "partners.weak_password"
    INVALID_VALIDITY = "partners.invalid_validity"
    SCAN_REQUIRED = "partners.scan_required"
    REASON_REQUIRED = "partners.reason_required"
    INVALID_RESTRICTION = "partners.invalid_restriction"
    ALREADY_LIFTED = "partners.restriction_already_lifted"
    INVALID_CODE = "partners.invalid_code"
    CODE_TAKEN = "partners.code_taken"
    CHANGE_REQUEST_REQUIRED = "partners.change_request_required"
    FOUR_EYES_SAME_PERSON = "partners.four_eyes_same_person"
    CHANGE_INVALID = "partners.change_invalid"
    CHANGE_PENDING = "partners.change_pending"
    CHANGE_NOTHING = "partners.change_nothing"
    INVALID_BANK_ACCOUNT = "partners.invalid_bank_account"
    BANK_HOLDER_MISMATCH = "partners.bank_holder_mismatch"
    # what a contract needs on file (附件8): the contacts and the settlement bank account
    CONTACT_MISSING = "partners.contact_missing"
    BANK_ACCOUNT_MISSING = "partners.bank_account_missing"
    # eligibility problems (seed 第二章): qualifications …
    QUALIFICATION_MISSING = "partners.qualification_missing"
    QUALIFICATION_EXPIRED = "partners.qualification_expired"
    ANNUAL_INSPECTION_MISSING = "partners.annual_inspection_missing"
    # … and restrictions in force (第二章 二、限制接入)
    CREDIT_FAIL = "partners.credit_fail"
    BLACKLISTED = "partners.blacklisted"
    LOCKED_OUT = "partners.locked_out"
    BANNED = "partners.banned"
    VIOLATION_EXCLUDED = "partners.violation_excluded"
    MAJOR_VIOLATION = "partners.major_violation"
    RESTRICTED = "partners.restricted"
