"""REST routes of customer complaints (/api/v1/complaints…). Thin: parse → query/action →
schema. The carrier's CS system records complaints with its own id (idempotent); a partner user
sees only the complaints dispatched to their partner (another's is a 404) and answers them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import Field, Router, Schema

from vasops.catalog.models import Product
from vasops.complaints import actions, queries, reports, rules
from vasops.complaints.errors import ComplaintError
from vasops.complaints.models import Complaint, Refund
from vasops.complaints.permissions import REPORT
from vasops.core import clock
from vasops.core.apiutils import MAX_ID, FilterText, Limit, Offset, SearchText, get_or_404, paginate
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.inputs import InputSchema, int_field, model_field, text_field
from vasops.core.permissions import has
from vasops.partners.queries import partner_of

router = Router(tags=["客户投诉"])


class RefundOut(Schema):
    amount_fen: int = Field(..., description="退给用户的金额（分）")
    charged_fen: int = Field(..., description="争议期间按话单的扣费（分）")
    ratio_bp: int = Field(..., description="退费倍数（基点，20000 = ×2）")
    period_start: dt.date
    period_end: dt.date
    refunded_on: dt.date
    settlement_month: dt.date | None = Field(None, description="向合作伙伴扣款的结算月（该月第一天）")
    unsubscribed: bool = Field(..., description="是否同时为用户退订")

    @staticmethod
    def resolve_settlement_month(obj: Refund) -> dt.date | None:
        return obj.adjustment.month if obj.adjustment_id and obj.adjustment else None


class ComplaintOut(Schema):
    id: int
    number: str = Field(..., description="投诉单号，如 TS202701-0001")
    source: str = Field(..., description="console 客服坐席 / api 客服系统 / public 用户在线提交")
    external_id: str = Field(..., description="客服系统自己的投诉编号")
    msisdn: str = Field(..., description="手机号码（合作伙伴看到的是隐去中间四位的号码）")
    category: str = Field(
        ...,
        description="unauthorised_order 未经同意订购 / charge_dispute 扣费争议 / content 内容问题 / "
        "cannot_unsubscribe 无法退订 / other 其他",
    )
    description: str
    product_id: int | None = None
    product_code: str | None = None
    partner_id: int | None = None
    state: str = Field(
        ...,
        description="received 已受理待派单 / dispatched 待合作伙伴答复 / "
        "answered 待客服回复用户 / closed 已办结",
    )
    owner: str | None = Field(None, description="首问负责人用户名")
    work_order: str | None = Field(None, description="派给合作伙伴的工单号")
    answer_due_at: dt.datetime | None = Field(None, description="合作伙伴答复时限（工作小时）")
    answered_at: dt.datetime | None = None
    partner_answer: str
    close_due_at: dt.datetime | None = Field(None, description="办结时限（工作小时）")
    closed_at: dt.datetime | None = None
    reply: str = Field(..., description="客服回复用户的内容")
    verdict: str = Field(..., description="upheld 投诉成立 / not_upheld 不成立 / 空 未认定")
    reopen_count: int = Field(..., description="用户再次投诉（重开）次数")
    repeat_of: str | None = Field(None, description="此前对同一号码同一产品的投诉单号")
    refund: RefundOut | None = None
    created_at: dt.datetime

    @staticmethod
    def resolve_msisdn(obj: Complaint, context: Any) -> str:
        user = context["request"].user
        return obj.msisdn if partner_of(user) is None else f"{obj.msisdn[:3]}****{obj.msisdn[-4:]}"

    @staticmethod
    def resolve_external_id(obj: Complaint, context: Any) -> str:
        return obj.external_id if partner_of(context["request"].user) is None else ""

    @staticmethod
    def resolve_product_code(obj: Complaint) -> str | None:
        return obj.product.product_code if obj.product_id and obj.product else None

    @staticmethod
    def resolve_owner(obj: Complaint, context: Any) -> str | None:
        if partner_of(context["request"].user) is not None:
            return None
        return obj.owner.username if obj.owner_id and obj.owner else None

    @staticmethod
    def resolve_work_order(obj: Complaint) -> str | None:
        return obj.work_order.number if obj.work_order_id and obj.work_order else None

    @staticmethod
    def resolve_repeat_of(obj: Complaint, context: Any) -> str | None:
        if partner_of(context["request"].user) is not None or obj.repeat_of_id is None:
            return None
        return Complaint.objects.filter(pk=obj.repeat_of_id).values_list("number", flat=True).first()

    @staticmethod
    def resolve_refund(obj: Complaint) -> Refund | None:
        return Refund.objects.filter(complaint=obj).select_related("adjustment").first()


class ComplaintIn(InputSchema):
    msisdn: str = model_field(Complaint, "msisdn", description="用户手机号码（11 位，可带 86 / +86）")
    category: str = model_field(Complaint, "category")
    description: str = model_field(Complaint, "description")
    product_code: str | None = text_field(
        max_length=40,
        required=False,
        default=None,
        description="产品代码（省略时按该号码的订购关系和话单自动确定唯一的产品）",
    )
    contact: str = model_field(Complaint, "contact", default="")
    external_id: str = model_field(
        Complaint,
        "external_id",
        default="",
        description="客服系统的投诉编号：同一编号重复提交返回同一投诉（200）",
    )


class DispatchIn(InputSchema):
    product_code: str | None = text_field(
        max_length=40, required=False, default=None, description="产品代码（未确定产品时必填）"
    )
    note: str = text_field(
        max_length=2000, multiline=True, required=False, default="", description="给合作伙伴的说明"
    )


class AnswerIn(InputSchema):
    answer: str = model_field(Complaint, "partner_answer", description="处理情况和结果")


class ComplaintCloseIn(InputSchema):
    reply: str = model_field(Complaint, "reply", description="回复用户的内容")
    verdict: str = model_field(Complaint, "verdict", default="")


class ReopenIn(InputSchema):
    reason: str = text_field(max_length=2000, multiline=True, description="用户再次投诉的原因")


class RefundIn(InputSchema):
    period_start: dt.date = Field(..., description="争议期间起（含）")
    period_end: dt.date = Field(..., description="争议期间止（含）")
    upheld: bool = Field(False, description="投诉成立（“未经同意订购”成立按 ×2 退费）")
    amount_fen: int | None = int_field(
        ge=1, le=MAX_ID, default=None, description="退费金额（分），省略则按话单计算；不同于计算值须给 reason"
    )
    unsubscribe: bool = Field(False, description="同时为用户退订该产品")
    reason: str = text_field(max_length=2000, multiline=True, required=False, default="", description="说明")


class QuoteOut(Schema):
    charged_fen: int
    ratio_bp: int
    amount_fen: int


class DashboardOut(Schema):
    period: str
    total: int
    repeats: int
    open_now: int
    overdue_now: int
    answer_on_time_pct: float | None = Field(None, description="合作伙伴按时答复率 %")
    close_on_time_pct: float | None = Field(None, description="按时办结率 %")
    refunds: int
    refund_fen: int
    by_category: dict[str, int]


def _get(request: HttpRequest, complaint_id: int) -> Complaint:
    return get_or_404(queries.visible_to(request.user), pk=complaint_id)


def _product(code: str | None) -> Product | None:
    if not code:
        return None
    product = Product.objects.select_related("partner").filter(product_code=code).first()
    if product is None:
        raise DomainError(
            ComplaintError.PRODUCT_NOT_FOUND,
            gettext("产品代码“%(code)s”不存在。") % {"code": code},
            field="product_code",
        )
    return product


@router.get("", response=list[ComplaintOut], summary="投诉列表")
def list_complaints(
    request: HttpRequest,
    response: HttpResponse,
    offset: Offset = 0,
    limit: Limit = 50,
    state: FilterText | None = None,
    category: FilterText | None = None,
    external_id: FilterText | None = None,
    q: SearchText | None = None,
) -> list[Complaint]:
    """员工看到全部投诉；合作伙伴只看到派给本企业的投诉。``external_id``：按客服系统编号查找。"""
    qs = queries.visible_to(request.user)
    filters = {"state": state, "category": category, "external_id": external_id}
    qs = qs.filter(**{k: v for k, v in filters.items() if v})
    if q:
        qs = qs.filter(number__icontains=q)
    return paginate(qs.order_by("-created_at", "-id"), response, offset, limit)


@router.get("/dashboard", response=DashboardOut, summary="投诉报表（量、时限、类别、退费）")
def dashboard(request: HttpRequest, month: FilterText = "") -> dict[str, Any]:
    """``month`` = YYYY-MM；省略为最近 30 天。"""
    if not has(request.user, REPORT):
        raise PermissionDenied()
    if month and not reports.valid_month(month):
        raise DomainError(
            ComplaintError.BAD_MONTH,
            gettext("月份“%(month)s”无效，应为 YYYY-MM。") % {"month": month},
            field="month",
        )
    d = reports.build(month or None)
    return {
        "period": d.label,
        "total": d.total,
        "repeats": d.repeats,
        "open_now": d.open_now,
        "overdue_now": d.overdue_now,
        "answer_on_time_pct": d.answer.pct,
        "close_on_time_pct": d.close.pct,
        "refunds": d.refunds,
        "refund_fen": d.refund_fen,
        "by_category": dict(d.by_category),
    }


@router.post("", response={200: ComplaintOut, 201: ComplaintOut}, summary="受理投诉（客服系统）")
def create_complaint(request: HttpRequest, payload: ComplaintIn) -> tuple[int, Complaint]:
    """客服系统推送投诉：带 ``external_id`` 时幂等，重复提交返回 200 和同一投诉。"""
    complaint, created = actions.receive_complaint(
        actor=request.user,
        source=Complaint.Source.API,
        msisdn=payload.msisdn,
        category=payload.category,
        description=payload.description,
        product=_product(payload.product_code),
        contact=payload.contact,
        external_id=payload.external_id,
    )
    return (201 if created else 200), complaint


@router.get("/{complaint_id}", response=ComplaintOut, summary="投诉详情")
def get_complaint(request: HttpRequest, complaint_id: int) -> Complaint:
    return _get(request, complaint_id)


@router.post("/{complaint_id}/claim", response=ComplaintOut, summary="领取（成为首问负责人）")
def claim(request: HttpRequest, complaint_id: int) -> Complaint:
    return actions.claim_complaint(_get(request, complaint_id), actor=request.user)


@router.post("/{complaint_id}/dispatch", response=ComplaintOut, summary="派单给合作伙伴")
def dispatch(request: HttpRequest, complaint_id: int, payload: DispatchIn) -> Complaint:
    return actions.dispatch_complaint(
        _get(request, complaint_id),
        actor=request.user,
        product=_product(payload.product_code),
        note=payload.note,
    )


@router.post("/{complaint_id}/answer", response=ComplaintOut, summary="合作伙伴答复")
def answer(request: HttpRequest, complaint_id: int, payload: AnswerIn) -> Complaint:
    return actions.answer_complaint(_get(request, complaint_id), actor=request.user, answer=payload.answer)


@router.post("/{complaint_id}/close", response=ComplaintOut, summary="回复用户并办结")
def close(request: HttpRequest, complaint_id: int, payload: ComplaintCloseIn) -> Complaint:
    return actions.close_complaint(
        _get(request, complaint_id), actor=request.user, reply=payload.reply, verdict=payload.verdict
    )


@router.post("/{complaint_id}/reopen", response=ComplaintOut, summary="用户再次投诉（重开）")
def reopen(request: HttpRequest, complaint_id: int, payload: ReopenIn) -> Complaint:
    return actions.reopen_complaint(_get(request, complaint_id), actor=request.user, reason=payload.reason)


@router.get("/{complaint_id}/refund-quote", response=QuoteOut, summary="按话单计算的退费")
def refund_quote(
    request: HttpRequest, complaint_id: int, period_start: dt.date, period_end: dt.date, upheld: bool = False
) -> dict[str, int]:
    c = _get(request, complaint_id)
    if partner_of(request.user) is not None:
        raise PermissionDenied()
    problem = rules.period_problem(period_start, period_end, clock.today())
    if problem:
        raise DomainError(ComplaintError.BAD_PERIOD, problem, field="period_start")
    return actions.quote(c, period_start=period_start, period_end=period_end, upheld=upheld)


@router.post("/{complaint_id}/refund", response={201: ComplaintOut}, summary="退费（向合作伙伴扣款）")
def refund(request: HttpRequest, complaint_id: int, payload: RefundIn) -> tuple[int, Complaint]:
    c = _get(request, complaint_id)
    actions.refund_complaint(
        c,
        actor=request.user,
        period_start=payload.period_start,
        period_end=payload.period_end,
        upheld=payload.upheld,
        amount_fen=payload.amount_fen,
        unsubscribe=payload.unsubscribe,
        reason=payload.reason,
    )
    c.refresh_from_db()
    return 201, c


routers = [("/complaints", router)]
