"""REST routes of compliance (/api/v1/compliance/…): violations and appeals, service blocks, credit,
the violation catalogue. Thin: parse → query/action → schema. A partner user sees only its own
records (another partner's is a 404) and never a draft."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import Field, Router, Schema

from vasops.catalog.models import BusinessLine, Product
from vasops.compliance import actions, queries
from vasops.compliance.actions.credit import current_points
from vasops.compliance.models import ViolationRecord, ViolationType
from vasops.core.apiutils import FilterText, IdParam, Limit, Offset, get_or_404, paginate
from vasops.core.errors import NotFound
from vasops.core.inputs import InputSchema, int_field, model_field
from vasops.partners.models import Partner
from vasops.vac.models import ServiceBlock

router = Router(tags=["违约与信用"])


class ViolationTypeOut(Schema):
    code: str
    version: int
    name: str
    grade: str = Field(..., description="general 一般 / serious 严重 / major 重大")
    points: int = Field(..., description="扣信用分")
    penalty_fen: int = Field(..., description="违约金，分")
    consequence: str


class ViolationOut(Schema):
    id: int
    number: str
    partner_id: int
    product_id: int | None
    violation_code: str
    violation_name: str
    grade: str
    summary: str
    evidence: dict
    state: str
    state_label: str
    raised_on: dt.date | None
    appeal_due: dt.date | None = Field(None, description="申诉截止日（含），通报后第 5 个工作日")
    appeal_text: str
    decision_reason: str
    points_deducted: int
    penalty_fen: int
    created_at: dt.datetime

    @staticmethod
    def resolve_violation_code(obj: ViolationRecord) -> str:
        return obj.violation_type.code

    @staticmethod
    def resolve_violation_name(obj: ViolationRecord) -> str:
        return obj.violation_type.name

    @staticmethod
    def resolve_grade(obj: ViolationRecord) -> str:
        return obj.violation_type.grade

    @staticmethod
    def resolve_state_label(obj: ViolationRecord) -> str:
        return str(obj.get_state_display())


class ViolationIn(InputSchema):
    partner_id: int = int_field(ge=1, le=2**31 - 1)
    product_id: int | None = int_field(ge=1, le=2**31 - 1, default=None)
    violation_code: str = model_field(ViolationType, "code")
    summary: str = model_field(ViolationRecord, "summary")


class ViolationRaiseIn(InputSchema):
    summary: str = model_field(ViolationRecord, "summary", default="")


class ViolationReasonIn(InputSchema):
    reason: str = model_field(ViolationRecord, "decision_reason")


class ViolationAppealIn(InputSchema):
    text: str = model_field(ViolationRecord, "appeal_text")


class ViolationDecideIn(InputSchema):
    decision: Literal["upheld", "reduced", "dismissed"]
    reason: str = model_field(ViolationRecord, "decision_reason")
    points: int | None = int_field(ge=0, le=1000, default=None, description="减轻时的扣分")
    penalty_fen: int | None = int_field(ge=0, le=2**31 - 1, default=None, description="减轻时的违约金，分")


class ServiceBlockOut(Schema):
    id: int
    scope: str = Field(..., description="product 产品 / line 合作伙伴的业务线 / partner 整个合作伙伴")
    partner_id: int
    product_id: int | None
    business_line: str | None = Field(None, description="业务线代码")
    reason: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    lifted_at: dt.datetime | None
    lift_reason: str

    @staticmethod
    def resolve_business_line(obj: ServiceBlock) -> str | None:
        return obj.business_line.code if obj.business_line else None


class ServiceBlockIn(InputSchema):
    scope: Literal["product", "line", "partner"]
    partner_id: int = int_field(ge=1, le=2**31 - 1)
    product_id: int | None = int_field(ge=1, le=2**31 - 1, default=None)
    business_line: str | None = model_field(BusinessLine, "code", default=None)
    reason: str = model_field(ServiceBlock, "reason")
    ends_on: dt.date | None = None


class ComplianceCreditEntryOut(Schema):
    on: dt.date
    delta: int
    points_after: int
    grade_after: str
    reason: str


class ComplianceCreditOut(Schema):
    partner_id: int
    points: int = Field(..., description="本年度信用积分")
    grade: str = Field(..., description="excellent 优 / good 良 / pass 合格 / fail 不合格")
    history: list[ComplianceCreditEntryOut]


def _record(request: HttpRequest, violation_id: int) -> ViolationRecord:
    return get_or_404(queries.visible_violations(request.user), pk=violation_id)


@router.get("/violation-types", response=list[ViolationTypeOut], summary="违约类型（现行版本）")
def list_types(request: HttpRequest) -> list[ViolationType]:
    return list(ViolationType.objects.filter(is_current=True, is_active=True).order_by("code"))


@router.get("/violations", response=list[ViolationOut], summary="违约记录（合作伙伴只见本企业已通报的）")
def list_violations(
    request: HttpRequest,
    response: HttpResponse,
    state: FilterText = "",
    offset: Offset = 0,
    limit: Limit = 50,
) -> list[ViolationRecord]:
    qs = queries.visible_violations(request.user).order_by("-id")
    if state:
        qs = qs.filter(state=state)
    return paginate(qs, response, offset, limit)


@router.post("/violations", response={201: ViolationOut}, summary="登记违约并通报合作伙伴（员工）")
def create_violation(request: HttpRequest, payload: ViolationIn) -> tuple[int, ViolationRecord]:
    partner = Partner.objects.filter(pk=payload.partner_id).first()
    if partner is None:
        raise NotFound(gettext("合作伙伴不存在。"))
    product = None
    if payload.product_id is not None:
        product = Product.objects.filter(pk=payload.product_id).first()
        if product is None:
            raise NotFound(gettext("产品不存在。"))
    record = actions.record_violation(
        actor=request.user,
        partner=partner,
        violation_code=payload.violation_code,
        summary=payload.summary,
        product=product,
    )
    return 201, record


@router.get("/violations/{violation_id}", response=ViolationOut, summary="违约记录详情")
def get_violation(request: HttpRequest, violation_id: IdParam) -> ViolationRecord:
    return _record(request, violation_id)


@router.post("/violations/{violation_id}/raise", response=ViolationOut, summary="审核草稿并通报（员工）")
def raise_violation(
    request: HttpRequest, violation_id: IdParam, payload: ViolationRaiseIn
) -> ViolationRecord:
    return actions.raise_draft(_record(request, violation_id), actor=request.user, summary=payload.summary)


@router.post("/violations/{violation_id}/discard", response=ViolationOut, summary="作废草稿（员工）")
def discard_violation(
    request: HttpRequest, violation_id: IdParam, payload: ViolationReasonIn
) -> ViolationRecord:
    return actions.discard_draft(_record(request, violation_id), actor=request.user, reason=payload.reason)


@router.post("/violations/{violation_id}/accept", response=ViolationOut, summary="确认违约（合作伙伴）")
def accept_violation(request: HttpRequest, violation_id: IdParam) -> ViolationRecord:
    return actions.accept_violation(_record(request, violation_id), actor=request.user)


@router.post(
    "/violations/{violation_id}/appeal", response=ViolationOut, summary="申诉（合作伙伴，5 个工作日内）"
)
def appeal_violation(
    request: HttpRequest, violation_id: IdParam, payload: ViolationAppealIn
) -> ViolationRecord:
    return actions.appeal_violation(_record(request, violation_id), actor=request.user, text=payload.text)


@router.post(
    "/violations/{violation_id}/decide", response=ViolationOut, summary="裁定：维持/减轻/撤销（员工）"
)
def decide_violation(
    request: HttpRequest, violation_id: IdParam, payload: ViolationDecideIn
) -> ViolationRecord:
    return actions.decide_violation(
        _record(request, violation_id),
        actor=request.user,
        decision=payload.decision,
        reason=payload.reason,
        points=payload.points,
        penalty_fen=payload.penalty_fen,
    )


@router.get("/blocks", response=list[ServiceBlockOut], summary="业务屏蔽（合作伙伴只见本企业）")
def list_blocks(
    request: HttpRequest,
    response: HttpResponse,
    scope: FilterText = "",
    offset: Offset = 0,
    limit: Limit = 50,
) -> list[ServiceBlock]:
    qs = queries.visible_blocks(request.user).order_by("-id")
    if scope:
        qs = qs.filter(scope=scope)
    return paginate(qs, response, offset, limit)


@router.post("/blocks", response={201: ServiceBlockOut}, summary="业务屏蔽（员工，VAC 即时生效）")
def create_block(request: HttpRequest, payload: ServiceBlockIn) -> tuple[int, ServiceBlock]:
    partner = Partner.objects.filter(pk=payload.partner_id).first()
    if partner is None:
        raise NotFound(gettext("合作伙伴不存在。"))
    product = Product.objects.filter(pk=payload.product_id).first() if payload.product_id else None
    line = BusinessLine.objects.filter(code=payload.business_line).first() if payload.business_line else None
    block = actions.block_service(
        actor=request.user,
        scope=payload.scope,
        partner=partner,
        reason=payload.reason,
        product=product,
        business_line=line,
        ends_on=payload.ends_on,
    )
    return 201, block


@router.post("/blocks/{block_id}/lift", response=ServiceBlockOut, summary="解除业务屏蔽（员工）")
def lift_block(request: HttpRequest, block_id: IdParam, payload: ViolationReasonIn) -> ServiceBlock:
    block = get_or_404(queries.visible_blocks(request.user), pk=block_id)
    return actions.lift_block(block, actor=request.user, reason=payload.reason)


@router.get("/credit/{partner_id}", response=ComplianceCreditOut, summary="信用积分、等级与变动历史")
def get_credit(request: HttpRequest, partner_id: IdParam) -> dict:
    partner = queries.visible_partner(request.user, partner_id)
    points, grade = current_points(partner)
    return {
        "partner_id": partner.pk,
        "points": points,
        "grade": grade,
        "history": list(queries.credit_history(partner)),
    }


from vasops.compliance.detection.api import routers as detection_routers  # noqa: E402
from vasops.compliance.kpi.api import routers as kpi_routers  # noqa: E402

routers = [("/compliance", router), *kpi_routers, *detection_routers]
