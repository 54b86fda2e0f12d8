"""Stable error codes of work orders."""

from __future__ import annotations

from vasops.core.vocabulary import ErrorCode


class WorkOrderError(ErrorCode):
    UNKNOWN_TYPE = "workorders.unknown_type"
    UNKNOWN_PRIORITY = "workorders.unknown_priority"
    UNKNOWN_SYSTEM = "workorders.unknown_system"
    SYSTEM_REQUIRED = "workorders.system_required"
    TITLE_REQUIRED = "workorders.title_required"
    TYPE_NOT_FOR_PARTNER = "workorders.type_not_for_partner"
    OTHER_PARTNER = "workorders.other_partner"
    ASSIGNEE_NOT_HANDLER = "workorders.assignee_not_handler"
    RESULT_REQUIRED = "workorders.result_required"
    REASON_REQUIRED = "workorders.reason_required"
    TEXT_REQUIRED = "workorders.text_required"
    BAD_MONTH = "workorders.bad_month"
    FOLLOWS_ITS_SOURCE = "workorders.follows_its_source"
    HEAD_APPROVAL_REQUIRED = "workorders.head_approval_required"
    PLAN_INCOMPLETE = "workorders.plan_incomplete"
