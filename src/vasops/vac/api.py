"""REST routes of the VAC (/api/v1/vac/…). Thin: parse → query/action → schema. Staff look users
up by MSISDN; a partner user sees only its own products' subscriptions and its own notifications
(another partner's row is a 404)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import Field, Router, Schema

from vasops.catalog.models import Product
from vasops.core.apiutils import FilterText, Limit, Offset, get_or_404, paginate
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.inputs import InputSchema, text_field
from vasops.core.permissions import has
from vasops.partners.models import Partner
from vasops.partners.queries import partner_of
from vasops.vac import actions, crm, outbox_actions, queries
from vasops.vac import msisdn as numbers
from vasops.vac.errors import VacError, VacRefused
from vasops.vac.models import Account, CrmBatchFile, NotifyOutbox, Subscription
from vasops.vac.permissions import MANAGE, VIEW_CRM_BATCH
from vasops.vac.protocol.codes import ResultCode

router = Router(tags=["VAC"])


class HistoryOut(Schema):
    event: str
    from_state: str
    to_state: str
    channel: str
    actor_label: str
    reason: str
    at: dt.datetime


class SubscriptionOut(Schema):
    id: int
    msisdn: str
    product_id: int
    product_code: str = Field(..., description="产品代码（SP_ProductID）")
    product_name: str
    partner_id: int
    state: str = Field(..., description="pending_confirmation / active / unsubscribed / blocked / dropped")
    channel: str
    link_id: str
    requested_at: dt.datetime
    effective_at: dt.datetime | None
    expiry_at: dt.datetime | None

    @staticmethod
    def resolve_product_code(obj: Subscription) -> str:
        return obj.product.product_code or ""

    @staticmethod
    def resolve_product_name(obj: Subscription) -> str:
        return obj.product.name


class SubscriptionDetailOut(SubscriptionOut):
    history: list[HistoryOut]

    @staticmethod
    def resolve_history(obj: Subscription) -> list[object]:
        return list(obj.history.all())


class NotificationOut(Schema):
    id: int
    record_sequence_id: str | None
    user_id: str
    sp_id: str
    product_id: str
    update_type: int = Field(..., description="1 订购 / 2 退订 / 3 点播 / 5 号码变更")
    update_time: str
    state: str = Field(..., description="pending 待发送 / delivered 已送达 / failed 发送失败")
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str
    delivered_at: dt.datetime | None
    created_at: dt.datetime


class CrmBatchOut(Schema):
    id: int
    name: str
    sequence: str
    sha256: str
    size: int
    origin: str
    state: str = Field(..., description="received / applying / done / rejected")
    lines_expected: int
    lines_total: int
    lines_applied: int
    lines_failed: int
    progress_percent: int
    file_error: str
    exception_file: str | None = Field(None, description="异常文件下载地址")
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_exception_file(obj: CrmBatchFile) -> str | None:
        from django.urls import reverse

        return reverse("vac:crm_exception_file", args=[obj.pk]) if obj.exception_file_id else None


@router.get("/subscriptions", response=list[SubscriptionOut], summary="订购关系查询")
def list_subscriptions(
    request: HttpRequest,
    response: HttpResponse,
    msisdn: FilterText = "",
    state: FilterText = "",
    offset: Offset = 0,
    limit: Limit = 50,
) -> list[Subscription]:
    """Staff: ``msisdn`` is required (user lookup). Partner: its own products' relations."""
    if partner_of(request.user) is None:
        if not queries.is_vac_staff(request.user):
            raise PermissionDenied(gettext("您没有查询订购关系的权限。"))
        if not msisdn:
            raise DomainError(
                VacError.MSISDN_REQUIRED, gettext("请提供要查询的手机号码 msisdn。"), field="msisdn"
            )
    qs = queries.subscriptions(request.user)
    if msisdn:
        qs = qs.filter(msisdn=numbers.bare_or_stripped(msisdn))
    if state:
        qs = qs.filter(state=state)
    return paginate(qs.order_by("-id"), response, offset, limit)


class ConfirmIn(InputSchema):
    msisdn: str = text_field(max_length=20, description="用户号码（11 位，可带 86 / +86）")
    sp_id: str = text_field(max_length=21, description="SP 企业代码")
    product_id: str = text_field(max_length=21, description="产品代码（SP_ProductID）")
    link_id: str = text_field(max_length=20, required=False, description="可选，仅回显")


class ConfirmOut(Schema):
    result_code: int = Field(..., description="VAC 结果码（附录C），0 = 成功")
    price_fen: int
    charge: bool
    cdr_id: str | None
    link_id: str
    subscription: SubscriptionDetailOut


# registered before "/subscriptions/{sub_id}", whose pattern would otherwise take "confirm"
@router.post("/subscriptions/confirm", response=ConfirmOut, summary="代用户办理二次确认")
def confirm_subscription(request: HttpRequest, payload: ConfirmIn) -> dict[str, object]:
    """The user's 二次确认 reply (vac.actions.confirm), for staff or a machine client holding
    ``vac.manage_subscription``; partner users are refused. Too late → 409 ``vac.refused.8``
    and the pending relation is dropped; nothing pending → 409 ``vac.refused.1201``."""
    if partner_of(request.user) is not None or not has(request.user, MANAGE):
        raise PermissionDenied(gettext("您没有代用户办理二次确认的权限。"))
    product = (
        Product.objects.select_related("partner", "business_line")
        .filter(partner__enterprise_code=payload.sp_id, product_code=payload.product_id)
        .first()
    )
    if product is None:
        sp_known = Partner.objects.filter(enterprise_code=payload.sp_id).exists()
        raise VacRefused(ResultCode.SERVICE_NOT_FOUND if sp_known else ResultCode.SP_NOT_FOUND)
    result = actions.confirm(actor=request.user, msisdn=payload.msisdn, product=product)
    if not result.decision.ok:  # the late reply: the drop is committed, the caller is told why
        raise VacRefused(result.code)
    assert result.subscription is not None
    # the caller may change this relation, so it may read the result (a machine client may hold
    # manage_subscription without view_subscription)
    sub = (
        Subscription.objects.select_related("product")
        .prefetch_related("history")
        .get(pk=result.subscription.pk)
    )
    return {
        "result_code": int(result.code),
        "price_fen": result.decision.price_fen,
        "charge": result.decision.charge,
        "cdr_id": result.cdr_id,
        "link_id": payload.link_id,
        "subscription": sub,
    }


@router.get("/subscriptions/{sub_id}", response=SubscriptionDetailOut, summary="订购关系详情（含变更记录）")
def get_subscription(request: HttpRequest, sub_id: int) -> Subscription:
    return get_or_404(queries.subscriptions(request.user).prefetch_related("history"), pk=sub_id)


@router.get("/notifications", response=list[NotificationOut], summary="订购关系通知（投递状态）")
def list_notifications(
    request: HttpRequest,
    response: HttpResponse,
    state: FilterText = "",
    offset: Offset = 0,
    limit: Limit = 50,
) -> list[NotifyOutbox]:
    qs = queries.notifications(request.user)
    if state:
        qs = qs.filter(state=state)
    return paginate(qs.order_by("-id"), response, offset, limit)


@router.get("/notifications/{notification_id}", response=NotificationOut, summary="通知详情")
def get_notification(request: HttpRequest, notification_id: int) -> NotifyOutbox:
    return get_or_404(queries.notifications(request.user), pk=notification_id)


@router.post("/notifications/{notification_id}/resend", response=NotificationOut, summary="重新发送通知")
def resend_notification(request: HttpRequest, notification_id: int) -> NotifyOutbox:
    row = get_or_404(queries.notifications(request.user), pk=notification_id)
    return outbox_actions.resend_notification(actor=request.user, notification=row)


@router.get("/crm-batches", response=list[CrmBatchOut], summary="CRM 批量文件")
def list_crm_batches(
    request: HttpRequest,
    response: HttpResponse,
    state: FilterText = "",
    offset: Offset = 0,
    limit: Limit = 50,
) -> list[CrmBatchFile]:
    if partner_of(request.user) is not None or not has(request.user, VIEW_CRM_BATCH):
        raise PermissionDenied(gettext("您没有查看 CRM 批量文件的权限。"))
    qs = queries.crm_batches(request.user)
    if state:
        qs = qs.filter(state=state)
    return paginate(qs.order_by("-id"), response, offset, limit)


@router.get("/crm-batches/{batch_id}", response=CrmBatchOut, summary="CRM 批量文件详情与进度")
def get_crm_batch(request: HttpRequest, batch_id: int) -> CrmBatchFile:
    return get_or_404(queries.crm_batches(request.user), pk=batch_id)


# --- CRM real-time messages (VAC 业务规范 4.6.1 CRM侧实时开/销户; C.3 number change) ----------------


class AccountIn(InputSchema):
    msisdn: str = text_field(max_length=20, description="用户号码（11 位，可带 86 / +86）")


class AccountOut(Schema):
    msisdn: str
    state: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    ended: int = Field(0, description="销户时结束的订购关系数（每个 SP 都收到退订通知）")


class NumberChangeIn(InputSchema):
    old_msisdn: str = text_field(max_length=20, description="原号码")
    new_msisdn: str = text_field(max_length=20, description="新号码")


class NumberChangeOut(Schema):
    old_msisdn: str
    new_msisdn: str
    moved: list[int] = Field(..., description="迁到新号码的订购关系（每个 SP 收到 updateType 5 通知）")


def _crm_client(request: HttpRequest) -> None:
    """CRM's machine client (or staff) holding ``vac.manage_subscription``; the change is CRM's
    (actor ``crm`` in the relations' history, as for its batch files)."""
    if partner_of(request.user) is not None or not has(request.user, MANAGE):
        raise PermissionDenied(gettext("您没有办理 CRM 实时开户、销户、改号的权限。"))


@router.post("/crm/accounts/open", response=AccountOut, summary="CRM 实时开户")
def crm_open_account(request: HttpRequest, payload: AccountIn) -> dict[str, object]:
    """开户 (a closed number starts afresh). Machine clients (CRM) and staff holding
    ``vac.manage_subscription``; a re-sent message changes nothing twice."""
    _crm_client(request)
    account = actions.open_account(actor=crm.ACTOR, msisdn=payload.msisdn)
    return {**_account(account), "ended": 0}


@router.post("/crm/accounts/close", response=AccountOut, summary="CRM 实时销户")
def crm_close_account(request: HttpRequest, payload: AccountIn) -> dict[str, object]:
    """销户: every live relation of the number ends and each SP is told in real time
    (updateType 2); later operations on the number answer 1001."""
    _crm_client(request)
    before = Subscription.objects.filter(
        msisdn=numbers.bare_or_stripped(payload.msisdn), state=Subscription.State.ACTIVE
    ).count()
    account = actions.close_account(actor=crm.ACTOR, msisdn=payload.msisdn)
    return {**_account(account), "ended": before}


@router.post("/crm/number-changes", response=NumberChangeOut, summary="CRM 改号")
def crm_change_number(request: HttpRequest, payload: NumberChangeIn) -> dict[str, object]:
    """改号 A → B: A's relations, blocks and account move to B; each SP is told (updateType 5,
    ``content`` = the old number)."""
    _crm_client(request)
    moved = actions.change_number(
        actor=crm.ACTOR, old_msisdn=payload.old_msisdn, new_msisdn=payload.new_msisdn
    )
    return {
        "old_msisdn": actions.normalise_msisdn(payload.old_msisdn),
        "new_msisdn": actions.normalise_msisdn(payload.new_msisdn),
        "moved": [sub.pk for sub in moved],
    }


def _account(account: Account) -> dict[str, object]:
    return {
        "msisdn": account.msisdn,
        "state": account.state,
        "opened_at": account.opened_at,
        "closed_at": account.closed_at,
    }


routers = [("/vac", router)]
