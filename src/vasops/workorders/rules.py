"""Pure rules of work orders: types, stage plans with working-day SLAs, overdue and the SLA
colour shown to people. No ORM, no I/O.

Seed: 《增值业务日常事务办理规范》运维支撑工单（应用软件升级、运维数据查询、运维投诉）——
普通工单 审批 2 个工作日、网络公司 5 个工作日、实施 3 个工作日；紧急工单 1 / 3 / 2。
系统准备阶段产品创新部发数据修改工单到各增值业务系统、信息化部，7 个工作日内反馈制作结果。
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

# --- types --------------------------------------------------------------------------------
DATA_CHANGE = "data_change"
APP_UPGRADE = "app_upgrade"
OM_DATA_QUERY = "om_data_query"
OM_COMPLAINT = "om_complaint"

TYPES: list[tuple[str, Any]] = [
    (DATA_CHANGE, _("数据变更")),
    (APP_UPGRADE, _("应用软件升级")),
    (OM_DATA_QUERY, _("运维数据查询")),
    (OM_COMPLAINT, _("运维投诉")),
]
TYPE_LABELS = dict(TYPES)
# which types a partner user may raise (for their own partner)
PARTNER_TYPES: frozenset[str] = frozenset({APP_UPGRADE, OM_DATA_QUERY, OM_COMPLAINT})
# which types name a VAS system (must be given)
SYSTEM_REQUIRED_TYPES: frozenset[str] = frozenset({DATA_CHANGE})

NORMAL = "normal"
EMERGENCY = "emergency"
PRIORITIES: list[tuple[str, Any]] = [(NORMAL, _("普通")), (EMERGENCY, _("紧急"))]
PRIORITY_LABELS = dict(PRIORITIES)

# --- states -------------------------------------------------------------------------------
OPEN = "open"
IN_PROGRESS = "in_progress"
RESOLVED = "resolved"
CLOSED = "closed"
STATES: list[tuple[str, Any]] = [
    (OPEN, _("待处理")),
    (IN_PROGRESS, _("处理中")),
    (RESOLVED, _("已解决")),
    (CLOSED, _("已关闭")),
]
ACTIVE_STATES: frozenset[str] = frozenset({OPEN, IN_PROGRESS})
STATE_FAMILIES = {OPEN: "action", IN_PROGRESS: "waiting", RESOLVED: "done", CLOSED: "draft"}

# --- VAS systems (one data-change work order per system plus IT) ----------------------------
VAS_SYSTEMS: list[tuple[str, Any]] = [
    ("sms_gateway", _("短信网关")),
    ("mms_center", _("彩信中心")),
    ("wap_gateway", _("WAP网关")),
    ("ivr_platform", _("IVR平台")),
    ("vac", _("VAC鉴权中心")),
    ("kjava", _("KJava平台")),
    ("streaming", _("流媒体平台")),
    ("lbs", _("定位平台")),
    ("crbt", _("炫铃平台")),
    ("boss_it", _("BOSS/IT 系统")),
]
SYSTEM_LABELS = dict(VAS_SYSTEMS)

# --- stages ---------------------------------------------------------------------------------
APPROVAL = "approval"
NETWORK = "network"
IMPLEMENTATION = "implementation"
# stored with each stage (WorkOrderStage.label), so plain text; the pages translate it on display
STAGE_LABELS = {
    APPROVAL: gettext_noop("审批"),
    NETWORK: gettext_noop("网络公司处理"),
    IMPLEMENTATION: gettext_noop("实施"),
}

# role groups (core.roles names) that handle each stage
GROUP_PRODUCT_STAFF = "product_staff"
GROUP_OM_ENGINEER = "om_engineer"

CLAUSE_OM = "《增值业务日常事务办理规范》运维支撑工单 工单时限要求"
CLAUSE_DATA_CHANGE = "《增值业务日常事务办理规范》系统准备：数据修改工单 7 个工作日内反馈"


@dataclass(frozen=True)
class StageSpec:
    code: str
    label: str
    working_days: int
    group: str


_OM_DAYS = {NORMAL: (2, 5, 3), EMERGENCY: (1, 3, 2)}
DATA_CHANGE_DAYS = 7


def stage_plan(type_: str, priority: str = NORMAL) -> list[StageSpec]:
    """The stages of a work order of ``type_`` and ``priority`` with their SLAs in working days."""
    if type_ not in TYPE_LABELS:
        raise ValueError(f"unknown work-order type {type_!r}")
    if priority not in PRIORITY_LABELS:
        raise ValueError(f"unknown priority {priority!r}")
    if type_ == DATA_CHANGE:
        return [StageSpec(IMPLEMENTATION, STAGE_LABELS[IMPLEMENTATION], DATA_CHANGE_DAYS, GROUP_OM_ENGINEER)]
    approval, network, implementation = _OM_DAYS[priority]
    return [
        StageSpec(APPROVAL, STAGE_LABELS[APPROVAL], approval, GROUP_PRODUCT_STAFF),
        StageSpec(NETWORK, STAGE_LABELS[NETWORK], network, GROUP_OM_ENGINEER),
        StageSpec(IMPLEMENTATION, STAGE_LABELS[IMPLEMENTATION], implementation, GROUP_OM_ENGINEER),
    ]


def total_working_days(type_: str, priority: str = NORMAL) -> int:
    return sum(s.working_days for s in stage_plan(type_, priority))


def clause_for(type_: str) -> str:
    return CLAUSE_DATA_CHANGE if type_ == DATA_CHANGE else CLAUSE_OM


def is_overdue(due_at: dt.datetime | None, now: dt.datetime, *, finished: bool = False) -> bool:
    """Overdue once ``now`` is strictly after ``due_at`` (the last second of the due day is still
    on time) and the stage is not finished."""
    return bool(due_at is not None and not finished and now > due_at)


def sla_colour(remaining_working_days: int | None, *, overdue: bool, finished: bool = False) -> str:
    """'green' / 'amber' (≤ 1 working day left) / 'red' (overdue) / 'done' (finished)."""
    if finished:
        return "done"
    if overdue:
        return "red"
    if remaining_working_days is not None and remaining_working_days <= 1:
        return "amber"
    return "green"


SLA_CSS = {
    "green": "text-bg-success",
    "amber": "text-bg-warning",
    "red": "text-bg-danger",
    "done": "text-bg-secondary",
}


def remaining_text(remaining_working_days: int, *, overdue: bool) -> str:
    if overdue:
        return gettext("已超期")
    if remaining_working_days <= 0:
        return gettext("今日到期")
    return gettext("剩余 %(days)s 个工作日") % {"days": remaining_working_days}


def should_remind(remaining_working_days: int, *, overdue: bool, already_reminded: bool) -> bool:
    """Remind the assignee once when at most one working day remains (and not yet overdue)."""
    return not overdue and not already_reminded and remaining_working_days <= 1


def should_escalate(*, overdue: bool, already_escalated: bool) -> bool:
    return overdue and not already_escalated
