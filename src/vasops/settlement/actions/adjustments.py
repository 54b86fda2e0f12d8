"""Adjustments 结算调整: refunds, penalties, bad debt, disputes and manual corrections."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext

from vasops.core import audit, notify
from vasops.core.errors import DomainError
from vasops.core.permissions import require
from vasops.settlement import rules
from vasops.settlement.errors import SettlementError
from vasops.settlement.events import SettlementEvent
from vasops.settlement.models import Adjustment

FIELDS = ["partner_id", "product_id", "kind", "month", "amount_fen", "reason", "source_type", "source_id"]


def open_month_for(month: dt.date) -> dt.date:
    """The month an adjustment dated ``month`` is settled in: the month itself, unless its
    settlement is already published, then the next month still open."""
    from vasops.settlement import inputs

    closed = inputs.published_months()
    month = rules.month_start(month)
    while month in closed:
        month = rules.next_month(month)
    return month


@transaction.atomic
def record_adjustment(
    *,
    actor: Any,
    partner: Any,
    kind: str,
    month: dt.date,
    amount_fen: int,
    reason: notify.Message,
    product: Any = None,
    source: models.Model | None = None,
) -> Adjustment:
    """Record a change of ``partner``'s net for ``month`` (signed fen, negative deducts).

    Called inside the acts of other apps (compliance's upheld violation, complaints' refund,
    reconciliation's accepted dispute), which have checked their own permission, so this plain
    ``atomic`` joins their transaction. Idempotent per (kind, source): recording the same source
    again returns the first row; a different amount for the same source is refused."""
    if kind not in Adjustment.Kind.values:
        raise DomainError(
            SettlementError.INVALID_AMOUNT,
            gettext("未知的调整类型：%(kind)s。") % {"kind": kind},
            field="kind",
        )
    problem = rules.amount_problem(kind, amount_fen)
    if problem:
        raise DomainError(SettlementError.INVALID_AMOUNT, problem, field="amount_fen")
    if not notify.plain(reason).strip():
        raise DomainError(SettlementError.REASON_REQUIRED, gettext("请填写调整原因。"), field="reason")
    if product is not None and product.partner_id != partner.pk:
        raise DomainError(
            SettlementError.PRODUCT_NOT_OF_PARTNER, gettext("该产品不属于此合作伙伴。"), field="product"
        )
    source_type = audit.object_type_of(source) if source is not None else ""
    source_id = str(source.pk) if source is not None else ""
    if source is not None:
        existing = (
            Adjustment.objects.select_for_update()
            .filter(kind=kind, source_type=source_type, source_id=source_id)
            .first()
        )
        if existing is not None:
            if existing.amount_fen != amount_fen or existing.partner_id != partner.pk:
                raise DomainError(
                    SettlementError.SOURCE_CONFLICT,
                    gettext("该来源已登记过金额不同的调整（%(amount_fen)s 分）。")
                    % {"amount_fen": existing.amount_fen},
                    field="amount_fen",
                )
            return existing
    adjustment = Adjustment.objects.create(
        partner=partner,
        product=product,
        kind=kind,
        month=open_month_for(month),
        amount_fen=amount_fen,
        reason=notify.plain(reason).strip(),
        reason_message=notify.stored(reason),
        source_type=source_type,
        source_id=source_id,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        actor=actor,
        action=SettlementEvent.ADJUSTMENT_RECORDED,
        obj=adjustment,
        partner_id=partner.pk,
        after=audit.snapshot(adjustment, FIELDS),
        reason=notify.stripped(reason),
    )
    return adjustment


@transaction.atomic(durable=True)
def add_manual_adjustment(
    *, actor: Any, partner: Any, month: dt.date, amount_fen: int, reason: str, product: Any = None
) -> Adjustment:
    """Finance records a manual correction 手工调整 (with its reason, audited)."""
    require(actor, "settlement.add_adjustment")
    return record_adjustment(
        actor=actor,
        partner=partner,
        kind=Adjustment.Kind.MANUAL,
        month=month,
        amount_fen=amount_fen,
        reason=reason,
        product=product,
    )
