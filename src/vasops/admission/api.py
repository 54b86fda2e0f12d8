"""REST routes of admission (/api/v1/admission…). Thin: parse → query/action → schema. Every
route is scoped: a partner user sees only its own applications; another partner's is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile

from vasops.admission import actions, queries
from vasops.admission.exam import api as exam_api
from vasops.admission.models import AccessTestResult, Application
from vasops.admission.review import api as review_api
from vasops.catalog.models import BusinessLine
from vasops.core.apiutils import FilterText, Limit, Offset, paginate
from vasops.core.inputs import TEXT_MAX_LENGTH, InputSchema, KeyText, int_field, model_field, text_field

router = Router(tags=["准入"])


class ApplicationOut(Schema):
    id: int
    number: str = Field(..., description="申请编号，如 ZR202601-0001")
    partner_id: int
    partner_name: str
    window_month: dt.date = Field(..., description="受理月份（当月 1 日）")
    state: str = Field(..., description="状态（Application.State 取值）")
    state_label: str
    business_lines: list[str] = Field(..., description="申请业务类别（产品目录业务线代码）")
    access_method: str
    certified_om_staff: int
    cs_hotline: str
    call_centre_seats: int
    call_centre_agents: int
    connect_rate_bp: int = Field(..., description="接通率（基点，10000 = 100%）")
    answered_20s_bp: int = Field(..., description="20 秒应答率（基点）")
    review_reason: str
    decision_reason: str
    enterprise_code: str
    service_access_number: str
    prep_month: dt.date | None
    access_data_due_at: dt.datetime | None
    opening_data: dict[str, str] = Field(..., description="附件5 开通资料（开通后）")
    paper_received_on: dt.date | None = Field(None, description="正式书面申请收到日期（未收到为 null）")
    paper_receiver: str = Field(..., description="正式书面申请接收人")
    submitted_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_partner_name(obj: Application) -> str:
        return obj.partner.name

    @staticmethod
    def resolve_state_label(obj: Application) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_business_lines(obj: Application) -> list[str]:
        return obj.line_codes()


class ApplicationIn(InputSchema):
    business_lines: list[KeyText] = Field(
        ..., max_length=20, description="产品目录业务线代码，如 SMS、WAP（GET /business-lines）"
    )
    access_method: str = model_field(Application, "access_method", default="")
    certified_om_staff: int = model_field(Application, "certified_om_staff", default=0)
    cs_hotline: str = model_field(Application, "cs_hotline", default="")
    call_centre_seats: int = model_field(Application, "call_centre_seats", default=0)
    call_centre_agents: int = model_field(Application, "call_centre_agents", default=0)
    connect_rate_bp: int = int_field(ge=0, le=10000, default=0, description="接通率（基点，10000 = 100%）")
    answered_20s_bp: int = int_field(ge=0, le=10000, default=0, description="20 秒应答率（基点）")


class InitialReviewIn(InputSchema):
    decision: Literal["approve", "return", "reject"]
    reason: str = model_field(Application, "review_reason", default="")


class DecisionIn(InputSchema):
    decision: Literal["accept", "defer", "reject"]
    reason: str = model_field(Application, "decision_reason", default="")


class AccessDataIn(InputSchema):
    technical_contact: str = text_field(max_length=200, description="技术联系人及电话")
    server_addresses: str = text_field(max_length=2000, multiline=True, description="服务器地址")
    capability_summary: str = text_field(max_length=TEXT_MAX_LENGTH, multiline=True, required=False)
    business_summary: str = text_field(max_length=TEXT_MAX_LENGTH, multiline=True)


class PaperApplicationIn(InputSchema):
    """第三章 一、1: the formal paper application received beside the electronic one."""

    received_on: dt.date = Field(..., description="收到日期（不晚于今天）")
    receiver: str = model_field(Application, "paper_receiver", description="接收人")


class OpeningIn(InputSchema):
    """附件5 开通资料 (第二章 一(四)1 5): what users are told before the service is provided)."""

    opened_on: dt.date = Field(..., description="开通日期")
    service_name: str = text_field(max_length=200, description="业务名称")
    service_content: str = text_field(max_length=2000, multiline=True, description="业务内容")
    tariff: str = text_field(max_length=200, description="资费标准")
    cs_hotline: str = text_field(max_length=20, description="客服电话")
    unsubscribe_method: str = text_field(max_length=500, description="退订方式")


class AccessTestResultIn(InputSchema):
    business_line: str = model_field(BusinessLine, "code", description="业务线代码，如 SMS")
    case_code: str = model_field(AccessTestResult, "case_code")
    passed: bool
    note: str = model_field(AccessTestResult, "note", default="")


class ResultOut(Schema):
    id: int
    business_line: str = Field(..., description="业务线代码")
    case_code: str
    passed: bool
    note: str
    tested_at: dt.datetime

    @staticmethod
    def resolve_business_line(obj: Any) -> str:
        return str(obj.business_line.code)


class ContractOut(Schema):
    id: int
    term_start: dt.date
    term_end: dt.date
    settlement_ratio_bp: int


def _get(request: HttpRequest, app_id: int) -> Application:
    return queries.application_for(request.user, app_id)


@router.get("/applications", response=list[ApplicationOut], summary="准入申请列表")
def list_applications(
    request: HttpRequest,
    response: HttpResponse,
    state: FilterText = "",
    offset: Offset = 0,
    limit: Limit = 50,
) -> list[Application]:
    qs = queries.applications_for(request.user).order_by("-created_at", "-id")
    if state:
        qs = qs.filter(state=state)
    return paginate(qs, response, offset, limit)


@router.get("/applications/{app_id}", response=ApplicationOut, summary="准入申请详情")
def get_application(request: HttpRequest, app_id: int) -> Application:
    return _get(request, app_id)


@router.post("/applications", response={201: ApplicationOut}, summary="新建准入申请（受理期内）")
def create_application(request: HttpRequest, payload: ApplicationIn) -> tuple[int, Application]:
    return 201, actions.create_application(actor=request.user, **payload.model_dump())


@router.post("/applications/{app_id}/submit", response=ApplicationOut, summary="提交申请")
def submit_application(request: HttpRequest, app_id: int) -> Application:
    return actions.submit_application(_get(request, app_id), actor=request.user)


@router.post("/applications/{app_id}/review", response=ApplicationOut, summary="初审")
def review_application(request: HttpRequest, app_id: int, payload: InitialReviewIn) -> Application:
    return actions.review_application(
        _get(request, app_id), actor=request.user, decision=payload.decision, reason=payload.reason
    )


@router.post("/applications/{app_id}/decision", response=ApplicationOut, summary="准入决定")
def decide_application(request: HttpRequest, app_id: int, payload: DecisionIn) -> Application:
    return actions.decide_application(
        _get(request, app_id), actor=request.user, decision=payload.decision, reason=payload.reason
    )


@router.post("/applications/{app_id}/access-data", response=ApplicationOut, summary="提交接入资料")
def submit_access_data(request: HttpRequest, app_id: int, payload: AccessDataIn) -> Application:
    return actions.submit_access_data(_get(request, app_id), actor=request.user, data=payload.model_dump())


@router.post("/applications/{app_id}/test-results", response={201: ResultOut}, summary="记录接入测试结果")
def record_test_result(request: HttpRequest, app_id: int, payload: AccessTestResultIn) -> tuple[int, Any]:
    return 201, actions.record_test_result(_get(request, app_id), actor=request.user, **payload.model_dump())


@router.post("/applications/{app_id}/paper-application", response=ApplicationOut, summary="登记正式书面申请")
def record_paper_application(request: HttpRequest, app_id: int, payload: PaperApplicationIn) -> Application:
    return actions.record_paper_application(
        _get(request, app_id), actor=request.user, received_on=payload.received_on, receiver=payload.receiver
    )


@router.post("/applications/{app_id}/open", response=ApplicationOut, summary="开通（附件5 开通资料）")
def open_application(request: HttpRequest, app_id: int, payload: OpeningIn) -> Application:
    data = {**payload.model_dump(), "opened_on": payload.opened_on.isoformat()}
    return actions.open_access(_get(request, app_id), actor=request.user, data=data)


@router.post("/applications/{app_id}/contract", response={201: ContractOut}, summary="签订合同（multipart）")
def sign_contract(
    request: HttpRequest,
    app_id: int,
    term_start: Form[dt.date],
    term_end: Form[dt.date],
    settlement_ratio_bp: Form[Annotated[int, Field(ge=0, le=10000)]],
    signed_copy: File[UploadedFile],
) -> tuple[int, Any]:
    contract = actions.sign_contract(
        _get(request, app_id),
        actor=request.user,
        term_start=term_start,
        term_end=term_end,
        settlement_ratio_bp=settlement_ratio_bp,
        signed_copy=signed_copy,
    )
    return 201, contract


routers: list = [
    ("/admission", router),
    *exam_api.routers,
    *review_api.routers,
]
