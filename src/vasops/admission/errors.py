"""Stable error codes of the admission context."""

from __future__ import annotations

from vasops.core.vocabulary import ErrorCode


class AdmissionError(ErrorCode):
    WINDOW_CLOSED = "admission.window_closed"
    OPEN_APPLICATION_EXISTS = "admission.open_application_exists"
    NOT_ELIGIBLE = "admission.not_eligible"
    NOT_PARTNER_MEMBER = "admission.not_partner_member"
    NOT_EDITABLE = "admission.not_editable"
    REASON_REQUIRED = "admission.reason_required"
    INVALID_DECISION = "admission.invalid_decision"
    INVALID_MATERIAL = "admission.invalid_material"
    INVALID_BUSINESS_LINE = "admission.invalid_business_line"
    INVALID_SETTINGS = "admission.invalid_settings"
    ACCESS_DATA_INCOMPLETE = "admission.access_data_incomplete"
    WORK_ORDER_EXISTS = "admission.work_order_exists"
    WORK_ORDERS_PENDING = "admission.work_orders_pending"
    UNKNOWN_SYSTEM = "admission.unknown_system"
    UNKNOWN_TEST_CASE = "admission.unknown_test_case"
    TESTS_NOT_PASSED = "admission.tests_not_passed"
    CONTRACT_INVALID = "admission.contract_invalid"
