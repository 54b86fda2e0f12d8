"""Stable error codes of the admission context — the application's own, the exam's and the expert
review's (one registry for the app and its sub-packages) — and the codes of the problems the
eligibility check lists."""

from __future__ import annotations

from vasops.core.vocabulary import ErrorCode


class AdmissionError(ErrorCode):
    # the application
    WINDOW_CLOSED = "admission.window_closed"
    OPEN_APPLICATION_EXISTS = "admission.open_application_exists"
    LINE_ALREADY_ADMITTED = "admission.line_already_admitted"
    NOT_ELIGIBLE = "admission.not_eligible"
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
    OPENING_DATA_INCOMPLETE = "admission.opening_data_incomplete"
    PAPER_INVALID = "admission.paper_invalid"
    CONTRACT_INVALID = "admission.contract_invalid"
    CONTRACT_DATA_MISSING = "admission.contract_data_missing"
    # problems listed by the eligibility check (materials, product forms, capability) and the
    # contract check
    MATERIAL_MISSING = "admission.material_missing"
    BUSINESS_LINE_MISSING = "admission.business_line_missing"
    PRODUCT_MISSING = "admission.product_missing"
    ACCESS_METHOD = "admission.access_method"
    OM_STAFF = "admission.om_staff"
    HOTLINE = "admission.hotline"
    CALL_CENTRE = "admission.call_centre"
    CONNECT_RATE = "admission.connect_rate"
    ANSWER_RATE = "admission.answer_rate"
    CONTRACT_TERM = "admission.contract_term"
    SETTLEMENT_RATIO = "admission.settlement_ratio"
    # the exam (admission.exam)
    EXAM_DATE_OUT_OF_WINDOW = "admission.exam_date_out_of_window"
    EXAM_BANK_TOO_SMALL = "admission.exam_bank_too_small"
    EXAM_NOT_SITTING_DAY = "admission.exam_not_sitting_day"
    EXAM_TIME_UP = "admission.exam_time_up"
    EXAM_PAPER_CLOSED = "admission.exam_paper_closed"
    EXAM_INVALID_SCORE = "admission.exam_invalid_score"
    EXAM_REASON_REQUIRED = "admission.exam_reason_required"
    EXAM_NOT_GRADED = "admission.exam_not_graded"
    EXAM_ALREADY_SCHEDULED = "admission.exam_already_scheduled"
    EXAM_INVALID_QUESTION = "admission.exam_invalid_question"
    EXAM_IMPORT_INVALID = "admission.exam_import_invalid"
    # the expert review (admission.review)
    REVIEW_NOT_ENOUGH_EXPERTS = "admission.review_not_enough_experts"
    REVIEW_INVALID_WEIGHTS = "admission.review_invalid_weights"
    REVIEW_INVALID_SCORES = "admission.review_invalid_scores"
    REVIEW_SHEET_LOCKED = "admission.review_sheet_locked"
    REVIEW_MEETING_CLOSED = "admission.review_meeting_closed"
    REVIEW_SHEETS_PENDING = "admission.review_sheets_pending"
    REVIEW_NOT_AN_EXPERT = "admission.review_not_an_expert"
    REVIEW_REASON_REQUIRED = "admission.review_reason_required"
    REVIEW_ATTENDANCE_REQUIRED = "admission.review_attendance_required"
