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

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vasops.core.marks import gettext_noop

# --- types --------------------------------------------------------------------------------
DATA_CHANGE = "data_change"
APP_UPGRADE = "app_upgrade"
OM_DATA_QUERY = "om_data_query"
OM_COMPLAINT = "om_complaint"
# a customer complaint dispatched to the partner (complaints app): moved only by that app
CS_COMPLAINT = "cs_complaint"

TYPES: list[tuple[str, Any]] = [
    (DATA_CHANGE, _("数据变更")),
    (APP_UPGRADE, _("应用软件升级")),
    (OM_DATA_QUERY, _("运维数据查询")),
    (OM_COMPLAINT, _("运维投诉")),
    (CS_COMPLAINT, _("客户投诉")),
]
TYPE_LABELS = dict(TYPES)
# which types a partner user may raise (for their own partner)
PARTNER_TYPES: frozenset[str] = frozenset({APP_UPGRADE, OM_DATA_QUERY, OM_COMPLAINT})
# which types name a VAS system (must be given)
SYSTEM_REQUIRED_TYPES: frozenset[str] = frozenset({DATA_CHANGE})
# types whose state follows an object of another app (the complaint): nobody moves them by hand,
# and the work-order sweep leaves their deadlines to that app (the complaint's working-hour SLA)
LINKED_TYPES: frozenset[str] = frozenset({CS_COMPLAINT})

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
PARTNER_REPLY = "partner_reply"
# stored with each stage (WorkOrderStage.label), so plain text; the pages translate it on display
STAGE_LABELS = {
    APPROVAL: gettext_noop("审批"),
    NETWORK: gettext_noop("网络公司处理"),
    IMPLEMENTATION: gettext_noop("实施"),
    PARTNER_REPLY: gettext_noop("合作伙伴处理"),
}

# role groups (core.roles names) that handle each stage
GROUP_PRODUCT_STAFF = "product_staff"
GROUP_OM_ENGINEER = "om_engineer"

CLAUSE_OM = gettext_noop("《增值业务日常事务办理规范》运维支撑工单 工单时限要求")
# 《中国联通增值业务平台业务运营支撑管理工作流程》 (whole literals: one catalogue entry each)
CLAUSE_EMERGENCY = gettext_noop(
    "《中国联通增值业务平台业务运营支撑管理工作流程》工单时限要求 3（紧急申请需申请单位负责人审批同意后提交）"
)
CLAUSE_NETWORK = gettext_noop(
    "《中国联通增值业务平台业务运营支撑管理工作流程》"
    "工单的生成、派发 3（归属或需总部网络公司运行维护部配合的，进入网络公司流程）"
)
CLAUSE_PLAN = gettext_noop(
    "《中国联通增值业务平台业务运营支撑管理工作流程》申请单内容要求（方案应包括计划操作时间……回退预案）"
)
CLAUSE_DATA_CHANGE = gettext_noop("《增值业务日常事务办理规范》系统准备：数据修改工单 7 个工作日内反馈")


@dataclass(frozen=True)
class StageSpec:
    code: str
    label: str
    working_days: int
    group: str


_OM_DAYS = {NORMAL: (2, 5, 3), EMERGENCY: (1, 3, 2)}
DATA_CHANGE_DAYS = 7
# a customer complaint: the partner answers and CS closes within 48 working hours (2 working days)
CS_COMPLAINT_DAYS = {NORMAL: 2, EMERGENCY: 1}


def stage_plan(type_: str, priority: str = NORMAL, *, needs_network: bool = True) -> list[StageSpec]:
    """The stages of a work order of ``type_`` and ``priority`` with their SLAs in working days.
    The network-company stage (总部网络公司运行维护部) is in the plan only when the order needs it
    (``needs_network``: the software belongs to it or needs its help); otherwise the approved
    order goes straight to implementation."""
    if type_ not in TYPE_LABELS:
        raise ValueError(f"unknown work-order type {type_!r}")
    if priority not in PRIORITY_LABELS:
        raise ValueError(f"unknown priority {priority!r}")
    if type_ == DATA_CHANGE:
        return [StageSpec(IMPLEMENTATION, STAGE_LABELS[IMPLEMENTATION], DATA_CHANGE_DAYS, GROUP_OM_ENGINEER)]
    if type_ == CS_COMPLAINT:
        return [StageSpec(PARTNER_REPLY, STAGE_LABELS[PARTNER_REPLY], CS_COMPLAINT_DAYS[priority], "")]
    approval, network, implementation = _OM_DAYS[priority]
    stages = [StageSpec(APPROVAL, STAGE_LABELS[APPROVAL], approval, GROUP_PRODUCT_STAFF)]
    if needs_network:
        stages.append(StageSpec(NETWORK, STAGE_LABELS[NETWORK], network, GROUP_OM_ENGINEER))
    stages.append(StageSpec(IMPLEMENTATION, STAGE_LABELS[IMPLEMENTATION], implementation, GROUP_OM_ENGINEER))
    return stages


def total_working_days(type_: str, priority: str = NORMAL, *, needs_network: bool = True) -> int:
    return sum(s.working_days for s in stage_plan(type_, priority, needs_network=needs_network))


# --- what an order must carry when it is raised -------------------------------------------
# the application-software upgrade plan: each required part is its own field
PLAN_FIELDS: list[tuple[str, str]] = [
    ("planned_at", "计划操作时间"),
    ("impact_scope", "业务影响范围"),
    ("operators", "操作人员组织"),
    ("technical_plan", "技术方案"),
    ("implementation_steps", "实施步骤"),
    ("test_plan", "测试方案"),
    ("rollback_plan", "回退预案"),
]
PLAN_REQUIRED_TYPES: frozenset[str] = frozenset({APP_UPGRADE})


def missing_plan_parts(type_: str, plan: dict[str, object]) -> list[str]:
    """The labels of the plan parts an order of ``type_`` lacks (empty or missing)."""
    if type_ not in PLAN_REQUIRED_TYPES:
        return []
    return [
        label for key, label in PLAN_FIELDS if plan.get(key) in (None, "") or not str(plan.get(key)).strip()
    ]


def head_approval_problem(
    priority: str, type_: str, approver: str, approved_on: dt.date | None, today: dt.date
) -> str | None:
    """An emergency O&M order is submitted only after the requesting unit's head approved it:
    the approver's name and the approval date (not later than the day it is submitted)."""
    if priority != EMERGENCY or type_ == DATA_CHANGE:
        return None
    if not approver.strip() or approved_on is None:
        return gettext("紧急工单须先经申请单位负责人审批同意，请填写审批负责人和审批日期。")
    if approved_on > today:
        return gettext("负责人审批日期 %(approved_on)s 晚于提交日期 %(today)s：须先审批同意后再提交。") % {
            "approved_on": approved_on,
            "today": today,
        }
    return None


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
