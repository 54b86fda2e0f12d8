"""REST routes of the catalogue (/api/v1/products, /api/v1/product-change-requests,
/api/v1/business-lines). Thin:
parse → query/action → schema. A partner user sees only its own products; another partner's
is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import Field, Router, Schema

from vasops.catalog import actions, queries
from vasops.catalog.errors import CatalogError
from vasops.catalog.models import BusinessLine, Product, ProductChangeRequest
from vasops.core.apiutils import FilterText, Limit, Offset, SearchText, get_or_404, paginate
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.inputs import InputSchema, KeyText, LineText, model_field
from vasops.partners import queries as partner_queries

products_router = Router(tags=["产品"])
changes_router = Router(tags=["产品变更"])
lines_router = Router(tags=["业务线"])


class BusinessLineOut(Schema):
    code: str = Field(..., description="业务线代码，如 SMS：产品与准入申请都用它指业务线")
    name: str
    service_type: str = Field(..., description="PRM 附录 A2 业务类型代码")
    needs_channel: bool


@lines_router.get("", response=list[BusinessLineOut], summary="业务线（启用的）")
def list_business_lines(request: HttpRequest) -> list[BusinessLine]:
    """The business lines products and admission applications name by code (any signed-in user)."""
    return list(queries.active_business_lines())


class ProductOut(Schema):
    id: int
    partner_id: int
    partner_name: str
    business_line: str = Field(..., description="业务线代码，如 SMS")
    name: str
    access_number: str
    product_code: str | None = Field(None, description="10 位产品代码（8 位业务代码 + 2 位序号）")
    description: str
    product_type: str
    fee_fen: int = Field(..., description="资费，分")
    billing_mode: str
    state: str
    state_label: str
    unicom_status: str = Field(..., description="PRM A.10 联通产品状态代码，原样")
    effective_status: str = Field(..., description="沿 合作伙伴 → 产品 推导的生效状态")
    accepts_new_orders: bool
    review_reason: str
    created_at: dt.datetime

    @staticmethod
    def resolve_partner_name(obj: Product) -> str:
        return obj.partner.name

    @staticmethod
    def resolve_business_line(obj: Product) -> str:
        return obj.business_line.code

    @staticmethod
    def resolve_state_label(obj: Product) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_effective_status(obj: Product) -> str:
        return queries.effective_status(obj).level

    @staticmethod
    def resolve_accepts_new_orders(obj: Product) -> bool:
        return queries.effective_status(obj).accepts_new_orders


class VersionOut(Schema):
    number: int
    name: str
    description: str
    fee_fen: int
    billing_mode: str
    valid_from: dt.datetime
    valid_to: dt.datetime | None


class ProductIn(InputSchema):
    business_line: str = model_field(BusinessLine, "code", description="业务线代码，如 SMS")
    name: str = model_field(Product, "name")
    access_number: str = model_field(Product, "access_number")
    description: str = model_field(Product, "description")
    product_type: Literal["entertainment", "information", "media_interaction"]
    fee_fen: int = model_field(Product, "fee_fen", description="资费，分")
    billing_mode: Literal["monthly", "per_item", "per_use", "free", "capped"]
    details: dict[KeyText, LineText] = Field({}, max_length=30, description="业务线要求的补充字段")
    submit: bool = Field(False, description="创建后立即提交审核")


class ReviewIn(InputSchema):
    decision: Literal["approve", "return", "reject"]
    reason: str = model_field(Product, "review_reason", default="")
    product_code: str = model_field(Product, "product_code", default="")


class ChangeIn(InputSchema):
    name: str = model_field(ProductChangeRequest, "name")
    description: str = model_field(ProductChangeRequest, "description")
    fee_fen: int = model_field(ProductChangeRequest, "fee_fen")
    effective_on: dt.date
    reason: str = model_field(ProductChangeRequest, "reason", default="")


class ChangeOut(Schema):
    id: int
    product_id: int
    partner_id: int
    name: str
    description: str
    fee_fen: int
    old_name: str
    old_fee_fen: int
    billing_mode: str
    effective_on: dt.date
    review_path: str
    needs_full_review: bool
    state: str
    review_reason: str
    created_at: dt.datetime


class ChangeReviewIn(InputSchema):
    decision: Literal["approve", "return", "reject"]
    reason: str = model_field(ProductChangeRequest, "review_reason", default="")


def _product(request: HttpRequest, product_id: int) -> Product:
    return get_or_404(queries.visible_products(request.user), pk=product_id)


@products_router.get("", response=list[ProductOut], summary="产品列表（合作伙伴只见本企业）")
def list_products(
    request: HttpRequest,
    response: HttpResponse,
    state: FilterText = "",
    business_line: FilterText = "",
    billing_mode: FilterText = "",
    q: SearchText = "",
    offset: Offset = 0,
    limit: Limit = 50,
) -> list[Product]:
    qs = queries.visible_products(request.user).order_by("-id")
    if state:
        qs = qs.filter(state=state)
    if business_line:
        qs = qs.filter(business_line__code=business_line)
    if billing_mode:
        qs = qs.filter(billing_mode=billing_mode)
    if q:
        qs = qs.filter(name__icontains=q)
    return paginate(qs, response, offset, limit)


@products_router.post("", response={201: ProductOut}, summary="新增产品（附件2）")
def create_product(request: HttpRequest, payload: ProductIn) -> tuple[int, Product]:
    partner = partner_queries.partner_of(request.user)
    if partner is None:
        raise PermissionDenied(gettext("只有合作伙伴用户可以申报产品。"))
    line = BusinessLine.objects.filter(code=payload.business_line, is_active=True).first()
    if line is None:
        raise DomainError(
            CatalogError.INVALID_BUSINESS_LINE,
            gettext("未知的业务线“%(business_line)s”。") % {"business_line": payload.business_line},
            field="business_line",
        )
    product = actions.create_product(
        actor=request.user,
        partner=partner,
        business_line=line,
        name=payload.name,
        access_number=payload.access_number,
        description=payload.description,
        product_type=payload.product_type,
        fee_fen=payload.fee_fen,
        billing_mode=payload.billing_mode,
        details=payload.details,
    )
    if payload.submit:
        product = actions.submit_product(product, actor=request.user)
    return 201, product


@products_router.get("/{product_id}", response=ProductOut, summary="产品详情")
def get_product(request: HttpRequest, product_id: int) -> Product:
    return _product(request, product_id)


@products_router.get(
    "/{product_id}/versions", response=list[VersionOut], summary="产品版本（资费与描述的有效期）"
)
def list_versions(request: HttpRequest, product_id: int) -> list:
    return list(_product(request, product_id).versions.order_by("valid_from"))


@products_router.post("/{product_id}/submit", response=ProductOut, summary="提交审核")
def submit_product(request: HttpRequest, product_id: int) -> Product:
    return actions.submit_product(_product(request, product_id), actor=request.user)


@products_router.post("/{product_id}/review", response=ProductOut, summary="审核产品新增（通过/退回/驳回）")
def review_product(request: HttpRequest, product_id: int, payload: ReviewIn) -> Product:
    return actions.review_product(
        _product(request, product_id),
        actor=request.user,
        decision=payload.decision,
        reason=payload.reason,
        product_code=payload.product_code,
    )


@products_router.post(
    "/{product_id}/change-requests", response={201: ChangeOut}, summary="申请产品变更（附件3）"
)
def request_change(
    request: HttpRequest, product_id: int, payload: ChangeIn
) -> tuple[int, ProductChangeRequest]:
    change = actions.request_change(
        _product(request, product_id),
        actor=request.user,
        name=payload.name,
        description=payload.description,
        fee_fen=payload.fee_fen,
        effective_on=payload.effective_on,
        reason=payload.reason,
    )
    return 201, change


@changes_router.get("", response=list[ChangeOut], summary="产品变更申请列表")
def list_changes(
    request: HttpRequest,
    response: HttpResponse,
    state: FilterText = "",
    offset: Offset = 0,
    limit: Limit = 50,
) -> list[ProductChangeRequest]:
    qs = queries.visible_change_requests(request.user).order_by("-id")
    if state:
        qs = qs.filter(state=state)
    return paginate(qs, response, offset, limit)


@changes_router.get("/{change_id}", response=ChangeOut, summary="产品变更申请详情")
def get_change(request: HttpRequest, change_id: int) -> ProductChangeRequest:
    return get_or_404(queries.visible_change_requests(request.user), pk=change_id)


@changes_router.post("/{change_id}/review", response=ChangeOut, summary="审核产品变更")
def review_change(request: HttpRequest, change_id: int, payload: ChangeReviewIn) -> ProductChangeRequest:
    change = get_or_404(queries.visible_change_requests(request.user), pk=change_id)
    return actions.review_change(change, actor=request.user, decision=payload.decision, reason=payload.reason)


routers = [
    ("/products", products_router),
    ("/product-change-requests", changes_router),
    ("/business-lines", lines_router),
]
