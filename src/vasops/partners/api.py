"""REST routes of the partner registry (/api/v1/partners…). Thin: parse → query/action → schema.
Every route is scoped: a partner user sees only their own partner; another's is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from vasops.core.apiutils import get_or_404, paginate
from vasops.partners import actions, queries
from vasops.partners.models import Partner, Qualification, Restriction

router = Router(tags=["合作伙伴"])


class PartnerOut(Schema):
    id: int = Field(..., description="合作伙伴 ID")
    name: str = Field(..., description="企业名称")
    kind: str = Field(..., description="类型：SP 或 CP")
    locality: str = Field(..., description="属地：local 本地 / out_of_province 外省")
    credit_code: str = Field(..., description="统一社会信用代码（18 位）")
    legal_representative: str = Field(..., description="法定代表人")
    address: str = Field(..., description="地址")
    cs_hotline: str = Field(..., description="7×24 客服热线（800/400/1010xxxx）")
    state: str = Field(
        ...,
        description=(
            "状态：registered 已注册 / admitted 已准入 / active 已开通 / suspended 已暂停 / exited 已退出"
        ),
    )
    credit_grade: str = Field(..., description="信用等级：excellent 优 / good 良 / pass 合格 / fail 不合格")
    enterprise_code: str | None = Field(None, description="企业代码（准入后分配）")
    service_access_number: str | None = Field(None, description="业务接入号（准入后分配）")
    created_at: dt.datetime = Field(..., description="注册时间")


class QualificationOut(Schema):
    id: int = Field(..., description="资质证书 ID")
    kind: str = Field(..., description="资质类型代码")
    kind_label: str = Field(..., description="资质类型名称")
    number: str = Field(..., description="证书编号")
    issuer: str = Field(..., description="发证机关")
    valid_from: dt.date = Field(..., description="有效期自")
    valid_until: dt.date | None = Field(None, description="有效期至（含当日；为空表示长期有效）")
    annual_inspection_date: dt.date | None = Field(None, description="年检日期")
    is_current: bool = Field(..., description="是否在用（被更换的旧证书为 false）")
    document_uuid: str | None = Field(None, description="扫描件文档 UUID（经 /documents/<uuid>/ 下载）")

    @staticmethod
    def resolve_kind_label(obj: Qualification) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_document_uuid(obj: Qualification) -> str | None:
        return str(obj.document.uuid) if obj.document else None


class RestrictionOut(Schema):
    id: int = Field(..., description="限制 ID")
    partner_id: int = Field(..., description="合作伙伴 ID")
    kind: str = Field(
        ...,
        description=(
            "类型：blacklist 黑名单 / lockout 驳回锁定 / ban 禁入 / "
            "violation_exclusion 违规清退 / major_violation 重大违规"
        ),
    )
    business_line: str = Field(..., description="业务类别（违规清退时）")
    reason: str = Field(..., description="原因")
    source: str = Field(..., description="来源（申请编号、违规单号等）")
    starts_on: dt.date = Field(..., description="开始日期")
    ends_on: dt.date | None = Field(None, description="结束日期（含当日；为空表示长期）")
    lifted_at: dt.datetime | None = Field(None, description="解除时间")
    lift_reason: str = Field(..., description="解除原因")


class RestrictionIn(Schema):
    kind: str = Field(..., description="限制类型")
    reason: str = Field(..., description="原因（必填）")
    source: str = Field("", description="来源")
    starts_on: dt.date = Field(..., description="开始日期")
    business_line: str = Field("", description="业务类别（违规清退时必填）")
    ends_on: dt.date | None = Field(
        None, description="结束日期；留空按规则计算（锁定 3 个月、禁入 1 年、清退 6 个月、黑名单长期）"
    )


class LiftIn(Schema):
    reason: str = Field(..., description="解除原因（必填）")


@router.get("", response=list[PartnerOut], summary="合作伙伴列表")
def list_partners(
    request: HttpRequest,
    response: HttpResponse,
    offset: int = 0,
    limit: int = 50,
    kind: str = "",
    state: str = "",
    q: str = "",
) -> list[Partner]:
    qs = queries.visible_partners(request.user).order_by("name", "pk")
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(credit_code__icontains=q)
    return paginate(qs, response, offset, limit)


@router.get("/restrictions", response=list[RestrictionOut], summary="限制名单")
def list_restrictions(
    request: HttpRequest,
    response: HttpResponse,
    offset: int = 0,
    limit: int = 50,
    kind: str = "",
    in_force_on: dt.date | None = None,
) -> list[Restriction]:
    qs = queries.visible_restrictions(request.user).order_by("-starts_on", "-pk")
    if kind:
        qs = qs.filter(kind=kind)
    if in_force_on:
        qs = qs.filter(lifted_at__isnull=True, starts_on__lte=in_force_on).exclude(ends_on__lt=in_force_on)
    return paginate(qs, response, offset, limit)


@router.post("/restrictions/{restriction_id}/lift", response=RestrictionOut, summary="解除限制（工作人员）")
def lift_restriction(request: HttpRequest, restriction_id: int, payload: LiftIn) -> Restriction:
    r = get_or_404(queries.visible_restrictions(request.user), pk=restriction_id)
    return actions.lift_restriction(r, actor=request.user, reason=payload.reason)


@router.get("/{partner_id}", response=PartnerOut, summary="合作伙伴详情")
def get_partner(request: HttpRequest, partner_id: int) -> Partner:
    return get_or_404(queries.visible_partners(request.user), pk=partner_id)


@router.get("/{partner_id}/qualifications", response=list[QualificationOut], summary="资质证书")
def partner_qualifications(request: HttpRequest, partner_id: int, current_only: bool = False) -> Any:
    partner = get_or_404(queries.visible_partners(request.user), pk=partner_id)
    qs = partner.qualifications.select_related("document").order_by("kind", "-created_at")
    if current_only:
        qs = qs.filter(is_current=True)
    return list(qs)


@router.get("/{partner_id}/restrictions", response=list[RestrictionOut], summary="合作伙伴的限制")
def partner_restrictions(request: HttpRequest, partner_id: int) -> Any:
    partner = get_or_404(queries.visible_partners(request.user), pk=partner_id)
    return list(partner.restrictions.all())


@router.post("/{partner_id}/restrictions", response={201: RestrictionOut}, summary="登记限制（工作人员）")
def add_restriction(request: HttpRequest, partner_id: int, payload: RestrictionIn) -> Any:
    partner = get_or_404(queries.visible_partners(request.user), pk=partner_id)
    r = actions.add_restriction(partner, actor=request.user, **payload.dict())
    return 201, r


routers = [("/partners", router)]
