"""The only code that changes admission state (the application's own lifecycle; the exam and the
expert review have theirs in ``admission.exam.actions`` and ``admission.review.actions``), one
module per subject: applications (create, edit, materials, products, submit, withdraw, initial
review), decision, preparation (access data, data-change work orders, access testing, opening),
contract, settings. Each action: permission, rules, rows, audit, notifications (email on
commit). Callers import from ``vasops.admission.actions``; this module re-exports every act."""

from __future__ import annotations

from vasops.admission.actions.applications import (
    REVIEW_DECISIONS,
    add_product,
    create_application,
    record_paper_application,
    remove_product,
    review_application,
    submit_application,
    update_application,
    upload_material,
    withdraw_application,
)
from vasops.admission.actions.common import CAPABILITY_FIELDS, EDITABLE_FIELDS, S
from vasops.admission.actions.contract import remind_contract_expiry, sign_contract
from vasops.admission.actions.decision import DECISIONS, decide_application
from vasops.admission.actions.preparation import (
    ACCESS_DATA_REQUIRED,
    handle_missed_access_data,
    open_access,
    raise_data_change_orders,
    record_test_result,
    start_access_testing,
    submit_access_data,
)
from vasops.admission.actions.settings import update_settings

__all__ = [
    "ACCESS_DATA_REQUIRED",
    "CAPABILITY_FIELDS",
    "DECISIONS",
    "EDITABLE_FIELDS",
    "REVIEW_DECISIONS",
    "S",
    "add_product",
    "create_application",
    "decide_application",
    "handle_missed_access_data",
    "open_access",
    "raise_data_change_orders",
    "record_paper_application",
    "record_test_result",
    "remind_contract_expiry",
    "remove_product",
    "review_application",
    "sign_contract",
    "start_access_testing",
    "submit_access_data",
    "submit_application",
    "update_application",
    "update_settings",
    "upload_material",
    "withdraw_application",
]
