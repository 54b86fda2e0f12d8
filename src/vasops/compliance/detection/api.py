"""REST routes of the detection of unauthorised charging (/api/v1/compliance/detection/…), for
carrier staff: a partner user's list is empty and any hit is a 404 to it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from vasops.compliance.detection import queries, rules, tasks
from vasops.compliance.detection.models import DetectionHit, DetectionRule, DetectionRun
from vasops.compliance.detection.permissions import RUN_PERM
from vasops.core.apiutils import FilterText, IdParam, Limit, Offset, get_or_404, paginate
from vasops.core.inputs import InputSchema
from vasops.core.permissions import require

router = Router(tags=["异常扣费检测"])


class DetectionHitOut(Schema):
    id: int
    day: dt.date = Field(..., description="数据日期（退订比例为当日新订购的一批用户）")
    metric: str
    metric_label: str
    product_id: int
    product_name: str
    partner_id: int
    partner_name: str
    value: int = Field(..., description="比例为万分之一；突增为倍数 × 10000；其余为件数")
    value_text: str
    threshold: int
    sample: int
    figures: dict[str, Any]
    violation_id: str = Field(..., description="生成的违约草稿编号（空：未生成）")
    created_at: dt.datetime

    @staticmethod
    def resolve_metric_label(obj: DetectionHit) -> str:
        return str(obj.get_metric_display())

    @staticmethod
    def resolve_product_name(obj: DetectionHit) -> str:
        return obj.product.name

    @staticmethod
    def resolve_partner_name(obj: DetectionHit) -> str:
        return obj.partner.name

    @staticmethod
    def resolve_value_text(obj: DetectionHit) -> str:
        return rules.format_value(obj.metric, obj.value)


class DetectionRuleOut(Schema):
    metric: str
    threshold: int
    min_sample: int
    is_active: bool
    violation_code: str


class DetectionRunIn(InputSchema):
    day: dt.date = Field(..., description="检测日期（已结束的日期）")


class DetectionRunOut(Schema):
    day: dt.date
    products: int
    hits: int
    finished_at: dt.datetime | None


@router.get("/hits", response=list[DetectionHitOut], summary="疑似违规扣费（运营商员工）")
def list_hits(
    request: HttpRequest,
    response: HttpResponse,
    metric: FilterText = "",
    partner_id: IdParam | None = None,
    day: dt.date | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> list[DetectionHit]:
    qs = queries.visible_hits(request.user).order_by("-day", "-id")
    if metric:
        qs = qs.filter(metric=metric)
    if partner_id is not None:
        qs = qs.filter(partner_id=partner_id)
    if day is not None:
        qs = qs.filter(day=day)
    return paginate(qs, response, offset, limit)


@router.get("/hits/{hit_id}", response=DetectionHitOut, summary="疑点详情（含明细数据）")
def get_hit(request: HttpRequest, hit_id: IdParam) -> DetectionHit:
    return get_or_404(queries.visible_hits(request.user), pk=hit_id)


@router.get("/rules", response=list[DetectionRuleOut], summary="检测阈值")
def list_rules(request: HttpRequest) -> list[DetectionRule]:
    require(request.user, "compliance.view_detectionrule")
    return list(queries.rules_table())


@router.post("/runs", response=DetectionRunOut, summary="检测某一已结束的日期（幂等）")
def run(request: HttpRequest, payload: DetectionRunIn) -> DetectionRun:
    require(request.user, RUN_PERM)
    return tasks.run_detection(payload.day, actor=request.user)


routers = [("/compliance/detection", router)]
