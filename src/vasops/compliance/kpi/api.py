"""REST routes of the SP KPIs (/api/v1/compliance/kpi/…). A partner user sees only its own
records; another partner's record is a 404. Recording needs compliance.record_kpi (O&M staff)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from vasops.compliance.kpi import actions, queries, rules
from vasops.compliance.kpi.models import KpiDefinition, KpiRecord
from vasops.compliance.kpi.permissions import RECORD_PERM
from vasops.core.apiutils import FilterText, IdParam, Limit, Offset, get_or_404, paginate
from vasops.core.inputs import InputSchema, int_field, model_field, text_field
from vasops.core.permissions import require

router = Router(tags=["KPI 考核"])


class KpiDefinitionOut(Schema):
    code: str = Field(..., description="指标代码，如 wap_response_time")
    name: str
    unit: str = Field(..., description="ms 毫秒；bp 百分比（万分之一，9950 = 99.50%）；count 个")
    direction: str = Field(..., description="at_least 不低于门限为达标；at_most 不高于门限为达标")
    threshold: int
    period: str = Field(..., description="month 或 quarter")
    is_active: bool


class KpiRecordOut(Schema):
    id: int
    partner_id: int
    partner_name: str
    kpi: str = Field(..., description="指标代码")
    kpi_name: str
    period: str = Field(..., description="月：2026-11；季度：2026Q4")
    period_start: dt.date
    period_end: dt.date
    value: int = Field(..., description="按指标单位的整数（百分比为万分之一）")
    value_text: str
    threshold: int = Field(..., description="登记时的门限")
    direction: str
    met: bool = Field(..., description="是否达标")
    source: str
    note: str
    recorded_at: dt.datetime

    @staticmethod
    def resolve_partner_name(obj: KpiRecord) -> str:
        return obj.partner.name

    @staticmethod
    def resolve_kpi(obj: KpiRecord) -> str:
        return obj.definition.code

    @staticmethod
    def resolve_kpi_name(obj: KpiRecord) -> str:
        return obj.definition.name

    @staticmethod
    def resolve_value_text(obj: KpiRecord) -> str:
        return rules.format_value(obj.definition.unit, obj.value)


class KpiRecordIn(InputSchema):
    partner_id: int = int_field(ge=1, le=2**31 - 1, description="合作伙伴编号")
    kpi: str = model_field(KpiDefinition, "code", description="指标代码")
    period: str = text_field(max_length=7, description="月：2026-11；季度：2026Q4")
    value: str = text_field(
        max_length=20, description="结果值：百分比填百分数（96.5 或 96.5%），时间填毫秒，门限值填个数"
    )
    note: str = model_field(KpiRecord, "note", default="")


@router.get("/definitions", response=list[KpiDefinitionOut], summary="KPI 指标与门限")
def list_definitions(request: HttpRequest) -> list[KpiDefinition]:
    return list(queries.definitions())


@router.get("/records", response=list[KpiRecordOut], summary="KPI 记录（合作伙伴只见本企业）")
def list_records(
    request: HttpRequest,
    response: HttpResponse,
    partner_id: IdParam | None = None,
    kpi: FilterText = "",
    period: FilterText = "",
    met: bool | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> list[KpiRecord]:
    qs = queries.visible_records(request.user).order_by("-period_start", "id")
    if partner_id is not None:
        qs = qs.filter(partner_id=partner_id)
    if kpi:
        qs = qs.filter(definition__code=kpi)
    if period:
        qs = qs.filter(period=period.upper())
    if met is not None:
        qs = qs.filter(met=met)
    return paginate(qs, response, offset, limit)


@router.get("/records/{record_id}", response=KpiRecordOut, summary="KPI 记录详情")
def get_record(request: HttpRequest, record_id: IdParam) -> KpiRecord:
    return get_or_404(queries.visible_records(request.user), pk=record_id)


@router.post("/records", response={201: KpiRecordOut}, summary="登记 KPI 结果（同一周期再次登记即更正）")
def create_record(request: HttpRequest, payload: KpiRecordIn) -> tuple[int, KpiRecord]:
    require(request.user, RECORD_PERM)
    record = actions.record_kpi(
        actor=request.user,
        partner=queries.partner_by_id(payload.partner_id),
        definition=queries.definition_by_code(payload.kpi),
        period=payload.period,
        value=payload.value,
        note=payload.note,
        source=KpiRecord.Source.API,
    )
    return 201, record


routers = [("/compliance/kpi", router)]
