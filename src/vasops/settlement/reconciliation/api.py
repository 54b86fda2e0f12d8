"""REST routes of reconciliation (/api/v1/settlement/reconciliations…, …/disputes…). Thin:
parse → query/action → schema. A partner user sees only its own partner's; another's is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile

from vasops.core import imports
from vasops.core.apiutils import FilterText, Limit, Offset, get_or_404, paginate
from vasops.core.errors import DomainError
from vasops.core.inputs import InputSchema, int_field, model_field, text_field
from vasops.settlement.errors import SettlementError
from vasops.settlement.reconciliation import actions, queries, rules
from vasops.settlement.reconciliation.models import Dispute, Reconciliation
from vasops.settlement.reconciliation.views import run_cdr_diff

router = Router(tags=["结算对账"])


class ReconciliationOut(Schema):
    id: int
    number: str = Field(..., description="对账编号，如 DZ202612-0001")
    partner_id: int
    month: str = Field(..., description="对账月份 YYYY-MM")
    state: str = Field(..., description="open 待上传 / diffed 已比对 / closed 已关闭")
    file_name: str
    file_encoding: str = Field(..., description="识别出的文件编码：utf-8 / utf-8-sig / gb18030 / xlsx")
    detail_rows: int = Field(..., description="话单明细行数（0 = 未上传明细）")
    our_count: int
    our_fee_fen: int = Field(..., description="平台话单金额（分）")
    their_count: int
    their_fee_fen: int = Field(..., description="合作方金额（分）")
    difference_fen: int = Field(..., description="合作方 − 平台（分）")
    status_counts: dict[str, int] = Field(
        ...,
        description="各比对结果的行数："
        "matched / missing_ours / missing_theirs / count_differs / amount_differs",
    )
    created_at: dt.datetime

    @staticmethod
    def resolve_month(obj: Reconciliation) -> str:
        return f"{obj.month:%Y-%m}"

    @staticmethod
    def resolve_difference_fen(obj: Reconciliation) -> int:
        return obj.fee_difference_fen


class LineOut(Schema):
    id: int
    day: dt.date
    product_id: int
    product_code: str
    our_count: int
    our_fee_fen: int
    their_count: int
    their_fee_fen: int
    difference_fen: int = Field(..., description="合作方 − 平台（分）")
    status: str = Field(
        ..., description="matched / missing_ours / missing_theirs / count_differs / amount_differs"
    )
    their_line: int | None = Field(None, description="合作方文件中的行号")

    @staticmethod
    def resolve_difference_fen(obj: Any) -> int:
        return int(obj.fee_difference_fen)


class DisputeOut(Schema):
    id: int
    number: str = Field(..., description="争议编号，如 ZY202701-0001")
    reconciliation_id: int
    line_id: int
    partner_id: int
    state: str = Field(..., description="pending 待处理 / accepted 已接受 / rejected 已驳回")
    reason: str
    claimed_fen: int = Field(..., description="主张金额（分），正数为应补结给合作方")
    accepted_fen: int | None = None
    decision_reason: str
    due_at: dt.datetime = Field(..., description="处理时限（第 n 个工作日 23:59:59，北京时间）")
    escalated_at: dt.datetime | None = None
    raised_at: dt.datetime
    decided_at: dt.datetime | None = None
    adjustment_id: int | None = Field(None, description="接受后登记的结算调整（kind=dispute）")
    adjustment_month: str | None = Field(None, description="调整计入的结算月份 YYYY-MM")
    evidence: list[str] = Field(..., description="证据文件名")

    @staticmethod
    def resolve_adjustment_month(obj: Dispute) -> str | None:
        return f"{obj.adjustment.month:%Y-%m}" if obj.adjustment_id and obj.adjustment else None

    @staticmethod
    def resolve_evidence(obj: Dispute) -> list[str]:
        return [e.document.original_name for e in obj.evidence.select_related("document")]


class CdrStatusOut(Schema):
    status: str = Field(
        ..., description="matched / missing_ours / missing_theirs / fee_differs / product_differs"
    )
    lines: int
    our_fee_fen: int
    their_fee_fen: int
    sample: list[dict[str, Any]] = Field(..., description="按话单编号排序的前若干条不一致话单")


class CdrDiffOut(Schema):
    day: dt.date | None
    total: int
    differing: int
    seconds: float
    statuses: list[CdrStatusOut]


class OpenIn(InputSchema):
    month: str = text_field(max_length=7, description="对账月份 YYYY-MM（已结束的月份）")
    note: str = model_field(Reconciliation, "note", default="")


class DisputeIn(InputSchema):
    line_id: int = int_field(ge=1, le=2**63 - 1, description="比对结果行 ID")
    reason: str = model_field(Dispute, "reason")
    claimed_fen: int | None = int_field(
        ge=-rules.MAX_FEN, le=rules.MAX_FEN, default=None, description="主张金额（分）；省略 = 该行差额"
    )


class AcceptIn(InputSchema):
    reason: str = model_field(Dispute, "decision_reason", description="处理意见")
    amount_fen: int | None = int_field(
        ge=-rules.MAX_FEN, le=rules.MAX_FEN, default=None, description="认定金额（分）；省略 = 主张金额"
    )


class RejectIn(InputSchema):
    reason: str = model_field(Dispute, "decision_reason", description="驳回理由")


class CloseIn(InputSchema):
    note: str = model_field(Reconciliation, "note", default="")


def _rec(request: HttpRequest, rec_id: int) -> Reconciliation:
    return get_or_404(queries.visible_reconciliations(request.user), pk=rec_id)


def _dispute(request: HttpRequest, dispute_id: int) -> Dispute:
    return get_or_404(queries.visible_disputes(request.user).select_related("adjustment"), pk=dispute_id)


@router.get("/reconciliations", response=list[ReconciliationOut], summary="对账申请列表")
def list_reconciliations(
    request: HttpRequest,
    response: HttpResponse,
    offset: Offset = 0,
    limit: Limit = 50,
    state: FilterText | None = None,
    month: FilterText | None = None,
) -> list[Reconciliation]:
    qs = queries.visible_reconciliations(request.user)
    if state:
        qs = qs.filter(state=state)
    if month:
        parsed = rules.parse_month(month)
        if parsed is None:
            raise DomainError(
                SettlementError.RECONCILIATION_BAD_MONTH,
                gettext("月份“%(month)s”无效，应为 YYYY-MM。") % {"month": month},
                field="month",
            )
        qs = qs.filter(month=parsed)
    return paginate(qs.order_by("-created_at", "-id"), response, offset, limit)


@router.post("/reconciliations", response={201: ReconciliationOut}, summary="申请对账（合作伙伴）")
def open_reconciliation(request: HttpRequest, payload: OpenIn) -> tuple[int, Reconciliation]:
    month = rules.parse_month(payload.month)
    if month is None:
        raise DomainError(
            SettlementError.RECONCILIATION_BAD_MONTH,
            gettext("月份“%(month)s”无效，应为 YYYY-MM。") % {"month": payload.month},
            field="month",
        )
    return 201, actions.open_reconciliation(actor=request.user, month=month, note=payload.note)


@router.get("/reconciliations/{rec_id}", response=ReconciliationOut, summary="对账申请详情（含比对合计）")
def get_reconciliation(request: HttpRequest, rec_id: int) -> Reconciliation:
    return _rec(request, rec_id)


@router.post(
    "/reconciliations/{rec_id}/upload",
    response=ReconciliationOut,
    summary="上传对账文件并比对（multipart：summary 必填，detail 可选）",
)
def upload(
    request: HttpRequest, rec_id: int, summary: File[UploadedFile], detail: File[UploadedFile] | None = None
) -> Reconciliation:
    """Bad lines: 400 ``settlement.reconciliation_rows_invalid`` with ``errors`` [{row, column, message}]."""
    rec = _rec(request, rec_id)
    try:
        return actions.upload_records(rec, actor=request.user, summary=summary, detail=detail)
    except imports.ImportRefused as exc:
        raise RowsRefused(exc) from exc


class RowsRefused(DomainError):
    """An ImportRefused with its row errors in the API's error body (``errors``)."""

    def __init__(self, exc: imports.ImportRefused) -> None:
        super().__init__(exc.code, exc.message, status=400, field="file")
        self.rows = [{"row": e.row, "column": e.column, "message": e.message} for e in exc.shown]

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "errors": self.rows}


@router.get("/reconciliations/{rec_id}/lines", response=list[LineOut], summary="比对结果（按日 × 产品）")
def list_lines(
    request: HttpRequest,
    response: HttpResponse,
    rec_id: int,
    offset: Offset = 0,
    limit: Limit = 500,
    status: FilterText | None = None,
) -> list[Any]:
    rec = _rec(request, rec_id)
    return paginate(queries.lines_of(rec, status or ""), response, offset, limit)


@router.get(
    "/reconciliations/{rec_id}/cdr-diff", response=CdrDiffOut, summary="按话单编号比对（某日，可限产品）"
)
def cdr_diff(
    request: HttpRequest,
    rec_id: int,
    day: dt.date,
    product_id: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None,
) -> dict[str, Any]:
    rec = _rec(request, rec_id)
    if day.replace(day=1) != rec.month:
        raise DomainError(
            SettlementError.RECONCILIATION_DAY_OUTSIDE,
            gettext("日期 %(day)s 不在对账月份 %(month)s 内。")
            % {"day": day, "month": format(rec.month, "%Y-%m")},
            field="day",
        )
    result = run_cdr_diff(rec, day, product_id)
    return {
        "day": day,
        "total": result.total,
        "differing": result.differing,
        "seconds": round(result.seconds, 3),
        "statuses": [result.statuses[s] for s in rules.CDR_STATUSES],
    }


@router.post("/reconciliations/{rec_id}/close", response=ReconciliationOut, summary="关闭对账申请")
def close(request: HttpRequest, rec_id: int, payload: CloseIn) -> Reconciliation:
    return actions.close_reconciliation(_rec(request, rec_id), actor=request.user, note=payload.note)


@router.post(
    "/reconciliations/{rec_id}/disputes",
    response={201: DisputeOut},
    summary="对比对结果行提出争议（合作伙伴）",
)
def raise_dispute(request: HttpRequest, rec_id: int, payload: DisputeIn) -> tuple[int, Dispute]:
    rec = _rec(request, rec_id)
    line = queries.line_of(rec, payload.line_id)
    if line is None:
        raise DomainError(
            SettlementError.RECONCILIATION_NOT_DIFFED,
            gettext("该对账申请没有这一行比对结果。"),
            status=404,
            field="line_id",
        )
    return 201, actions.raise_dispute(
        line, actor=request.user, reason=payload.reason, claimed_fen=payload.claimed_fen
    )


@router.get("/disputes", response=list[DisputeOut], summary="对账争议列表")
def list_disputes(
    request: HttpRequest,
    response: HttpResponse,
    offset: Offset = 0,
    limit: Limit = 50,
    state: FilterText | None = None,
    reconciliation_id: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None,
) -> list[Dispute]:
    qs = queries.visible_disputes(request.user).select_related("adjustment")
    if state:
        qs = qs.filter(state=state)
    if reconciliation_id:
        qs = qs.filter(reconciliation_id=reconciliation_id)
    return paginate(qs.order_by("due_at", "id"), response, offset, limit)


@router.get("/disputes/{dispute_id}", response=DisputeOut, summary="对账争议详情")
def get_dispute(request: HttpRequest, dispute_id: int) -> Dispute:
    return _dispute(request, dispute_id)


@router.post(
    "/disputes/{dispute_id}/evidence", response={201: DisputeOut}, summary="补充证据文件（multipart）"
)
def add_evidence(request: HttpRequest, dispute_id: int, evidence: File[UploadedFile]) -> tuple[int, Dispute]:
    dispute = _dispute(request, dispute_id)
    actions.add_evidence(dispute, actor=request.user, upload_file=evidence)
    return 201, _dispute(request, dispute_id)


@router.post(
    "/disputes/{dispute_id}/accept", response=DisputeOut, summary="接受争议（结算）：登记下月结算调整"
)
def accept(request: HttpRequest, dispute_id: int, payload: AcceptIn) -> Dispute:
    actions.accept_dispute(
        _dispute(request, dispute_id),
        actor=request.user,
        reason=payload.reason,
        amount_fen=payload.amount_fen,
    )
    return _dispute(request, dispute_id)


@router.post("/disputes/{dispute_id}/reject", response=DisputeOut, summary="驳回争议（结算）")
def reject(request: HttpRequest, dispute_id: int, payload: RejectIn) -> Dispute:
    actions.reject_dispute(_dispute(request, dispute_id), actor=request.user, reason=payload.reason)
    return _dispute(request, dispute_id)
