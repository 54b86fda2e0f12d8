"""The only code that changes VAC state. Every action is atomic and writes, in the same
transaction, the SubscriptionHistory rows, the CDRs (idempotent) and the SP-notification outbox rows.

``actor`` is a user (staff acting for a subscriber: needs ``vac.manage_subscription``; an audit row
is written) or one of the machine actors ("gateway", "crm", "system"), whose calls are recorded in
SubscriptionHistory only (the hot path writes no AuditEvent). A refusal raises
:class:`~vasops.vac.errors.VacRefused` carrying the A.9 result code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from vasops.catalog.models import Product
from vasops.catalog.queries import effective_status, version_at
from vasops.core import audit, clock
from vasops.core.errors import NotFound
from vasops.core.permissions import require
from vasops.partners.models import Partner
from vasops.vac import cache, ids, rules
from vasops.vac.errors import VacRefused
from vasops.vac.models import (
    LIVE_STATES,
    Account,
    NotifyOutbox,
    Subscription,
    SubscriptionHistory,
    UsageRecord,
    UserBlock,
)
from vasops.vac.permissions import MANAGE
from vasops.vac.protocol.codes import ResultCode
from vasops.vac.protocol.soap import UpdateType

MACHINE_ACTORS = frozenset({"gateway", "crm", "system"})


@dataclass(slots=True)
class Answer:
    """What an accepted operation did."""

    decision: rules.Decision
    subscription: Subscription | None = None
    cdr_id: str | None = None
    changed: list[Subscription] = field(default_factory=list)

    @property
    def code(self) -> ResultCode:
        return self.decision.code


# ------------------------------------------------------------------------------ helpers ---


def normalise_msisdn(msisdn: str) -> str:
    """Bare 11 digits: ``86…`` and ``+86…`` forms are accepted (VAC.md A.10)."""
    value = msisdn.strip().removeprefix("+")
    if len(value) == 13 and value.startswith("86"):
        value = value[2:]
    if not (len(value) == 11 and value.isdigit()):
        raise VacRefused(ResultCode.MSISDN_INVALID)
    return value


def _check_actor(actor: Any) -> None:
    if isinstance(actor, str):
        if actor not in MACHINE_ACTORS:
            raise ValueError(f"unknown machine actor {actor!r}")
        return
    require(actor, MANAGE)


def _label(actor: Any) -> str:
    return actor if isinstance(actor, str) else str(actor)


def _audit(actor: Any, action: str, obj: Any, *, partner_id: int | None, after: dict[str, Any]) -> None:
    if not isinstance(actor, str):
        audit.record(actor=actor, action=action, obj=obj, partner_id=partner_id, after=after)


def confirm_interval() -> dt.timedelta:
    seconds = getattr(settings, "VASOPS_VAC_CONFIRM_INTERVAL_SECONDS", 24 * 3600)
    return dt.timedelta(seconds=int(seconds))


def _account_closed(msisdn: str) -> bool:
    return Account.objects.filter(msisdn=msisdn, state=Account.State.CLOSED).exists()


def _user_blocked(msisdn: str, service_type: str) -> bool:
    return UserBlock.objects.filter(
        msisdn=msisdn, state=UserBlock.State.BLOCKED, service_type__in=["00", service_type]
    ).exists()


def _live(msisdn: str, product: Product) -> Subscription | None:
    return (
        Subscription.objects.select_for_update()
        .filter(msisdn=msisdn, product=product, state__in=LIVE_STATES)
        .first()
    )


def facts_for(
    msisdn: str, product: Product, now: dt.datetime, *, sub: Subscription | None, channel: str = "sms"
) -> rules.Facts:
    """Read everything ``rules.decide`` needs about ``msisdn`` × ``product`` at ``now``."""
    status = effective_status(product)
    try:
        version = version_at(product, now)
        price, mode, level = version.fee_fen, version.billing_mode, status.level
    except NotFound:
        price, mode, level = 0, product.billing_mode, "not_live"
    return rules.Facts(
        now=now,
        level=level,
        level_source=status.source,
        billing_mode=mode,
        price_fen=price,
        channel=channel,
        account_closed=_account_closed(msisdn),
        user_blocked=_user_blocked(msisdn, product.business_line.service_type),
        subscription_state=sub.state if sub else None,
        requested_at=sub.requested_at if sub else None,
        last_charged_month=sub.last_charged_month if sub else "",
        confirm_interval=confirm_interval(),
    )


def _decide(op: rules.Op, facts: rules.Facts) -> rules.Decision:
    decision = rules.decide(op, facts)
    if not decision.ok:
        raise VacRefused(decision.code)
    return decision


def _changed(msisdn: str) -> None:
    """The gateways' cached state of ``msisdn`` is dropped now and kept from refilling until this
    transaction has committed (:func:`vasops.vac.cache.writing_in_transaction`)."""
    cache.writing_in_transaction(msisdn)


def _history(
    sub: Subscription, event: str, from_state: str, actor: Any, now: dt.datetime, reason: str = ""
) -> None:
    _changed(sub.msisdn)
    SubscriptionHistory.objects.create(
        subscription=sub,
        event=event,
        from_state=from_state,
        to_state=sub.state,
        channel=sub.channel,
        actor_label=_label(actor)[:150],
        reason=reason[:255],
        at=now,
    )


def _move(
    sub: Subscription, transition: str, label: str, event: str, actor: Any, now: dt.datetime, reason: str = ""
) -> None:
    from vasops.core import fsm

    before = sub.state
    fsm.transition(sub, transition, label=label)
    if sub.state in (Subscription.State.UNSUBSCRIBED, Subscription.State.BLOCKED, Subscription.State.DROPPED):
        sub.expiry_at = now
    sub.save()
    _history(sub, event, before, actor, now, reason)


def record_usage(
    *, cdr_id: str, msisdn: str, product: Product, fee_fen: int, kind: str, at: dt.datetime
) -> None:
    """Write one CDR, idempotently (INSERT … ON CONFLICT DO NOTHING): a re-sent id changes nothing."""
    UsageRecord.objects.bulk_create(
        [
            UsageRecord(
                cdr_id=cdr_id,
                msisdn=msisdn,
                product=product,
                partner_id=product.partner_id,
                fee_fen=fee_fen,
                kind=kind,
                at=at,
            )
        ],
        ignore_conflicts=True,
    )


def _charge_month(sub: Subscription, fee_fen: int, now: dt.datetime) -> str:
    month = rules.month_key(now)
    cdr_id = f"M{sub.pk}-{month}"
    record_usage(
        cdr_id=cdr_id,
        msisdn=sub.msisdn,
        product=sub.product,
        fee_fen=fee_fen,
        kind=UsageRecord.Kind.MONTHLY,
        at=now,
    )
    sub.last_charged_month = month
    sub.save(update_fields=["last_charged_month", "updated_at"])
    _changed(sub.msisdn)
    return cdr_id


def _stamp(when: dt.datetime | None, fmt: str = "%Y%m%d%H%M%S") -> str:
    return when.astimezone(rules.SHANGHAI).strftime(fmt) if when else ""


def _notify(
    product: Product,
    msisdn: str,
    update_type: UpdateType,
    now: dt.datetime,
    *,
    sub: Subscription | None = None,
    link_id: str = "",
    desc: str = "",
) -> NotifyOutbox:
    row = NotifyOutbox.objects.create(
        partner_id=product.partner_id,
        subscription=sub,
        user_id=msisdn,
        service_type=product.business_line.service_type,
        sp_id=product.partner.enterprise_code or "",
        product_id=product.product_code or "",
        update_type=int(update_type),
        update_time=_stamp(now),
        update_desc=desc[:100],
        link_id=link_id[:20],
        effective_date=_stamp(sub.effective_at) if sub else "",
        expire_date=_stamp(sub.expiry_at) if sub else "",
        time_stamp=_stamp(now, "%m%d%H%M%S"),
        next_attempt_at=now,
        created_at=now,
    )
    row.record_sequence_id = f"{_stamp(now, '%y%m%d')}{row.pk:012d}"
    row.save(update_fields=["record_sequence_id"])
    return row


# ------------------------------------------------------------------------------ actions ---


@transaction.atomic
def subscribe(
    *,
    actor: Any,
    msisdn: str,
    product: Product,
    channel: str,
    link_id: str = "",
    now: dt.datetime | None = None,
) -> Answer:
    """订购. Chargeable products from untrusted channels wait for the user's 二次确认."""
    _check_actor(actor)
    now = now or clock.now()
    msisdn = normalise_msisdn(msisdn)
    existing = _live(msisdn, product)
    decision = _decide(rules.Op.SUBSCRIBE, facts_for(msisdn, product, now, sub=existing, channel=channel))
    pending = decision.outcome is rules.Outcome.PENDING
    try:
        with transaction.atomic():
            sub = Subscription.objects.create(
                msisdn=msisdn,
                product=product,
                partner_id=product.partner_id,
                channel=channel,
                link_id=link_id,
                requested_at=now,
            )
    except IntegrityError:
        raise VacRefused(ResultCode.ALREADY_SUBSCRIBED) from None
    _history(sub, "requested", "", actor, now)
    answer = Answer(decision, sub)
    if not pending:
        answer.cdr_id = _activate(sub, decision, actor, now)
    _audit(actor, "vac.subscribe", sub, partner_id=product.partner_id, after={"state": sub.state})
    return answer


def _activate(sub: Subscription, decision: rules.Decision, actor: Any, now: dt.datetime) -> str | None:
    sub.effective_at = now
    _move(sub, "confirm", "订购生效", "activated", actor, now)
    cdr_id = _charge_month(sub, decision.price_fen, now) if decision.charge else None
    _notify(sub.product, sub.msisdn, UpdateType.SUBSCRIBE, now, sub=sub, link_id=sub.link_id)
    return cdr_id


@transaction.atomic
def confirm(*, actor: Any, msisdn: str, product: Product, now: dt.datetime | None = None) -> Answer:
    """The user's 二次确认 reply: in time → active (and charged); too late → dropped."""
    _check_actor(actor)
    now = now or clock.now()
    msisdn = normalise_msisdn(msisdn)
    sub = _live(msisdn, product)
    decision = rules.decide(rules.Op.CONFIRM, facts_for(msisdn, product, now, sub=sub, channel="sms"))
    if decision.outcome is rules.Outcome.DROP and sub is not None:
        # the drop is kept: the answer carries the refusal code instead of raising
        _move(sub, "drop", "确认超时作废", "dropped", actor, now, reason="二次确认超时")
        _audit(actor, "vac.confirm_too_late", sub, partner_id=product.partner_id, after={"state": sub.state})
        return Answer(decision, sub)
    if not decision.ok:
        raise VacRefused(decision.code)
    assert sub is not None
    answer = Answer(decision, sub)
    answer.cdr_id = _activate(sub, decision, actor, now)
    _audit(actor, "vac.confirm", sub, partner_id=product.partner_id, after={"state": sub.state})
    return answer


@transaction.atomic
def unsubscribe(
    *, actor: Any, msisdn: str, product: Product, reason: str = "", now: dt.datetime | None = None
) -> Answer:
    """退订 (a pending relation is simply dropped, nobody is told)."""
    _check_actor(actor)
    now = now or clock.now()
    msisdn = normalise_msisdn(msisdn)
    sub = _live(msisdn, product)
    decision = _decide(rules.Op.UNSUBSCRIBE, facts_for(msisdn, product, now, sub=sub))
    assert sub is not None
    _end(sub, decision.outcome, actor, now, reason)
    _audit(actor, "vac.unsubscribe", sub, partner_id=product.partner_id, after={"state": sub.state})
    return Answer(decision, sub, changed=[sub])


def _end(
    sub: Subscription,
    outcome: rules.Outcome,
    actor: Any,
    now: dt.datetime,
    reason: str = "",
    *,
    block: bool = False,
) -> None:
    if sub.state == Subscription.State.PENDING_CONFIRMATION or outcome is rules.Outcome.DROP:
        _move(sub, "drop", "作废", "dropped", actor, now, reason)
        return
    if block:
        _move(sub, "block", "屏蔽", "blocked", actor, now, reason)
    else:
        _move(sub, "unsubscribe", "退订", "unsubscribed", actor, now, reason)
    _notify(sub.product, sub.msisdn, UpdateType.UNSUBSCRIBE, now, sub=sub, link_id=sub.link_id, desc=reason)


def _scope(msisdn: str, service_type: str = "00", partner: Partner | None = None) -> Any:
    qs = Subscription.objects.select_for_update().filter(msisdn=msisdn, state__in=LIVE_STATES)
    if service_type != "00":
        qs = qs.filter(product__business_line__service_type=service_type)
    if partner is not None:
        qs = qs.filter(partner=partner)
    return qs.select_related("product", "product__partner", "product__business_line")


@transaction.atomic
def unsubscribe_all(
    *,
    actor: Any,
    msisdn: str,
    service_type: str = "00",
    partner: Partner | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Answer:
    """退订 everything in a scope (op 3): service type "00" = all types; partner None = all SPs."""
    _check_actor(actor)
    now = now or clock.now()
    msisdn = normalise_msisdn(msisdn)
    subs = list(_scope(msisdn, service_type, partner))
    facts = rules.Facts(now=now, account_closed=_account_closed(msisdn), live_count=len(subs))
    decision = _decide(rules.Op.UNSUBSCRIBE_ALL, facts)
    for sub in subs:
        _end(sub, decision.outcome, actor, now, reason or "全部退订")
        _audit(actor, "vac.unsubscribe", sub, partner_id=sub.partner_id, after={"state": sub.state})
    return Answer(decision, changed=subs)


@transaction.atomic
def on_demand(
    *,
    actor: Any,
    msisdn: str,
    product: Product,
    link_id: str = "",
    cdr_id: str | None = None,
    now: dt.datetime | None = None,
) -> Answer:
    """点播: one use of a per-use product; charged per use; the SP is told (updateType 3)."""
    _check_actor(actor)
    now = now or clock.now()
    msisdn = normalise_msisdn(msisdn)
    decision = _decide(rules.Op.ON_DEMAND, facts_for(msisdn, product, now, sub=_live(msisdn, product)))
    link_id = link_id or ids.link_id()
    answer = Answer(decision)
    if decision.charge:
        answer.cdr_id = cdr_id or ids.cdr_id()
        record_usage(
            cdr_id=answer.cdr_id,
            msisdn=msisdn,
            product=product,
            fee_fen=decision.price_fen,
            kind=UsageRecord.Kind.PER_USE,
            at=now,
        )
    _notify(product, msisdn, UpdateType.ON_DEMAND, now, link_id=link_id)
    return answer


@transaction.atomic
def authenticate_use(
    *,
    actor: Any,
    msisdn: str,
    product: Product,
    cdr_id: str | None = None,
    commit_charge: bool = True,
    now: dt.datetime | None = None,
) -> Answer:
    """鉴权计费 (op 0): may the user use ``product`` now, at what price? With ``commit_charge``
    the CDR is written (monthly: once per calendar month; per-use: every use)."""
    _check_actor(actor)
    now = now or clock.now()
    msisdn = normalise_msisdn(msisdn)
    sub = _live(msisdn, product)
    facts = facts_for(msisdn, product, now, sub=sub)
    decision = _decide(rules.Op.AUTH_CHARGE, facts)
    answer = Answer(decision, sub)
    if decision.charge and commit_charge:
        if sub is not None and facts.billing_mode == "monthly":
            answer.cdr_id = _charge_month(sub, decision.price_fen, now)
        else:
            answer.cdr_id = cdr_id or ids.cdr_id()
            record_usage(
                cdr_id=answer.cdr_id,
                msisdn=msisdn,
                product=product,
                fee_fen=decision.price_fen,
                kind=UsageRecord.Kind.PER_USE,
                at=now,
            )
    return answer


def check(msisdn: str, product: Product, *, now: dt.datetime | None = None) -> rules.Decision:
    """定购关系鉴权 (op 6): no change, no charge."""
    now = now or clock.now()
    msisdn = normalise_msisdn(msisdn)
    sub = Subscription.objects.filter(msisdn=msisdn, product=product, state__in=LIVE_STATES).first()
    return rules.decide(rules.Op.CHECK, facts_for(msisdn, product, now, sub=sub))


@transaction.atomic
def block_user(
    *, actor: Any, msisdn: str, service_type: str = "00", reason: str = "", now: dt.datetime | None = None
) -> UserBlock:
    """屏蔽业务能力 (op 7): the user's relations in scope end (state blocked), later use → 1006."""
    _check_actor(actor)
    now = now or clock.now()
    msisdn = normalise_msisdn(msisdn)
    blocked = (
        _user_blocked(msisdn, service_type)
        if service_type != "00"
        else UserBlock.objects.filter(
            msisdn=msisdn, service_type="00", state=UserBlock.State.BLOCKED
        ).exists()
    )
    facts = rules.Facts(now=now, account_closed=_account_closed(msisdn), user_blocked=blocked)
    _decide(rules.Op.BLOCK, facts)
    block = UserBlock.objects.create(msisdn=msisdn, service_type=service_type, blocked_at=now, reason=reason)
    _changed(msisdn)
    for sub in _scope(msisdn, service_type):
        _end(sub, rules.Outcome.UNSUBSCRIBE, actor, now, reason or "用户屏蔽业务能力", block=True)
    _audit(actor, "vac.user_blocked", block, partner_id=None, after={"service_type": service_type})
    return block


@transaction.atomic
def restore_user(
    *, actor: Any, msisdn: str, service_type: str = "00", reason: str = "", now: dt.datetime | None = None
) -> UserBlock:
    """恢复业务能力 (op 8): ended relations are not restored."""
    _check_actor(actor)
    now = now or clock.now()
    msisdn = normalise_msisdn(msisdn)
    block = (
        UserBlock.objects.select_for_update()
        .filter(msisdn=msisdn, service_type=service_type, state=UserBlock.State.BLOCKED)
        .first()
    )
    facts = rules.Facts(now=now, account_closed=_account_closed(msisdn), user_blocked=block is not None)
    _decide(rules.Op.RESTORE, facts)
    assert block is not None
    block.state = UserBlock.State.RESTORED
    block.restored_at = now
    block.save()
    _changed(msisdn)
    _audit(actor, "vac.user_restored", block, partner_id=None, after={"service_type": service_type})
    return block


@transaction.atomic
def open_account(*, actor: Any, msisdn: str, now: dt.datetime | None = None) -> Account:
    """开户 from CRM (re-opening a closed number starts afresh)."""
    _check_actor(actor)
    now = now or clock.now()
    msisdn = normalise_msisdn(msisdn)
    account, _ = Account.objects.select_for_update().get_or_create(msisdn=msisdn, defaults={"opened_at": now})
    if account.state == Account.State.CLOSED:
        account.state = Account.State.OPEN
        account.opened_at = now
        account.closed_at = None
        account.save()
        _changed(msisdn)
    _audit(actor, "vac.account_opened", account, partner_id=None, after={"state": account.state})
    return account


@transaction.atomic
def close_account(*, actor: Any, msisdn: str, now: dt.datetime | None = None) -> Account:
    """销户 from CRM: every live relation of the number ends (SPs are told)."""
    _check_actor(actor)
    now = now or clock.now()
    msisdn = normalise_msisdn(msisdn)
    account, _ = Account.objects.select_for_update().get_or_create(msisdn=msisdn, defaults={"opened_at": now})
    account.state = Account.State.CLOSED
    account.closed_at = now
    account.save()
    _changed(msisdn)
    for sub in _scope(msisdn):
        _end(sub, rules.Outcome.UNSUBSCRIBE, actor, now, "销户")
    _audit(actor, "vac.account_closed", account, partner_id=None, after={"state": account.state})
    return account


@transaction.atomic
def drop_unconfirmed(*, now: dt.datetime | None = None) -> int:
    """Sweep: pending relations whose confirmation interval has passed are dropped."""
    now = now or clock.now()
    deadline = now - confirm_interval()
    subs = Subscription.objects.select_for_update(skip_locked=True).filter(
        state=Subscription.State.PENDING_CONFIRMATION, requested_at__lt=deadline
    )
    count = 0
    for sub in subs:
        _move(sub, "drop", "确认超时作废", "dropped", "system", now, reason="二次确认超时")
        count += 1
    return count
