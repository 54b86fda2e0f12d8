"""Exit 退出 (ch. 6 三): a product or a whole partner leaves; live subscriptions end in the VAC
(each SP notified once, through the VAC's own unsubscribe), the product(s) go offline, and a
partner's business classes are closed to it for ``class_ban_months`` (a restriction admission
honours)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from vasops.catalog import actions as catalog_actions
from vasops.catalog.models import Product
from vasops.compliance import rules
from vasops.compliance.actions.common import ASSESS, notify_partner, numbers, user_of
from vasops.compliance.errors import ComplianceError
from vasops.compliance.events import ComplianceEvent
from vasops.compliance.models import ExitRecord
from vasops.core import audit, clock, notify
from vasops.core.errors import DomainError, required_message
from vasops.core.marks import gettext_noop
from vasops.core.permissions import require
from vasops.partners import actions as partner_actions
from vasops.partners.models import Partner, RestrictionKind
from vasops.vac import actions as vac_actions
from vasops.vac.models import LIVE_STATES, Subscription

EXIT_SOURCE = "compliance.exit"


def _end_subscriptions(product: Product, reason: notify.Message) -> int:
    """Every live relation of ``product`` ends (退订, the SP told once by the VAC's outbox)."""
    ended = 0
    msisdns = (
        Subscription.objects.filter(product=product, state__in=LIVE_STATES)
        .order_by("id")
        .values_list("msisdn", flat=True)
    )
    for msisdn in list(msisdns):
        vac_actions.unsubscribe(actor="system", msisdn=msisdn, product=product, reason=notify.plain(reason))
        ended += 1
    return ended


def exit_product_in(
    product: Product, *, actor: Any, reason: notify.Message, source: Any = None
) -> ExitRecord:
    text = required_message(reason, ComplianceError.REASON_REQUIRED, gettext("请填写退出原因。"))
    product = Product.objects.select_for_update().select_related("partner").get(pk=product.pk)
    if product.state == Product.State.RETIRED or ExitRecord.objects.filter(product=product).exists():
        raise DomainError(
            ComplianceError.ALREADY_EXITED,
            gettext("产品“%(product_name)s”已退出。") % {"product_name": product.name},
            status=409,
        )
    why = notify.text(gettext_noop("产品退出：%(text)s"), text=text)
    ended = _end_subscriptions(product, why)
    catalog_actions.retire_for_exit(product, actor=actor, reason=why)
    record = ExitRecord.objects.create(
        kind=ExitRecord.Kind.PRODUCT,
        partner=product.partner,
        product=product,
        reason=notify.plain(text),
        reason_message=notify.stored(text),
        subscriptions_ended=ended,
        source_type=audit.object_type_of(source) if source is not None else "",
        source_id=str(source.pk) if source is not None else "",
        created_by=user_of(actor),
    )
    audit.record(
        actor=actor,
        action=ComplianceEvent.PRODUCT_EXITED,
        obj=record,
        partner_id=product.partner_id,
        after={"product": product.pk, "subscriptions_ended": ended},
        reason=text,
    )
    notify_partner(
        product.partner,
        notify.text(gettext_noop("产品退出：%(product_name)s"), product_name=product.name),
        notify.text(gettext_noop("%(text)s（结束订购关系 %(ended)s 条）"), text=text, ended=ended),
        product.get_absolute_url(),
    )
    return record


def exit_partner_in(
    partner: Partner, *, actor: Any, reason: notify.Message, source: Any = None
) -> ExitRecord:
    text = required_message(reason, ComplianceError.REASON_REQUIRED, gettext("请填写退出原因。"))
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if partner.state == Partner.State.EXITED:
        raise DomainError(
            ComplianceError.ALREADY_EXITED,
            gettext("“%(partner_name)s”已退出。") % {"partner_name": partner.name},
            status=409,
        )
    today = clock.today()
    ended = 0
    lines: set[str] = set()
    why = notify.text(gettext_noop("合作伙伴退出：%(text)s"), text=text)
    for product in Product.objects.filter(partner=partner).select_related("business_line").order_by("id"):
        ended += _end_subscriptions(product, why)
        if product.state in (Product.State.ACTIVE, Product.State.SUSPENDED):
            lines.add(product.business_line.code)
        catalog_actions.retire_for_exit(product, actor=actor, reason=why)
    partner_actions.exit_partner(partner, reason=text, actor=user_of(actor))
    months = numbers().class_ban_months
    ban_until = rules.class_ban_end(today, months)
    for line in sorted(lines) or [""]:
        partner_actions.impose_restriction(
            partner,
            kind=RestrictionKind.VIOLATION_EXCLUSION if line else RestrictionKind.MAJOR_VIOLATION,
            reason=notify.text(
                gettext_noop("因违约退出，该业务类 %(months)s 个月内不得接入：%(text)s")
                if line
                else gettext_noop("因违约退出，合作 %(months)s 个月内不得接入：%(text)s"),
                months=months,
                text=text,
            ),
            source=EXIT_SOURCE,
            starts_on=today,
            business_line=line,
            ends_on=ban_until,
            actor=actor,
        )
    record = ExitRecord.objects.create(
        kind=ExitRecord.Kind.PARTNER,
        partner=partner,
        reason=notify.plain(text),
        reason_message=notify.stored(text),
        subscriptions_ended=ended,
        ban_until=ban_until,
        source_type=audit.object_type_of(source) if source is not None else "",
        source_id=str(source.pk) if source is not None else "",
        created_by=user_of(actor),
    )
    audit.record(
        actor=actor,
        action=ComplianceEvent.PARTNER_EXITED,
        obj=record,
        partner_id=partner.pk,
        after={"subscriptions_ended": ended, "ban_until": ban_until, "business_lines": sorted(lines)},
        reason=text,
    )
    return record


@transaction.atomic(durable=True)
def exit_product(product: Product, *, actor: Any, reason: str) -> ExitRecord:
    """Staff take a product out (考核退出): subscriptions end, the product goes offline."""
    require(actor, ASSESS)
    return exit_product_in(product, actor=actor, reason=reason)


@transaction.atomic(durable=True)
def exit_partner(partner: Partner, *, actor: Any, reason: str) -> ExitRecord:
    """Staff take a partner out: every product exits and its business classes are closed to it."""
    require(actor, ASSESS)
    return exit_partner_in(partner, actor=actor, reason=reason)
