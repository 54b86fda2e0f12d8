"""REST routes of work orders (/api/v1/work-orders…). Thin: parse → query/action → schema.
A partner user sees only their own partner's work orders; another's is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import Field, Router, Schema

from vasops.core.apiutils import MAX_ID, FilterText, IdParam, Limit, Offset, get_or_404, paginate
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.inputs import REASON_MAX_LENGTH, InputSchema, int_field, model_field, text_field
from vasops.core.models import User
from vasops.partners.models import Partner
from vasops.workorders import actions, queries, reports, rules
from vasops.workorders.errors import WorkOrderError
from vasops.workorders.models import Comment, WorkOrder, WorkOrderStage
from vasops.workorders.report_views import may_view_report

router = Router(tags=["工单"])


class StageOut(Schema):
    stage: str = Field(
        ..., description="环节代码：approval 审批 / network 网络公司处理 / implementation 实施"
    )
    label: str = Field(..., description="环节名称")
    working_days: int = Field(..., description="时限（工作日）")
    group: str = Field(..., description="处理组（角色）")
    assignee: str | None = Field(None, description="处理人用户名")
    started_at: dt.datetime
    due_at: dt.datetime = Field(..., description="时限（该工作日 23:59:59，北京时间）")
    finished_at: dt.datetime | None = None
    on_time: bool | None = Field(None, description="是否按时完成")

    @staticmethod
    def resolve_assignee(obj: Any) -> str | None:
        return obj.assignee.username if obj.assignee_id else None


class WorkOrderOut(Schema):
    id: int
    number: str = Field(..., description="工单号，如 GD202611-0001")
    type: str = Field(..., description="data_change / app_upgrade / om_data_query / om_complaint")
    priority: str = Field(..., description="normal 普通 / emergency 紧急")
    title: str
    description: str
    partner_id: int | None = None
    system: str = Field(..., description="增值业务系统代码（数据变更工单）")
    object_type: str = Field(..., description="关联对象类型 app_label.model")
    object_id: str
    state: str = Field(..., description="open 待处理 / in_progress 处理中 / resolved 已解决 / closed 已关闭")
    stage: str | None = Field(None, description="当前环节名称")
    due_at: dt.datetime | None = Field(None, description="当前环节时限")
    assignee: str | None = Field(None, description="处理人用户名")
    group: str
    overdue: bool
    escalated_at: dt.datetime | None = None
    result: str
    needs_network_company: bool
    head_approver: str
    head_approved_on: dt.date | None = None
    planned_at: dt.datetime | None = None
    impact_scope: str
    operators: str
    technical_plan: str
    implementation_steps: str
    test_plan: str
    rollback_plan: str
    created_at: dt.datetime

    @staticmethod
    def resolve_stage(obj: WorkOrder) -> str | None:
        st = obj.current_stage
        return st.label if st else None

    @staticmethod
    def resolve_assignee(obj: WorkOrder) -> str | None:
        return obj.assignee.username if obj.assignee_id and obj.assignee else None

    @staticmethod
    def resolve_overdue(obj: WorkOrder) -> bool:
        sla = queries.sla_of(obj)
        return bool(obj.overdue or (sla and sla["overdue"]))


class WorkOrderDetailOut(WorkOrderOut):
    stages: list[StageOut]
    allowed_actions: list[str] = Field(..., description="当前用户此刻可执行的操作")

    @staticmethod
    def resolve_stages(obj: WorkOrder) -> list[Any]:
        return list(obj.stages.select_related("assignee").all())

    @staticmethod
    def resolve_allowed_actions(obj: WorkOrder, context: Any) -> list[str]:
        return queries.allowed_ops(context["request"].user, obj)


USERNAME = model_field(User, "username", description="处理人用户名")


class WorkOrderIn(InputSchema):
    type: str = model_field(WorkOrder, "type", description="工单类型")
    title: str = model_field(WorkOrder, "title")
    description: str = model_field(WorkOrder, "description", default="")
    priority: str = model_field(WorkOrder, "priority", default="normal")
    partner_id: int | None = int_field(
        ge=1, le=MAX_ID, default=None, description="合作伙伴 ID（合作伙伴用户可省略，默认为本企业）"
    )
    system: str = model_field(WorkOrder, "system", default="")
    assignee: str | None = model_field(User, "username", default=None, description="处理人用户名（仅员工）")
    needs_network_company: bool = Field(
        False, description="需总部网络公司运行维护部处理（否则审批后直接实施）"
    )
    head_approver: str = model_field(
        WorkOrder, "head_approver", default="", description="申请单位审批负责人（紧急工单必填）"
    )
    head_approved_on: dt.date | None = Field(None, description="负责人审批日期（紧急工单必填，不晚于提交日）")
    planned_at: dt.datetime | None = Field(None, description="计划操作时间（应用软件升级必填）")
    impact_scope: str = model_field(
        WorkOrder, "impact_scope", default="", description="业务影响范围（升级必填）"
    )
    operators: str = model_field(WorkOrder, "operators", default="", description="操作人员组织（升级必填）")
    technical_plan: str = model_field(
        WorkOrder, "technical_plan", default="", description="技术方案（升级必填）"
    )
    implementation_steps: str = model_field(
        WorkOrder, "implementation_steps", default="", description="实施步骤（升级必填）"
    )
    test_plan: str = model_field(WorkOrder, "test_plan", default="", description="测试方案（升级必填）")
    rollback_plan: str = model_field(
        WorkOrder, "rollback_plan", default="", description="回退预案（升级必填）"
    )


class AssignIn(InputSchema):
    assignee: str = USERNAME
    note: str = model_field(WorkOrderStage, "note", default="")


class NoteIn(InputSchema):
    note: str = model_field(WorkOrderStage, "note", default="")


class WorkOrderResultIn(InputSchema):
    result: str = model_field(WorkOrder, "result", default="")


class ReasonIn(InputSchema):
    reason: str = text_field(max_length=REASON_MAX_LENGTH, multiline=True, description="原因")


class CommentIn(InputSchema):
    text: str = model_field(Comment, "text")


class CommentOut(Schema):
    id: int
    author: str
    text: str
    created_at: dt.datetime

    @staticmethod
    def resolve_author(obj: Any) -> str:
        return str(obj.author.username)


def _user(username: str | None) -> Any:
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise DomainError(
            WorkOrderError.ASSIGNEE_NOT_HANDLER,
            gettext("用户“%(username)s”不存在。") % {"username": username},
            field="assignee",
        )
    return user


def _get(request: HttpRequest, wo_id: int) -> WorkOrder:
    return get_or_404(queries.visible_to(request.user), pk=wo_id)


@router.get("", response=list[WorkOrderOut], summary="工单列表")
def list_work_orders(
    request: HttpRequest,
    response: HttpResponse,
    offset: Offset = 0,
    limit: Limit = 50,
    type: FilterText | None = None,
    state: FilterText | None = None,
    priority: FilterText | None = None,
    system: FilterText | None = None,
    partner_id: IdParam | None = None,
    queue: FilterText | None = None,
    object_type: FilterText | None = None,
    object_id: FilterText | None = None,
) -> list[WorkOrder]:
    qs = queries.queue(request.user, queue) if queue in queries.QUEUES else queries.visible_to(request.user)
    filters = {
        "type": type,
        "state": state,
        "priority": priority,
        "system": system,
        "partner_id": partner_id,
        "object_type": object_type,
        "object_id": object_id,
    }
    qs = qs.filter(**{k: v for k, v in filters.items() if v not in (None, "")}).order_by("-created_at", "-id")
    return paginate(qs, response, offset, limit)


class SlaStageOut(Schema):
    stage: str
    label: str
    count: int = Field(..., description="环节数")
    decided: int = Field(..., description="已判定（已完成或已超时）")
    on_time: int
    on_time_pct: float | None = Field(None, description="按时率 %")
    mean_days: float | None = Field(None, description="平均处理时长（工作日）")
    p90_days: float | None = Field(None, description="P90 处理时长（工作日，最近秩法）")


class SlaGroupOut(Schema):
    type: str
    priority: str
    work_orders: int
    decided: int
    on_time: int
    on_time_pct: float | None = Field(None, description="整体按时率 %（所有环节按时）")
    overdue_now: int = Field(..., description="当前超期的进行中工单")
    stages: list[SlaStageOut]


class SlaReportOut(Schema):
    period: str
    unit: str = Field("working_days", description="处理时长单位：工作日")
    groups: list[SlaGroupOut]


@router.get("/sla-report", response=SlaReportOut, summary="工单时限报表（按类型、优先级）")
def sla_report(request: HttpRequest, month: FilterText = "") -> Any:
    """``month`` = YYYY-MM; empty = the last 30 days."""
    if not may_view_report(request.user):
        raise PermissionDenied()
    if month and not reports.valid_month(month):
        raise DomainError(
            WorkOrderError.BAD_MONTH,
            gettext("月份“%(month)s”无效，应为 YYYY-MM。") % {"month": month},
            field="month",
        )
    groups, label = reports.build(month or None)
    return {"period": label, "unit": "working_days", "groups": groups}


@router.get("/{wo_id}", response=WorkOrderDetailOut, summary="工单详情")
def get_work_order(request: HttpRequest, wo_id: int) -> WorkOrder:
    return _get(request, wo_id)


@router.post("", response={201: WorkOrderDetailOut}, summary="发起工单")
def create_work_order(request: HttpRequest, payload: WorkOrderIn) -> tuple[int, WorkOrder]:
    partner = None
    if payload.partner_id is not None:
        partner = Partner.objects.filter(pk=payload.partner_id).first()
        if partner is None:
            raise DomainError(
                WorkOrderError.OTHER_PARTNER, gettext("合作伙伴不存在。"), status=404, field="partner_id"
            )
    wo = actions.open_work_order(
        actor=request.user,
        type=payload.type,
        title=payload.title,
        description=payload.description,
        partner=partner,
        system=payload.system,
        assignee=_user(payload.assignee),
        priority=payload.priority,
        needs_network_company=payload.needs_network_company,
        head_approver=payload.head_approver,
        head_approved_on=payload.head_approved_on,
        plan={key: getattr(payload, key) for key, _label in rules.PLAN_FIELDS},
    )
    return 201, wo


@router.post("/{wo_id}/assign", response=WorkOrderDetailOut, summary="指派 / 交接")
def assign(request: HttpRequest, wo_id: int, payload: AssignIn) -> WorkOrder:
    return actions.assign(
        _get(request, wo_id), actor=request.user, assignee=_user(payload.assignee), note=payload.note
    )


@router.post("/{wo_id}/start", response=WorkOrderDetailOut, summary="开始处理")
def start(request: HttpRequest, wo_id: int) -> WorkOrder:
    return actions.start(_get(request, wo_id), actor=request.user)


@router.post("/{wo_id}/advance", response=WorkOrderDetailOut, summary="完成当前环节")
def advance(request: HttpRequest, wo_id: int, payload: NoteIn) -> WorkOrder:
    return actions.advance_stage(_get(request, wo_id), actor=request.user, note=payload.note)


@router.post("/{wo_id}/resolve", response=WorkOrderDetailOut, summary="解决")
def resolve(request: HttpRequest, wo_id: int, payload: WorkOrderResultIn) -> WorkOrder:
    return actions.resolve(_get(request, wo_id), actor=request.user, result=payload.result)


@router.post("/{wo_id}/close", response=WorkOrderDetailOut, summary="关闭")
def close(request: HttpRequest, wo_id: int, payload: WorkOrderResultIn) -> WorkOrder:
    return actions.close(_get(request, wo_id), actor=request.user, result=payload.result)


@router.post("/{wo_id}/reopen", response=WorkOrderDetailOut, summary="重开")
def reopen(request: HttpRequest, wo_id: int, payload: ReasonIn) -> WorkOrder:
    return actions.reopen(_get(request, wo_id), actor=request.user, reason=payload.reason)


@router.get("/{wo_id}/comments", response=list[CommentOut], summary="留言列表")
def list_comments(request: HttpRequest, wo_id: int) -> list[Any]:
    return list(_get(request, wo_id).comments.select_related("author"))


@router.post("/{wo_id}/comments", response={201: CommentOut}, summary="留言")
def add_comment(request: HttpRequest, wo_id: int, payload: CommentIn) -> tuple[int, Any]:
    return 201, actions.comment(_get(request, wo_id), actor=request.user, text=payload.text)


routers = [("/work-orders", router)]
