"""Credit 信用积分及信用等级 (ch. 8): points per partner per assessment year, the grade they give,
the blacklist a bad record puts on the partner. Helpers called inside the acts that change the
points (a decision, an assessment's confirmation, a manual adjustment)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from vasops.compliance import rules
from vasops.compliance.actions.common import CATALOGUE, numbers
from vasops.compliance.errors import ComplianceError
from vasops.compliance.events import ComplianceEvent
from vasops.compliance.models import CreditAccount, CreditEntry
from vasops.core import audit, clock, notify
from vasops.core.errors import required_text
from vasops.core.marks import gettext_noop
from vasops.core.permissions import require
from vasops.partners import actions as partner_actions
from vasops.partners.models import Partner, Restriction, RestrictionKind

BLACKLIST_SOURCE = "compliance.credit"


def account_for(partner: Partner, year: int, *, lock: bool = False) -> CreditAccount:
    n = numbers()
    account, _ = CreditAccount.objects.get_or_create(
        partner=partner,
        year=year,
        defaults={"points": n.start_points, "grade": rules.credit_grade(n.start_points, n)},
    )
    if lock:
        account = CreditAccount.objects.select_for_update().get(pk=account.pk)
    return account


def current_points(partner: Partner, on: dt.date | None = None) -> tuple[int, str]:
    """(points, grade) of ``partner`` in the year of ``on`` (the start points when untouched)."""
    n = numbers()
    year = (on or clock.today()).year
    account = CreditAccount.objects.filter(partner=partner, year=year).first()
    points = account.points if account else n.start_points
    return points, rules.credit_grade(points, n)


def change_points(
    partner: Partner,
    *,
    actor: Any,
    delta: int,
    reason: notify.Message,
    source: Any = None,
    on: dt.date | None = None,
    violation_grade: str | None = None,
) -> CreditEntry | None:
    """Add ``delta`` (negative deducts) to the partner's points of the year of ``on``; record the
    entry (once per source), follow the grade on the partner, and blacklist on a bad record."""
    n = numbers()
    on = on or clock.today()
    account = account_for(partner, on.year, lock=True)
    source_type = audit.object_type_of(source) if source is not None else ""
    source_id = str(source.pk) if source is not None else ""
    if source is not None and account.entries.filter(source_type=source_type, source_id=source_id).exists():
        return None
    before = audit.snapshot(account, ["points", "grade"])
    account.points += delta
    account.grade = rules.credit_grade(account.points, n)
    account.save()
    entry = CreditEntry.objects.create(
        account=account,
        delta=delta,
        points_after=account.points,
        grade_after=account.grade,
        reason=notify.plain(reason),
        reason_message=notify.stored(reason),
        source_type=source_type,
        source_id=source_id,
        on=on,
    )
    audit.record(
        actor=actor,
        action=ComplianceEvent.CREDIT_CHANGED,
        obj=account,
        partner_id=partner.pk,
        before=before,
        after=audit.snapshot(account, ["points", "grade"]),
        reason=reason,
    )
    if on.year == clock.today().year:
        partner_actions.set_credit_grade(partner, grade=account.grade, reason=reason, actor=actor)
    if rules.puts_on_blacklist(account.grade, delta, violation_grade):
        blacklist(
            partner,
            actor=actor,
            on=on,
            reason=notify.text(gettext_noop("不良信用记录：%(reason)s"), reason=reason),
        )
    return entry


def blacklist(partner: Partner, *, actor: Any, on: dt.date, reason: notify.Message) -> Restriction:
    """A blacklist 黑名单 that admission honours, to ``blacklist_months`` after this bad record;
    one already in force from compliance is renewed (its end moves later) rather than doubled."""
    n = numbers()
    ends_on = rules.blacklist_end(on, n.blacklist_months)
    current = (
        Restriction.objects.filter(
            partner=partner, kind=RestrictionKind.BLACKLIST, source=BLACKLIST_SOURCE, lifted_at__isnull=True
        )
        .filter(ends_on__gte=on)
        .order_by("-ends_on")
        .first()
    )
    if current is not None:
        restriction = partner_actions.renew_restriction(current, ends_on=ends_on, reason=reason, actor=actor)
    else:
        restriction = partner_actions.impose_restriction(
            partner,
            kind=RestrictionKind.BLACKLIST,
            reason=reason,
            source=BLACKLIST_SOURCE,
            starts_on=on,
            ends_on=ends_on,
            actor=actor,
        )
    audit.record(
        actor=actor,
        action=ComplianceEvent.BLACKLIST_IMPOSED,
        obj=restriction,
        partner_id=partner.pk,
        after={"ends_on": ends_on},
        reason=reason,
    )
    return restriction


@transaction.atomic(durable=True)
def adjust_credit(partner: Partner, *, actor: Any, delta: int, reason: str) -> CreditEntry | None:
    """Staff correct a partner's points by hand (with a reason, audited)."""
    require(actor, CATALOGUE)
    text = required_text(reason, ComplianceError.REASON_REQUIRED, gettext("请填写调整原因。"))
    return change_points(partner, actor=actor, delta=int(delta), reason=text)
