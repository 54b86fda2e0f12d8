"""REST routes of settlement under /api/v1/settlement/… (mounted by vasops.api.urls): runs,
statements (with PDF and Excel download), adjustments, ratio versions. Thin: parse → query/action
→ schema. A partner user sees only its own published statements, adjustments and ratios;
another partner's is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import Field, Router, Schema

from vasops.catalog.models import BusinessLine, Product
from vasops.core.apiutils import FilterText, Limit, Offset, get_or_404, paginate
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.inputs import InputSchema, model_field
from vasops.partners.models import Partner
from vasops.settlement import actions, queries, rules, statements
from vasops.settlement.errors import SettlementError
from vasops.settlement.models import Adjustment, RatioVersion, SettlementRun, Statement
from vasops.settlement.reconciliation.api import router as reconciliation_router

settlement_router = Router(tags=["结算"])

MonthText = FilterText


class RunOut(Schema):
    id: int
    month: dt.date = Field(..., description="结算月份（该月第一天）")
    version: int
    engine: str = Field(..., description="duckdb | pyspark")
    state: str = Field(..., description="draft | failed | computed | approved | published | superseded")
    state_label: str
    progress: int = Field(..., description="计算进度 0–100")
    error: str
    line_count: int
    partner_count: int
    cdr_count: int
    gross_fen: int
    deductions_fen: int
    net_fen: int
    partner_share_fen: int
    carrier_share_fen: int
    started_by: str
    approved_by: str | None
    published_at: dt.datetime | None
    diff: dict = Field(..., description="与上一版本按合作伙伴的差异")  # type: ignore[type-arg]

    @staticmethod
    def resolve_state_label(obj: SettlementRun) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_started_by(obj: SettlementRun) -> str:
        return obj.started_by.username

    @staticmethod
    def resolve_approved_by(obj: SettlementRun) -> str | None:
        return obj.approved_by.username if obj.approved_by else None

    @staticmethod
    def resolve_diff(obj: SettlementRun) -> dict:  # type: ignore[type-arg]
        return obj.diff if isinstance(obj.diff, dict) else {}


class RunIn(InputSchema):
    month: str = Field(
        ..., max_length=7, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM", examples=["2026-12"]
    )
    engine: Literal["duckdb", "pyspark"] | None = Field(None, description="缺省为服务器设置的引擎")
    note: str = model_field(SettlementRun, "note", default="")


class ApproveIn(InputSchema):
    comment: str = model_field(SettlementRun, "note", default="")


class StatementOut(Schema):
    id: int
    number: str
    run_id: int
    month: dt.date
    version: int
    partner_id: int
    line_count: int
    cdr_count: int
    gross_fen: int
    deductions_fen: int
    net_fen: int
    partner_share_fen: int
    carrier_share_fen: int
    bank_name: str
    account_name: str
    account_number: str

    @staticmethod
    def resolve_month(obj: Statement) -> dt.date:
        return obj.run.month

    @staticmethod
    def resolve_version(obj: Statement) -> int:
        return obj.run.version


class AdjustmentOut(Schema):
    id: int
    partner_id: int
    product_id: int | None
    kind: str
    month: dt.date
    amount_fen: int = Field(..., description="负数扣减，正数补给合作伙伴")
    reason: str
    created_at: dt.datetime


class AdjustmentIn(InputSchema):
    partner_id: int = Field(..., ge=1, le=2147483647)
    product_id: int | None = Field(None, ge=1, le=2147483647)
    month: str = Field(
        ..., max_length=7, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM；该月已发布时计入下一个未结算月份"
    )
    amount_fen: int = model_field(Adjustment, "amount_fen", description="负数扣减，正数补给合作伙伴")
    reason: str = model_field(Adjustment, "reason")


class RatioOut(Schema):
    id: int
    level: str = Field(..., description="contract | business_line | product")
    partner_id: int | None
    business_line: str | None = Field(None, description="业务线代码")
    product_id: int | None
    ratio_bp: int = Field(..., description="合作伙伴分成比例，基点（7000 = 70%）")
    valid_from: dt.date
    valid_to: dt.date | None = Field(None, description="失效日（不含）；空为长期有效")
    reason: str

    @staticmethod
    def resolve_business_line(obj: RatioVersion) -> str | None:
        return obj.business_line.code if obj.business_line else None


class RatioIn(InputSchema):
    level: Literal["contract", "business_line", "product"]
    partner_id: int | None = Field(None, ge=1, le=2147483647)
    business_line: str | None = model_field(BusinessLine, "code", default=None)
    product_id: int | None = Field(None, ge=1, le=2147483647)
    ratio_bp: int = Field(..., ge=0, le=10000)
    valid_from: dt.date
    valid_to: dt.date | None = None
    reason: str = model_field(RatioVersion, "reason")


def _month(text: str) -> dt.date:
    month = rules.parse_month(text)
    if month is None:
        raise DomainError(SettlementError.INVALID_RATIO, gettext("月份格式应为 YYYY-MM。"), field="month")
    return month


def _run(request: HttpRequest, run_id: int) -> SettlementRun:
    return get_or_404(queries.visible_runs(request.user), pk=run_id)


def _statement(request: HttpRequest, statement_id: int) -> Statement:
    return get_or_404(queries.visible_statements(request.user), pk=statement_id)


@settlement_router.get("/runs", response=list[RunOut], summary="结算批次（结算人员）")
def list_runs(
    request: HttpRequest, response: HttpResponse, month: MonthText = "", offset: Offset = 0, limit: Limit = 50
) -> list[SettlementRun]:
    qs = queries.visible_runs(request.user).order_by("-month", "-version")
    if month:
        qs = qs.filter(month=_month(month))
    return paginate(qs, response, offset, limit)


@settlement_router.post("/runs", response={201: RunOut}, summary="发起结算计算（后台执行）")
def start_run(request: HttpRequest, payload: RunIn) -> tuple[int, SettlementRun]:
    run = actions.start_run(
        actor=request.user, month=_month(payload.month), engine_name=payload.engine, note=payload.note
    )
    run.refresh_from_db()
    return 201, run


@settlement_router.get("/runs/{run_id}", response=RunOut, summary="结算批次详情（含进度、合计、差异）")
def get_run(request: HttpRequest, run_id: int) -> SettlementRun:
    return _run(request, run_id)


@settlement_router.post("/runs/{run_id}/approve", response=RunOut, summary="审核（须为发起人以外的结算人员）")
def approve_run(request: HttpRequest, run_id: int, payload: ApproveIn) -> SettlementRun:
    return actions.approve_run(actor=request.user, run=_run(request, run_id), comment=payload.comment)


@settlement_router.post("/runs/{run_id}/publish", response=RunOut, summary="发布（合作伙伴可下载结算单）")
def publish_run(request: HttpRequest, run_id: int) -> SettlementRun:
    return actions.publish_run(actor=request.user, run=_run(request, run_id))


@settlement_router.get(
    "/statements", response=list[StatementOut], summary="结算单（合作伙伴只见本企业已发布的）"
)
def list_statements(
    request: HttpRequest, response: HttpResponse, month: MonthText = "", offset: Offset = 0, limit: Limit = 50
) -> list[Statement]:
    qs = queries.visible_statements(request.user).order_by("-run__month", "-run__version", "partner_id")
    if month:
        qs = qs.filter(run__month=_month(month))
    return paginate(qs, response, offset, limit)


@settlement_router.get("/statements/{statement_id}", response=StatementOut, summary="结算单详情")
def get_statement(request: HttpRequest, statement_id: int) -> Statement:
    return _statement(request, statement_id)


@settlement_router.get(
    "/statements/{statement_id}/pdf",
    response={200: None},
    summary="下载结算单 PDF",
    openapi_extra={"responses": {200: {"description": "PDF", "content": {"application/pdf": {}}}}},
)
def statement_pdf(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = _statement(request, statement_id)
    response = HttpResponse(statements.pdf(statement), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{statements.filename(statement, "pdf")}"'
    return response


@settlement_router.get(
    "/statements/{statement_id}/xlsx",
    response={200: None},
    summary="下载结算单 Excel",
    openapi_extra={"responses": {200: {"description": "Excel", "content": {statements.XLSX: {}}}}},
)
def statement_xlsx(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = _statement(request, statement_id)
    response = HttpResponse(statements.xlsx(statement), content_type=statements.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{statements.filename(statement, "xlsx")}"'
    return response


@settlement_router.get("/adjustments", response=list[AdjustmentOut], summary="结算调整（合作伙伴只见本企业）")
def list_adjustments(
    request: HttpRequest, response: HttpResponse, month: MonthText = "", offset: Offset = 0, limit: Limit = 50
) -> list[Adjustment]:
    qs = queries.visible_adjustments(request.user).order_by("-month", "-id")
    if month:
        qs = qs.filter(month=_month(month))
    return paginate(qs, response, offset, limit)


@settlement_router.post("/adjustments", response={201: AdjustmentOut}, summary="手工调整（结算人员）")
def add_adjustment(request: HttpRequest, payload: AdjustmentIn) -> tuple[int, Adjustment]:
    if not request.user.has_perm("settlement.add_adjustment"):
        raise PermissionDenied(gettext("您没有登记结算调整的权限。"))
    partner = get_or_404(Partner.objects.all(), pk=payload.partner_id)
    product = get_or_404(Product.objects.all(), pk=payload.product_id) if payload.product_id else None
    adj = actions.add_manual_adjustment(
        actor=request.user,
        partner=partner,
        product=product,
        month=_month(payload.month),
        amount_fen=payload.amount_fen,
        reason=payload.reason,
    )
    return 201, adj


@settlement_router.get(
    "/ratios", response=list[RatioOut], summary="分成比例版本（合作伙伴只见适用于本企业的）"
)
def list_ratios(
    request: HttpRequest,
    response: HttpResponse,
    level: FilterText = "",
    offset: Offset = 0,
    limit: Limit = 50,
) -> list[RatioVersion]:
    qs = queries.visible_ratios(request.user).order_by("level", "valid_from", "id")
    if level:
        qs = qs.filter(level=level)
    return paginate(qs, response, offset, limit)


@settlement_router.post("/ratios", response={201: RatioOut}, summary="新增分成比例版本（结算人员）")
def add_ratio(request: HttpRequest, payload: RatioIn) -> tuple[int, RatioVersion]:
    if not request.user.has_perm("settlement.manage_ratios"):
        raise PermissionDenied(gettext("您没有维护分成比例的权限。"))
    partner = get_or_404(Partner.objects.all(), pk=payload.partner_id) if payload.partner_id else None
    product = get_or_404(Product.objects.all(), pk=payload.product_id) if payload.product_id else None
    line = (
        get_or_404(BusinessLine.objects.all(), code=payload.business_line) if payload.business_line else None
    )
    version = actions.create_ratio_version(
        actor=request.user,
        level=payload.level,
        ratio_bp=payload.ratio_bp,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        reason=payload.reason,
        partner=partner,
        business_line=line,
        product=product,
    )
    return 201, version


routers = [("/settlement", settlement_router), ("/settlement", reconciliation_router)]
