"""Actions on the SP-notification side: resend a notification, configure the SP's endpoint
(SPOrderUrl + OrderKey), send a test orderRelationUpdateNotify. A partner user acts only on its own
partner (editing the endpoint needs the partner's admin); staff need ``vac.manage_subscription``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from vasops.catalog.models import Product
from vasops.core import audit, clock
from vasops.core.errors import DomainError, NotFound, PermissionDenied
from vasops.core.permissions import has
from vasops.partners.models import Partner
from vasops.partners.queries import is_partner_admin, partner_of
from vasops.vac import msisdn as numbers
from vasops.vac.errors import VacError
from vasops.vac.events import VacEvent
from vasops.vac.models import NotifyOutbox, SpEndpoint
from vasops.vac.permissions import MANAGE
from vasops.vac.protocol import soap


def _may_act_for(actor: Any, partner_id: int, *, admin: bool = False) -> None:
    if has(actor, MANAGE):
        return
    partner = partner_of(actor)
    if partner is None or partner.pk != partner_id:
        raise NotFound()  # another partner's object does not exist for this user
    if admin and not is_partner_admin(actor, partner):
        raise PermissionDenied(gettext("只有本企业管理员可以修改通知地址。"))


@transaction.atomic(durable=True)
def resend_notification(*, actor: Any, notification: NotifyOutbox) -> NotifyOutbox:
    """Queue a notification again now (attempts start afresh; the SP answers 0 for a relation
    it already has, so a re-sent notification is harmless)."""
    _may_act_for(actor, notification.partner_id)
    row = NotifyOutbox.objects.select_for_update().get(pk=notification.pk)
    before = {"state": row.state, "attempts": row.attempts, "next_attempt_at": row.next_attempt_at}
    row.state = NotifyOutbox.State.PENDING
    row.attempts = 0
    row.next_attempt_at = clock.now()
    row.save(update_fields=["state", "attempts", "next_attempt_at"])
    audit.record(
        actor=actor,
        action=VacEvent.NOTIFICATION_RESENT,
        obj=row,
        partner_id=row.partner_id,
        before=before,
        after={"state": row.state, "attempts": 0, "next_attempt_at": row.next_attempt_at},
    )
    return row


def _mask(key: str) -> str:
    return "" if not key else ("*" * max(len(key) - 2, 1)) + key[-2:]


@transaction.atomic(durable=True)
def save_endpoint(
    *, actor: Any, partner: Partner, url: str, order_key: str, enabled: bool = True
) -> SpEndpoint:
    """Set where the SP receives orderRelationUpdateNotify and its OrderKey (B.5)."""
    _may_act_for(actor, partner.pk, admin=True)
    if not url.lower().startswith(("http://", "https://")):
        raise DomainError(
            VacError.ENDPOINT_URL, gettext("通知地址必须以 http:// 或 https:// 开头。"), field="url"
        )
    endpoint = SpEndpoint.objects.select_for_update().filter(partner=partner).first()
    before = (
        {"url": endpoint.url, "order_key": _mask(endpoint.order_key), "enabled": endpoint.enabled}
        if endpoint
        else None
    )
    if endpoint is None:
        endpoint = SpEndpoint(partner=partner)
    endpoint.url, endpoint.order_key, endpoint.enabled = url, order_key, enabled
    endpoint.save()
    audit.record(
        actor=actor,
        action=VacEvent.ENDPOINT_SAVED,
        obj=endpoint,
        partner_id=partner.pk,
        before=before,
        after={"url": url, "order_key": _mask(order_key), "enabled": enabled},
    )
    return endpoint


@dataclass(frozen=True, slots=True)
class TestResult:
    ok: bool
    result_code: int | None
    message: str
    request: str
    response: str


def send_test_notification(*, actor: Any, partner: Partner, msisdn: str = "13000000000") -> TestResult:
    """POST a test orderRelationUpdateNotify (signed with the OrderKey) to the partner's endpoint
    and report the SP's answer. Nothing is queued; the attempt is audited."""
    from vasops.vac import tasks

    _may_act_for(actor, partner.pk)
    endpoint = SpEndpoint.objects.filter(partner=partner).first()
    if endpoint is None:
        raise DomainError(VacError.ENDPOINT_MISSING, gettext("请先配置通知地址。"), field="url")
    now = clock.now()
    local = now.astimezone(clock.SHANGHAI)  # every time sent to the SP is Beijing time (B.3)
    product = Product.objects.filter(partner=partner).exclude(product_code="").order_by("id").first()
    request = soap.sign(
        soap.NotifyRequest(
            record_sequence_id="TEST" + local.strftime("%y%m%d%H%M%S"),
            user_id=numbers.with_country_code(msisdn) or msisdn,
            service_type="90",
            sp_id=partner.enterprise_code or "00000",
            product_id=(product.product_code if product else "") or "0000000000",
            update_type=int(soap.UpdateType.SUBSCRIBE),
            update_time=local.strftime("%Y%m%d%H%M%S"),
            update_desc="vasops 测试通知",
            time_stamp=local.strftime("%m%d%H%M%S"),
        ),
        endpoint.order_key,
    )
    body = soap.build_request(request)
    try:
        raw = tasks.post(endpoint.url, body, timeout=5.0)
    except OSError as exc:
        result = TestResult(False, None, f"连接失败：{exc}", body.decode(), "")
    else:
        text = raw.decode("utf-8", errors="replace")
        try:
            answer = soap.parse_response(raw)
        except (soap.SoapError, ValueError) as exc:
            result = TestResult(False, None, f"应答无法解析：{exc}", body.decode(), text)
        else:
            ok = answer.result_code == 0
            message = "SP 应答 resultCode 0（成功）" if ok else f"SP 应答 resultCode {answer.result_code}"
            result = TestResult(ok, answer.result_code, message, body.decode(), text)
    audit.record(
        actor=actor,
        action=VacEvent.ENDPOINT_TESTED,
        obj=endpoint,
        partner_id=partner.pk,
        after={"ok": result.ok, "result_code": result.result_code, "message": result.message[:200]},
    )
    return result
