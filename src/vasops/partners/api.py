"""REST routes of the partner registry (/api/v1/partners…). Thin: parse → query/action → schema.
Every route is scoped: a partner user sees only their own partner; another's is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import Field, Router, Schema

from vasops.core.apiutils import FilterText, Limit, Offset, SearchText, get_or_404, paginate
from vasops.core.errors import CoreError, DomainError
from vasops.core.inputs import REASON_MAX_LENGTH, InputSchema, KeyText, LineText, model_field, text_field
from vasops.partners import actions, change_queries, queries
from vasops.partners.models import Partner, PartnerChangeRequest, Qualification, Restriction

router = Router(tags=["合作伙伴"])


class PartnerOut(Schema):
    id: int = Field(..., description="合作伙伴 ID")
    name: str = Field(..., description="企业名称")
    kind: str = Field(..., description="类型：SP 或 CP")
    locality: str = Field(..., description="属地：local 本地 / out_of_province 外省")
    credit_code: str = Field(..., description="统一社会信用代码（18 位）")
    legal_representative: str = Field(..., description="法定代表人")
    address: str = Field(..., description="地址")
    cs_hotline: str = Field(..., description="7×24 客服热线（800/400/1010xxx/1010xxxx）")
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


class RestrictionIn(InputSchema):
    kind: str = model_field(Restriction, "kind", description="限制类型")
    reason: str = model_field(Restriction, "reason", description="原因（必填）")
    source: str = model_field(Restriction, "source", default="", description="来源")
    starts_on: dt.date = Field(..., description="开始日期")
    business_line: str = model_field(
        Restriction, "business_line", default="", description="业务类别（违规清退时必填）"
    )
    ends_on: dt.date | None = Field(
        None,
        description=(
            "结束日期；留空按规则计算（黑名单自不良信用记录起半年、锁定 3 个月、禁入 1 年、"
            "清退 6 个月、重大违规长期）"
        ),
    )


class LiftIn(InputSchema):
    reason: str = text_field(max_length=REASON_MAX_LENGTH, multiline=True, description="解除原因（必填）")


@router.get("", response=list[PartnerOut], summary="合作伙伴列表")
def list_partners(
    request: HttpRequest,
    response: HttpResponse,
    offset: Offset = 0,
    limit: Limit = 50,
    kind: FilterText = "",
    state: FilterText = "",
    q: SearchText = "",
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
    offset: Offset = 0,
    limit: Limit = 50,
    kind: FilterText = "",
    in_force_on: dt.date | None = None,
) -> list[Restriction]:
    qs = queries.visible_restrictions(request.user).order_by("-starts_on", "-pk")
    if kind:
        qs = qs.filter(kind=kind)
    if in_force_on:
        qs = queries.in_force(qs, in_force_on)
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


# --- basic-info change requests 基本信息变更 (/api/v1/partner-change-requests) ---------------

change_router = Router(tags=["基本信息变更"])


class ChangeRequestOut(Schema):
    id: int
    number: str = Field(..., description="申请编号")
    partner_id: int
    kind: str = Field(
        ...,
        description="contacts 联系人 / cs_hotline 客服热线 / bank_account 银行账户 / company 企业名称地址",
    )
    state: str = Field(
        ...,
        description=(
            "submitted 待审核 / approved 已初审（待复核）/ second_approved 已复核（待生效）/ "
            "applied 已生效 / returned 已退回 / rejected 已驳回"
        ),
    )
    proposed: dict[str, Any] = Field(..., description="变更后")
    current: dict[str, Any] = Field(..., description="提交时的现值（变更前）")
    note: str
    reason: str = Field(..., description="审核意见/退回或驳回原因")
    first_approver: str | None = None
    second_approver: str | None = None
    effective_from: dt.date | None = Field(None, description="生效日期（银行账户变更为次月 1 日）")
    applied_at: dt.datetime | None = None
    created_at: dt.datetime

    @staticmethod
    def resolve_first_approver(obj: PartnerChangeRequest) -> str | None:
        return obj.first_approver.username if obj.first_approver_id else None  # type: ignore[union-attr]

    @staticmethod
    def resolve_second_approver(obj: PartnerChangeRequest) -> str | None:
        return obj.second_approver.username if obj.second_approver_id else None  # type: ignore[union-attr]


class ChangeRequestIn(InputSchema):
    kind: str = model_field(
        PartnerChangeRequest,
        "kind",
        description="contacts / cs_hotline / bank_account（企业名称/地址须附营业执照，请在门户提交）",
    )
    values: dict[KeyText, LineText] = Field(
        ...,
        max_length=10,
        description=(
            "contacts: role,name,phone,email；cs_hotline: cs_hotline；"
            "bank_account: bank_name,account_name,account_number"
        ),
    )
    note: str = model_field(PartnerChangeRequest, "note", default="")


class ChangeRequestReasonIn(InputSchema):
    reason: str = model_field(
        PartnerChangeRequest, "reason", default="", description="审核意见；退回/驳回时必填"
    )


@change_router.get("", response=list[ChangeRequestOut], summary="变更申请列表")
def list_change_requests(
    request: HttpRequest,
    response: HttpResponse,
    offset: Offset = 0,
    limit: Limit = 50,
    kind: FilterText = "",
    state: FilterText = "",
) -> list[PartnerChangeRequest]:
    qs = change_queries.visible_change_requests(request.user).order_by("-created_at", "-pk")
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    return paginate(qs, response, offset, limit)


@change_router.get("/{cr_id}", response=ChangeRequestOut, summary="变更申请详情")
def get_change_request(request: HttpRequest, cr_id: int) -> PartnerChangeRequest:
    return get_or_404(change_queries.visible_change_requests(request.user), pk=cr_id)


@change_router.post("", response={201: ChangeRequestOut}, summary="提交变更申请（合作伙伴管理员）")
def create_change_request(request: HttpRequest, payload: ChangeRequestIn) -> Any:
    partner = queries.partner_of(request.user)
    if partner is None:
        raise DomainError(CoreError.VALIDATION, gettext("只有合作伙伴用户可以提交变更申请。"), status=403)
    cr = actions.submit_change_request(
        partner, actor=request.user, kind=payload.kind, values=payload.values, note=payload.note
    )
    return 201, cr


def _review(request: HttpRequest, cr_id: int) -> PartnerChangeRequest:
    return get_or_404(change_queries.visible_change_requests(request.user), pk=cr_id)


@change_router.post("/{cr_id}/approve", response=ChangeRequestOut, summary="审核通过（银行账户为初审）")
def approve_change_request(
    request: HttpRequest, cr_id: int, payload: ChangeRequestReasonIn
) -> PartnerChangeRequest:
    return actions.approve_change_request(_review(request, cr_id), actor=request.user, comment=payload.reason)


@change_router.post(
    "/{cr_id}/second-approve", response=ChangeRequestOut, summary="复核通过（银行账户，须另一人）"
)
def second_approve_change_request(
    request: HttpRequest, cr_id: int, payload: ChangeRequestReasonIn
) -> PartnerChangeRequest:
    return actions.second_approve_change_request(
        _review(request, cr_id), actor=request.user, comment=payload.reason
    )


@change_router.post("/{cr_id}/return", response=ChangeRequestOut, summary="退回修改")
def return_change_request(
    request: HttpRequest, cr_id: int, payload: ChangeRequestReasonIn
) -> PartnerChangeRequest:
    return actions.return_change_request(_review(request, cr_id), actor=request.user, reason=payload.reason)


@change_router.post("/{cr_id}/reject", response=ChangeRequestOut, summary="驳回")
def reject_change_request(
    request: HttpRequest, cr_id: int, payload: ChangeRequestReasonIn
) -> PartnerChangeRequest:
    return actions.reject_change_request(_review(request, cr_id), actor=request.user, reason=payload.reason)


routers = [("/partners", router), ("/partner-change-requests", change_router)]
