"""The only code that changes VAC state. Every action is atomic and writes, in the same
transaction, the SubscriptionHistory rows, the CDRs (idempotent) and the SP-notification outbox rows.

``actor`` is a user (staff acting for a subscriber: needs ``vac.manage_subscription``; an audit row
is written) or one of the machine actors ("gateway", "crm", "system"), whose calls are recorded in
SubscriptionHistory only (the hot path writes no AuditEvent). A refusal raises
:class:`~vasops.vac.errors.VacRefused` carrying the A.9 result code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from vasops.catalog.models import Product
from vasops.catalog.queries import effective_status, version_at
from vasops.core import audit, clock, notify
from vasops.core.errors import DomainError, NotFound
from vasops.core.marks import gettext_noop
from vasops.core.permissions import require
from vasops.partners.models import Partner
from vasops.vac import cache, ids, labels, rules
from vasops.vac import msisdn as numbers
from vasops.vac.errors import VacError, VacRefused
from vasops.vac.events import VacEvent
from vasops.vac.models import (
    LIVE_STATES,
    Account,
    NotifyOutbox,
    ServiceBlock,
    SmsMessage,
    Subscription,
    SubscriptionHistory,
    UsageRecord,
    UserBlock,
)
from vasops.vac.permissions import MANAGE
from vasops.vac.protocol.codes import ResultCode
from vasops.vac.protocol.soap import UpdateType

MACHINE_ACTORS = frozenset({"gateway", "crm", "system", "sms"})


@dataclass(slots=True)
class Answer:
    """What an accepted operation did."""

    decision: rules.Decision
    subscription: Subscription | None = None
    cdr_id: str | None = None
    changed: list[Subscription] = field(default_factory=list)
    link_id: str = ""

    @property
    def code(self) -> ResultCode:
        return self.decision.code


# ------------------------------------------------------------------------------ helpers ---


def normalise_msisdn(msisdn: str) -> str:
    """The bare number (vasops.vac.msisdn.bare); not a mobile number → refused 107."""
    value = numbers.bare(msisdn)
    if value is None:
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


def _audit(actor: Any, action: VacEvent, obj: Any, *, partner_id: int | None, after: dict[str, Any]) -> None:
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


def service_blocked_by(product: Product, now: dt.datetime) -> str | None:
    """ "partner" / "product" when a carrier's service block 业务屏蔽 covers ``product`` at ``now``
    (the Django side of :meth:`vasops.vac.cache.ProductInfo.blocked_by`)."""
    from django.db.models import Q

    blocks = ServiceBlock.objects.filter(
        partner_id=product.partner_id, lifted_at__isnull=True, starts_at__lte=now
    )
    blocks = blocks.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now)).filter(
        Q(scope=ServiceBlock.Scope.PARTNER)
        | Q(product_id=product.pk)
        | Q(scope=ServiceBlock.Scope.LINE, business_line_id=product.business_line_id)
    )
    scopes = set(blocks.values_list("scope", flat=True))
    if not scopes:
        return None
    return "partner" if ServiceBlock.Scope.PARTNER in scopes else "product"


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
    source = status.source
    try:
        version = version_at(product, now)
        price, mode, level = version.fee_fen, version.billing_mode, status.level
    except NotFound:
        price, mode, level = 0, product.billing_mode, "not_live"
    blocked = service_blocked_by(product, now)
    if blocked is not None:
        level, source = rules.BLOCKED_LEVEL, blocked
    return rules.Facts(
        now=now,
        level=level,
        level_source=source,
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
    *,
    cdr_id: str,
    msisdn: str,
    product: Product,
    fee_fen: int,
    kind: str,
    at: dt.datetime,
    link_id: str = "",
) -> UsageRecord | None:
    """Write one CDR, idempotently (INSERT … ON CONFLICT DO NOTHING). Returns None when written;
    the stored CDR when the id was there already and it is the same request (user, product, fee:
    a re-sent id changes nothing). Another request under a used id is refused 3105 (CDR
    duplicated): a charge is never answered as done when it was not written."""
    before = UsageRecord.objects.filter(cdr_id=cdr_id).first()
    if before is None:
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
                    link_id=link_id[:20],
                )
            ],
            ignore_conflicts=True,  # a concurrent writer of the same id: compared below
        )
    stored = before or UsageRecord.objects.get(cdr_id=cdr_id)
    if (stored.msisdn, stored.product_id, stored.fee_fen) != (msisdn, product.pk, fee_fen):
        raise VacRefused(ResultCode.CDR_DUPLICATE)
    return before


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
    content: str = "",
    by_file: bool = False,
) -> NotifyOutbox:
    """The SP's notification (VAC.md B.3): ``userId`` with the country code, an open-ended
    relation expiring :data:`vac.rules.FAR_FUTURE`, ``updateDesc`` the access number (or empty).
    ``by_file``: a CRM batch change, which reaches the SP only in the sync files (B.1)."""
    expire = "" if sub is None else (_stamp(sub.expiry_at) if sub.expiry_at else rules.FAR_FUTURE)
    row = NotifyOutbox.objects.create(
        partner_id=product.partner_id,
        subscription=sub,
        user_id=numbers.COUNTRY_CODE + msisdn,
        service_type=product.business_line.service_type,
        sp_id=product.partner.enterprise_code or "",
        product_id=product.product_code or "",
        update_type=int(update_type),
        update_time=_stamp(now),
        update_desc=desc[:100],
        link_id=link_id[:20],
        content=content[:140],
        effective_date=_stamp(sub.effective_at) if sub else "",
        expire_date=expire,
        time_stamp=_stamp(now, "%m%d%H%M%S"),
        state=NotifyOutbox.State.FILE_ONLY if by_file else NotifyOutbox.State.PENDING,
        next_attempt_at=now,
        created_at=now,
    )
    row.record_sequence_id = f"{_stamp(now, '%y%m%d')}{row.pk:012d}"
    row.save(update_fields=["record_sequence_id"])
    return row


# ------------------------------------------------------------------------------ actions ---


def _order_desc(product: Product, channel: str, desc: str) -> str:
    """updateDesc (B.3): the access number the user ordered at; a CRM-side order the product's."""
    if desc:
        return desc
    return product.access_number or "" if channel in rules.TRUSTED_CHANNELS else ""


@transaction.atomic
def subscribe(
    *,
    actor: Any,
    msisdn: str,
    product: Product,
    channel: str,
    link_id: str = "",
    now: dt.datetime | None = None,
    confirmed_upstream: bool = False,
    desc: str = "",
    by_file: bool = False,
) -> Answer:
    """订购. Chargeable products from untrusted channels wait for the user's 二次确认, whose SMS
    is queued at once; ``confirmed_upstream``: the channel asked the user already (SPMS).
    ``by_file``: a CRM batch line (the SP learns it from the sync files only).
    A plain ``atomic``, not durable: it also runs inside a CRM batch chunk's transaction (vac.crm.lines)
    and inside an SMS reply's (vac.sms.replies)."""
    _check_actor(actor)
    now = now or clock.now()
    msisdn = normalise_msisdn(msisdn)
    existing = _live(msisdn, product)
    facts = facts_for(msisdn, product, now, sub=existing, channel=channel)
    if confirmed_upstream:
        facts = dataclasses.replace(facts, confirmed_upstream=True)
    decision = _decide(rules.Op.SUBSCRIBE, facts)
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
    if pending:
        _ask_confirmation(sub, facts, now)
    else:
        desc = _order_desc(product, channel, desc)
        answer.cdr_id = _activate(sub, decision, actor, now, desc=desc, by_file=by_file)
    _audit(
        actor, VacEvent.SUBSCRIPTION_CREATED, sub, partner_id=product.partner_id, after={"state": sub.state}
    )
    return answer


def _ask_confirmation(sub: Subscription, facts: rules.Facts, now: dt.datetime) -> None:
    """Queue the double-confirmation SMS (二次确认) of a pending relation (sent by vac.sms)."""
    from vasops.vac.sms import outbox, texts

    hours = max(1, int(facts.confirm_interval.total_seconds()) // 3600)
    text = texts.confirm_request(sub.product.name, facts.price_fen, facts.billing_mode, hours)
    outbox.enqueue(sub.msisdn, SmsMessage.Kind.CONFIRM, text, subscription=sub, now=now)


def _activate(
    sub: Subscription,
    decision: rules.Decision,
    actor: Any,
    now: dt.datetime,
    *,
    desc: str = "",
    by_file: bool = False,
) -> str | None:
    sub.effective_at = now
    _move(sub, "confirm", gettext_noop("订购生效"), "activated", actor, now)
    cdr_id = _charge_month(sub, decision.price_fen, now) if decision.charge else None
    _notify(
        sub.product,
        sub.msisdn,
        UpdateType.SUBSCRIBE,
        now,
        sub=sub,
        link_id=sub.link_id,
        desc=desc,
        by_file=by_file,
    )
    return cdr_id


@transaction.atomic
def confirm(*, actor: Any, msisdn: str, product: Product, now: dt.datetime | None = None) -> Answer:
    """The user's 二次确认 reply: in time → active (and charged); too late → dropped.
    A plain ``atomic``, not durable: it also runs inside an SMS reply's transaction (vac.sms.replies)."""
    _check_actor(actor)
    now = now or clock.now()
    msisdn = normalise_msisdn(msisdn)
    sub = _live(msisdn, product)
    decision = rules.decide(rules.Op.CONFIRM, facts_for(msisdn, product, now, sub=sub, channel="sms"))
    if decision.outcome is rules.Outcome.DROP and sub is not None:
        # the drop is kept: the answer carries the refusal code instead of raising
        _move(
            sub,
            "drop",
            gettext_noop("确认超时作废"),
            "dropped",
            actor,
            now,
            reason=labels.CONFIRMATION_TIMED_OUT,
        )
        _audit(
            actor,
            VacEvent.SUBSCRIPTION_DROPPED,
            sub,
            partner_id=product.partner_id,
            after={"state": sub.state},
        )
        return Answer(decision, sub)
    if not decision.ok:
        raise VacRefused(decision.code)
    assert sub is not None
    answer = Answer(decision, sub)
    answer.cdr_id = _activate(sub, decision, actor, now)
    _audit(
        actor, VacEvent.SUBSCRIPTION_CONFIRMED, sub, partner_id=product.partner_id, after={"state": sub.state}
    )
    return answer


@transaction.atomic
def unsubscribe(
    *,
    actor: Any,
    msisdn: str,
    product: Product,
    reason: str = "",
    now: dt.datetime | None = None,
    desc: str = "",
    by_file: bool = False,
) -> Answer:
    """退订 (a pending relation is simply dropped, nobody is told). ``reason`` goes to the
    relation's history; the SP's notification carries the access number (``desc``), not it.
    A plain ``atomic``, not durable: it also runs inside a CRM batch chunk's transaction (vac.crm.lines)
    and inside an SMS reply's (vac.sms.replies)."""
    _check_actor(actor)
    now = now or clock.now()
    msisdn = normalise_msisdn(msisdn)
    sub = _live(msisdn, product)
    decision = _decide(rules.Op.UNSUBSCRIBE, facts_for(msisdn, product, now, sub=sub))
    assert sub is not None
    _end(
        sub,
        decision.outcome,
        actor,
        now,
        reason,
        desc=_order_desc(product, sub.channel, desc),
        by_file=by_file,
    )
    _audit(
        actor, VacEvent.SUBSCRIPTION_CANCELLED, sub, partner_id=product.partner_id, after={"state": sub.state}
    )
    return Answer(decision, sub, changed=[sub])


def _end(
    sub: Subscription,
    outcome: rules.Outcome,
    actor: Any,
    now: dt.datetime,
    reason: str = "",
    *,
    block: bool = False,
    desc: str = "",
    by_file: bool = False,
) -> None:
    if sub.state == Subscription.State.PENDING_CONFIRMATION or outcome is rules.Outcome.DROP:
        _move(sub, "drop", gettext_noop("作废"), "dropped", actor, now, reason)
        return
    if block:
        _move(sub, "block", gettext_noop("屏蔽"), "blocked", actor, now, reason)
    else:
        _move(sub, "unsubscribe", gettext_noop("退订"), "unsubscribed", actor, now, reason)
    _notify(
        sub.product,
        sub.msisdn,
        UpdateType.UNSUBSCRIBE,
        now,
        sub=sub,
        link_id=sub.link_id,
        desc=desc,
        by_file=by_file,
    )


def _scope(msisdn: str, service_type: str = "00", partner: Partner | None = None) -> Any:
    qs = Subscription.objects.select_for_update().filter(msisdn=msisdn, state__in=LIVE_STATES)
    if service_type != "00":
        qs = qs.filter(product__business_line__service_type=service_type)
    if partner is not None:
        qs = qs.filter(partner=partner)
    return qs.select_related("product", "product__partner", "product__business_line").order_by("id")


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
    """退订 everything in a scope (op 3): service type "00" = all types; partner None = all SPs.
    A plain ``atomic``, not durable: it also runs inside an SMS reply's transaction (vac.sms.replies)."""
    _check_actor(actor)
    now = now or clock.now()
    msisdn = normalise_msisdn(msisdn)
    subs = list(_scope(msisdn, service_type, partner))
    facts = rules.Facts(now=now, account_closed=_account_closed(msisdn), live_count=len(subs))
    decision = _decide(rules.Op.UNSUBSCRIBE_ALL, facts)
    for sub in subs:
        _end(sub, decision.outcome, actor, now, reason or labels.ALL_UNSUBSCRIBED)
        _audit(
            actor, VacEvent.SUBSCRIPTION_CANCELLED, sub, partner_id=sub.partner_id, after={"state": sub.state}
        )
    return Answer(decision, changed=subs)


@transaction.atomic(durable=True)
def on_demand(
    *,
    actor: Any,
    msisdn: str,
    product: Product,
    link_id: str = "",
    cdr_id: str | None = None,
    now: dt.datetime | None = None,
    desc: str = "",
) -> Answer:
    """点播: one use of a per-use product; charged per use; the SP is told (updateType 3)."""
    _check_actor(actor)
    now = now or clock.now()
    msisdn = normalise_msisdn(msisdn)
    decision = _decide(rules.Op.ON_DEMAND, facts_for(msisdn, product, now, sub=_live(msisdn, product)))
    link_id = link_id or ids.link_id(now)
    answer = Answer(decision, link_id=link_id)
    if decision.charge:
        answer.cdr_id = cdr_id or ids.cdr_id()
        stored = record_usage(
            cdr_id=answer.cdr_id,
            msisdn=msisdn,
            product=product,
            fee_fen=decision.price_fen,
            kind=UsageRecord.Kind.PER_USE,
            at=now,
            link_id=link_id,
        )
        if stored is not None:  # the same request again: its first answer, nobody told twice
            answer.link_id = stored.link_id
            return answer
    _notify(product, msisdn, UpdateType.ON_DEMAND, now, link_id=link_id, desc=desc)
    return answer


@transaction.atomic(durable=True)
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


@transaction.atomic(durable=True)
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
        _end(sub, rules.Outcome.UNSUBSCRIBE, actor, now, reason or labels.USER_BLOCKED, block=True)
    _audit(actor, VacEvent.USER_BLOCKED, block, partner_id=None, after={"service_type": service_type})
    return block


@transaction.atomic(durable=True)
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
    _audit(actor, VacEvent.USER_RESTORED, block, partner_id=None, after={"service_type": service_type})
    return block


@transaction.atomic
def open_account(*, actor: Any, msisdn: str, now: dt.datetime | None = None) -> Account:
    """开户 from CRM (re-opening a closed number starts afresh).
    A plain ``atomic``, not durable: it also runs inside a CRM batch chunk's transaction (vac.crm.lines)."""
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
    _audit(actor, VacEvent.ACCOUNT_OPENED, account, partner_id=None, after={"state": account.state})
    return account


@transaction.atomic
def close_account(
    *, actor: Any, msisdn: str, now: dt.datetime | None = None, by_file: bool = False
) -> Account:
    """销户 from CRM: every live relation of the number ends and each SP is told (updateType 2):
    in real time, or — ``by_file``, a CRM batch line — in the sync files only.
    A plain ``atomic``, not durable: it also runs inside a CRM batch chunk's transaction (vac.crm.lines)."""
    _check_actor(actor)
    now = now or clock.now()
    msisdn = normalise_msisdn(msisdn)
    account, _ = Account.objects.select_for_update().get_or_create(msisdn=msisdn, defaults={"opened_at": now})
    account.state = Account.State.CLOSED
    account.closed_at = now
    account.save()
    _changed(msisdn)
    for sub in _scope(msisdn):
        desc = _order_desc(sub.product, "crm", "")
        _end(sub, rules.Outcome.UNSUBSCRIBE, actor, now, labels.ACCOUNT_CLOSED, desc=desc, by_file=by_file)
    _audit(actor, VacEvent.ACCOUNT_CLOSED, account, partner_id=None, after={"state": account.state})
    return account


@transaction.atomic(durable=True)
def change_number(
    *, actor: Any, old_msisdn: str, new_msisdn: str, now: dt.datetime | None = None
) -> list[Subscription]:
    """改号 from CRM (A → B, VAC.md C.3 "SubscrbStat 91002"): the live relations, blocks and account
    of A move to B, and each SP is told (updateType 5, ``userId`` B, ``content`` A: B.3). A
    relation of A whose product B already has ends instead (updateType 2). Returns the moved."""
    _check_actor(actor)
    now = now or clock.now()
    old, new = normalise_msisdn(old_msisdn), normalise_msisdn(new_msisdn)
    if old == new:
        raise DomainError(VacError.NUMBER_CHANGE_SAME, gettext("新号码与原号码相同。"), field="new_msisdn")
    if _account_closed(old):
        raise VacRefused(ResultCode.SUBSCRIBER_NOT_FOUND)
    _changed(old)
    _changed(new)
    taken = set(
        Subscription.objects.select_for_update()
        .filter(msisdn=new, state__in=LIVE_STATES)
        .values_list("product_id", flat=True)
    )
    moved: list[Subscription] = []
    for sub in _scope(old):
        if sub.product_id in taken:
            _end(sub, rules.Outcome.UNSUBSCRIBE, actor, now, f"改号：{new} 已订购该产品")
            continue
        sub.msisdn = new
        sub.save(update_fields=["msisdn", "updated_at"])
        SubscriptionHistory.objects.create(
            subscription=sub,
            event="number_changed",
            from_state=sub.state,
            to_state=sub.state,
            channel=sub.channel,
            actor_label=_label(actor)[:150],
            reason=f"改号：{old} → {new}"[:255],
            at=now,
        )
        if sub.state == Subscription.State.ACTIVE:
            content = numbers.COUNTRY_CODE + old
            _notify(
                sub.product, new, UpdateType.NUMBER_CHANGE, now, sub=sub, link_id=sub.link_id, content=content
            )
        moved.append(sub)
    for block in UserBlock.objects.select_for_update().filter(msisdn=old, state=UserBlock.State.BLOCKED):
        if not UserBlock.objects.filter(
            msisdn=new, service_type=block.service_type, state=block.state
        ).exists():
            block.msisdn = new
            block.save(update_fields=["msisdn"])
    account = Account.objects.select_for_update().filter(msisdn=old).first()
    if account is not None and not Account.objects.filter(msisdn=new).exists():
        account.msisdn = new
        account.save(update_fields=["msisdn"])
    target = account or (moved[0] if moved else None)
    if target is not None:
        _audit(actor, VacEvent.NUMBER_CHANGED, target, partner_id=None, after={"old": old, "new": new})
    return moved


@transaction.atomic(durable=True)
def drop_unconfirmed(*, now: dt.datetime | None = None) -> int:
    """Sweep: pending relations whose confirmation interval has passed are dropped."""
    now = now or clock.now()
    deadline = now - confirm_interval()
    subs = Subscription.objects.select_for_update(skip_locked=True).filter(
        state=Subscription.State.PENDING_CONFIRMATION, requested_at__lt=deadline
    )
    count = 0
    for sub in subs:
        _move(
            sub,
            "drop",
            gettext_noop("确认超时作废"),
            "dropped",
            "system",
            now,
            reason=labels.CONFIRMATION_TIMED_OUT,
        )
        count += 1
    return count


# ------------------------------------------------------------------ service blocks 业务屏蔽 ---

SERVICE_BLOCK_FIELDS = [
    "scope",
    "partner_id",
    "product_id",
    "business_line_id",
    "reason",
    "starts_at",
    "ends_at",
]


@transaction.atomic  # nested: see the docstring
def block_service(
    *,
    actor: Any,
    scope: str,
    partner: Partner,
    reason: notify.Message,
    product: Product | None = None,
    business_line: Any = None,
    ends_at: dt.datetime | None = None,
    source: Any = None,
    now: dt.datetime | None = None,
) -> ServiceBlock:
    """The VAC refuses the product / the partner's business line / the whole partner from the
    commit on (2101 / 2001): the gateways' product keys are flushed in this transaction and after
    COMMIT (:func:`cache.catalog_changed_in_transaction`). Subscriptions stay; they are neither
    used nor charged while blocked. Runs inside compliance's act (a staff block or an upheld
    violation), which checked the permission, so a plain, not durable, atomic."""
    now = now or clock.now()
    if scope not in ServiceBlock.Scope.values:
        raise DomainError(VacError.INVALID_SERVICE_BLOCK, gettext("请选择屏蔽范围。"), field="scope")
    if scope == ServiceBlock.Scope.PRODUCT and product is None:
        raise DomainError(VacError.INVALID_SERVICE_BLOCK, gettext("屏蔽产品须指明产品。"), field="product")
    if scope == ServiceBlock.Scope.LINE and business_line is None:
        raise DomainError(
            VacError.INVALID_SERVICE_BLOCK, gettext("屏蔽业务线须指明业务线。"), field="business_line"
        )
    if product is not None and product.partner_id != partner.pk:
        raise DomainError(
            VacError.INVALID_SERVICE_BLOCK, gettext("该产品不属于此合作伙伴。"), field="product"
        )
    if ends_at is not None and ends_at <= now:
        raise DomainError(
            VacError.INVALID_SERVICE_BLOCK, gettext("屏蔽到期时间须晚于现在。"), field="ends_at"
        )
    block = ServiceBlock.objects.create(
        scope=scope,
        partner=partner,
        product=product if scope == ServiceBlock.Scope.PRODUCT else None,
        business_line=business_line if scope == ServiceBlock.Scope.LINE else None,
        reason=notify.plain(reason),
        reason_message=notify.stored(reason),
        starts_at=now,
        ends_at=ends_at,
        source_type=audit.object_type_of(source) if source is not None else "",
        source_id=str(source.pk) if source is not None else "",
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    cache.catalog_changed_in_transaction()
    audit.record(
        actor=actor,
        action=VacEvent.SERVICE_BLOCKED,
        obj=block,
        partner_id=partner.pk,
        after=audit.snapshot(block, SERVICE_BLOCK_FIELDS),
        reason=reason,
    )
    return block


@transaction.atomic  # nested: see the docstring
def lift_service_block(
    block: ServiceBlock, *, actor: Any, reason: str, now: dt.datetime | None = None
) -> ServiceBlock:
    """The VAC serves the product again from the commit on (keys flushed as for the block). Runs
    inside compliance's lift act, which checked the permission, so a plain, not durable, atomic."""
    block = ServiceBlock.objects.select_for_update().get(pk=block.pk)
    if block.lifted_at is not None:
        raise DomainError(VacError.INVALID_SERVICE_BLOCK, gettext("该屏蔽已解除。"), status=409)
    before = audit.snapshot(block, [*SERVICE_BLOCK_FIELDS, "lifted_at"])
    block.lifted_at = now or clock.now()
    block.lift_reason = reason
    block.save(update_fields=["lifted_at", "lift_reason"])
    cache.catalog_changed_in_transaction()
    audit.record(
        actor=actor,
        action=VacEvent.SERVICE_BLOCK_LIFTED,
        obj=block,
        partner_id=block.partner_id,
        before=before,
        after=audit.snapshot(block, [*SERVICE_BLOCK_FIELDS, "lifted_at"]),
        reason=reason,
    )
    return block
