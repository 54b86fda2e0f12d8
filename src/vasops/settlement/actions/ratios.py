"""Share ratios 分成比例 (versioned, three levels) and bad-debt rates 坏账率."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from vasops.core import audit, notify
from vasops.core.errors import DomainError
from vasops.core.marks import gettext_noop
from vasops.core.permissions import require
from vasops.settlement import inputs, rules
from vasops.settlement.errors import SettlementError
from vasops.settlement.events import SettlementEvent
from vasops.settlement.models import BadDebtRate, RatioVersion

log = logging.getLogger(__name__)

MANAGE = "settlement.manage_ratios"
RATIO_FIELDS = [
    "level",
    "partner_id",
    "business_line_id",
    "product_id",
    "contract_id",
    "ratio_bp",
    "valid_from",
    "valid_to",
]


def _scope(level: str, partner: Any, business_line: Any, product: Any) -> dict[str, Any]:
    if level == RatioVersion.Level.PRODUCT:
        if product is None:
            raise DomainError(
                SettlementError.INVALID_RATIO, gettext("产品层级的分成比例须选择产品。"), field="product"
            )
        return {"product_id": product.pk}
    if level == RatioVersion.Level.BUSINESS_LINE:
        if business_line is None:
            raise DomainError(
                SettlementError.INVALID_RATIO,
                gettext("业务线层级的分成比例须选择业务线。"),
                field="business_line",
            )
        return {"business_line_id": business_line.pk, "partner_id": partner.pk if partner else None}
    if level == RatioVersion.Level.CONTRACT:
        if partner is None:
            raise DomainError(
                SettlementError.INVALID_RATIO, gettext("合同层级的分成比例须选择合作伙伴。"), field="partner"
            )
        return {"partner_id": partner.pk}
    raise DomainError(
        SettlementError.INVALID_RATIO, gettext("未知的层级：%(level)s。") % {"level": level}, field="level"
    )


def _add_version(
    *,
    actor: Any,
    level: str,
    ratio_bp: int,
    valid_from: dt.date,
    valid_to: dt.date | None,
    reason: notify.Message,
    partner: Any = None,
    business_line: Any = None,
    product: Any = None,
    contract: Any = None,
) -> RatioVersion:
    problem = rules.ratio_problem(ratio_bp) or rules.validity_problem(valid_from, valid_to)
    if problem:
        raise DomainError(SettlementError.INVALID_RATIO, problem, field="ratio_bp")
    if not notify.plain(reason).strip():
        raise DomainError(SettlementError.REASON_REQUIRED, gettext("请填写变更原因。"), field="reason")
    problem = rules.closed_month_problem(valid_from, valid_to, inputs.published_months())
    if problem:
        raise DomainError(SettlementError.MONTH_CLOSED, problem, field="valid_from")
    scope = _scope(level, partner, business_line, product)
    if product is not None:
        partner = product.partner
        scope_partner = product.partner_id
    else:
        scope_partner = scope.get("partner_id")
    filters = {"level": level, "product_id": None, "business_line_id": None, "partner_id": None}
    filters.update(scope)
    same_scope = RatioVersion.objects.select_for_update().filter(**filters).order_by("valid_from")
    to_close = None
    for existing in same_scope:
        if existing.valid_from >= valid_from:
            if rules.overlaps(existing.valid_from, existing.valid_to, valid_from, valid_to):
                raise DomainError(
                    SettlementError.RATIO_OVERLAP,
                    gettext(
                        "与已登记的版本（%(valid_from)s 起，%(percent)s）重叠；版本从不改"
                        "写，请从其后开始新版本。"
                    )
                    % {"valid_from": existing.valid_from, "percent": existing.percent},
                    field="valid_from",
                )
        elif existing.valid_to is None or existing.valid_to > valid_from:
            to_close = existing
    if to_close is not None:
        problem = rules.closed_month_problem(valid_from, to_close.valid_to, inputs.published_months())
        if problem:
            raise DomainError(SettlementError.MONTH_CLOSED, problem, field="valid_from")
        before = audit.snapshot(to_close, RATIO_FIELDS)
        to_close.valid_to = valid_from
        to_close.save(update_fields=["valid_to"])
        audit.record(
            actor=actor,
            action=SettlementEvent.RATIO_VERSION_CLOSED,
            obj=to_close,
            partner_id=scope_partner,
            before=before,
            after=audit.snapshot(to_close, RATIO_FIELDS),
            reason=notify.stripped(reason),
        )
    version = RatioVersion.objects.create(
        level=level,
        ratio_bp=ratio_bp,
        valid_from=valid_from,
        valid_to=valid_to,
        reason=notify.plain(reason).strip(),
        contract=contract,
        created_by=actor if getattr(actor, "pk", None) else None,
        **scope,
    )
    audit.record(
        actor=actor,
        action=SettlementEvent.RATIO_VERSION_CREATED,
        obj=version,
        partner_id=scope_partner,
        after=audit.snapshot(version, RATIO_FIELDS),
        reason=notify.stripped(reason),
    )
    return version


@transaction.atomic(durable=True)
def create_ratio_version(
    *,
    actor: Any,
    level: str,
    ratio_bp: int,
    valid_from: dt.date,
    reason: str,
    valid_to: dt.date | None = None,
    partner: Any = None,
    business_line: Any = None,
    product: Any = None,
) -> RatioVersion:
    """A new ratio version from ``valid_from``: the open version of the same scope before it ends
    the day before; nothing that started earlier changes its ratio, and a day of a published
    month is never touched."""
    require(actor, MANAGE)
    return _add_version(
        actor=actor,
        level=level,
        ratio_bp=ratio_bp,
        valid_from=valid_from,
        valid_to=valid_to,
        reason=reason,
        partner=partner,
        business_line=business_line,
        product=product,
    )


def _sync_contracts(actor: Any) -> list[RatioVersion]:
    from vasops.admission.models import Contract

    created = []
    synced = set(RatioVersion.objects.filter(contract__isnull=False).values_list("contract_id", flat=True))
    for contract in Contract.objects.select_related("application__partner").order_by("term_start", "pk"):
        if contract.pk in synced:
            continue
        try:
            with transaction.atomic():
                created.append(
                    _add_version(
                        actor=actor,
                        level=RatioVersion.Level.CONTRACT,
                        ratio_bp=contract.settlement_ratio_bp,
                        valid_from=contract.term_start,
                        valid_to=contract.term_end + dt.timedelta(days=1),
                        reason=notify.text(
                            gettext_noop("合同 %(number)s 约定的结算比例"),
                            number=contract.application.number,
                        ),
                        partner=contract.application.partner,
                        contract=contract,
                    )
                )
        except DomainError as exc:  # e.g. a contract starting in a published month
            log.warning("contract %s ratio not synced: %s", contract.pk, exc.message)
    return created


@transaction.atomic(durable=True)
def sync_contract_ratios(*, actor: Any = "system") -> list[RatioVersion]:
    """The contract-level (default) versions from admission's signed contracts, for contracts
    not yet taken over (idempotent; the worker sweep and every run start call it)."""
    if actor != "system":
        require(actor, MANAGE)
    return _sync_contracts(actor)


@transaction.atomic(durable=True)
def set_bad_debt_rate(
    *, actor: Any, business_line: Any, month: dt.date, rate_bp: int, reason: str
) -> BadDebtRate:
    """Set a business line's bad-debt rate for a month (not for a published month)."""
    require(actor, MANAGE)
    month = rules.month_start(month)
    if not 0 <= rate_bp <= 10000:
        raise DomainError(
            SettlementError.INVALID_RATIO, gettext("坏账率应在 0 到 10000 基点之间。"), field="rate_bp"
        )
    if not (reason or "").strip():
        raise DomainError(SettlementError.REASON_REQUIRED, gettext("请填写原因。"), field="reason")
    problem = rules.closed_month_problem(month, rules.next_month(month), inputs.published_months())
    if problem:
        raise DomainError(SettlementError.MONTH_CLOSED, problem, field="month")
    rate = BadDebtRate.objects.select_for_update().filter(business_line=business_line, month=month).first()
    before = audit.snapshot(rate, ["business_line_id", "month", "rate_bp"]) if rate else None
    if rate is None:
        rate = BadDebtRate(business_line=business_line, month=month)
    rate.rate_bp = rate_bp
    rate.reason = reason.strip()
    rate.created_by = actor if getattr(actor, "pk", None) else None
    rate.save()
    audit.record(
        actor=actor,
        action=SettlementEvent.BAD_DEBT_RATE_SET,
        obj=rate,
        before=before,
        after=audit.snapshot(rate, ["business_line_id", "month", "rate_bp"]),
        reason=reason.strip(),
    )
    return rate
