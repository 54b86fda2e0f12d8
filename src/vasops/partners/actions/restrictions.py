"""Restrictions 限制接入 (blacklist, lockout, ban, violation exclusion, major violation)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from vasops.core import audit, clock, notify
from vasops.core.errors import DomainError, required_message, required_text
from vasops.core.marks import gettext_noop
from vasops.core.permissions import require
from vasops.partners import queries, rules
from vasops.partners.actions.common import page_url
from vasops.partners.errors import PartnerError
from vasops.partners.events import PartnerEvent
from vasops.partners.models import Partner, Restriction, RestrictionKind

RESTRICTION_FIELDS = ["kind", "business_line", "reason", "source", "starts_on", "ends_on", "lifted_at"]


def _create_restriction(
    partner: Partner,
    *,
    actor: Any,
    kind: str,
    reason: notify.Message,
    source: str,
    starts_on: dt.date,
    business_line: str,
    ends_on: dt.date | None,
) -> Restriction:
    if kind not in RestrictionKind.values:
        raise DomainError(PartnerError.INVALID_RESTRICTION, gettext("请选择限制类型。"), field="kind")
    reason = required_message(reason, PartnerError.REASON_REQUIRED, gettext("请填写原因。"))
    if kind == RestrictionKind.VIOLATION_EXCLUSION and not business_line.strip():
        raise DomainError(
            PartnerError.INVALID_RESTRICTION,
            gettext("违规清退须注明被清退的业务类别。"),
            field="business_line",
        )
    if ends_on is not None and ends_on < starts_on:
        raise DomainError(
            PartnerError.INVALID_RESTRICTION, gettext("结束日期早于开始日期。"), field="ends_on"
        )
    r = Restriction.objects.create(
        partner=partner,
        kind=kind,
        reason=notify.plain(reason),
        reason_message=notify.stored(reason),
        source=source.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        business_line=business_line.strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        actor=actor or "system",
        action=PartnerEvent.RESTRICTION_ADDED,
        obj=r,
        partner_id=partner.pk,
        after=audit.snapshot(r, RESTRICTION_FIELDS),
        reason=reason,
    )
    until = (
        notify.text(gettext_noop("至 %(ends_on)s 止"), ends_on=ends_on)
        if ends_on
        else gettext_lazy("长期有效，直至解除")
    )
    notify.send(
        queries.partner_users(partner),
        subject=notify.text(gettext_noop("贵司被登记限制：%(kind)s"), kind=r.get_kind_display()),
        body=notify.text(
            gettext_noop("%(reason)s（%(starts_on)s 起，%(until)s）"),
            reason=reason,
            starts_on=starts_on,
            until=until,
        ),
        url=page_url("partners:me"),
    )
    return r


@transaction.atomic  # nested: see the docstring
def impose_restriction(
    partner: Partner,
    *,
    kind: str,
    reason: notify.Message,
    source: str,
    starts_on: dt.date,
    business_line: str = "",
    actor: Any = None,
    ends_on: dt.date | None = None,
) -> Restriction:
    """A restriction as a consequence of a rule (lockout after a reject, ban after absence from
    review, compliance's blacklist and class ban …), by the system or staff. The end date follows
    the rule (rules.restriction_end) unless the caller's rule gives one (``ends_on``).
    Runs inside the act whose consequence it is (admission's decision, the review's absence,
    compliance's decision and exit), so a plain, not durable, atomic."""
    return _create_restriction(
        partner,
        actor=actor,
        kind=kind,
        reason=reason,
        source=source,
        starts_on=starts_on,
        business_line=business_line,
        ends_on=ends_on if ends_on is not None else rules.restriction_end(kind, starts_on),
    )


@transaction.atomic  # nested: see the docstring
def renew_restriction(
    restriction: Restriction, *, ends_on: dt.date, reason: notify.Message, actor: Any = None
) -> Restriction:
    """Move a restriction's end date later (a new bad record renews a blacklist). Runs inside
    compliance's decision or credit change, so a plain, not durable, atomic."""
    reason = required_message(reason, PartnerError.REASON_REQUIRED, gettext("请填写原因。"))
    r = Restriction.objects.select_for_update().select_related("partner").get(pk=restriction.pk)
    if r.lifted_at is not None:
        raise DomainError(PartnerError.ALREADY_LIFTED, gettext("该限制已解除。"), status=409)
    if r.ends_on is None or ends_on <= r.ends_on:
        return r
    before = audit.snapshot(r, RESTRICTION_FIELDS)
    r.ends_on = ends_on
    r.save(update_fields=["ends_on"])
    audit.record(
        actor=actor or "system",
        action=PartnerEvent.RESTRICTION_RENEWED,
        obj=r,
        partner_id=r.partner_id,
        before=before,
        after=audit.snapshot(r, RESTRICTION_FIELDS),
        reason=reason,
    )
    notify.send(
        queries.partner_users(r.partner),
        subject=notify.text(gettext_noop("限制已延期：%(kind)s"), kind=r.get_kind_display()),
        body=notify.text(gettext_noop("%(reason)s（至 %(ends_on)s 止）"), reason=reason, ends_on=ends_on),
        url=page_url("partners:me"),
    )
    return r


@transaction.atomic(durable=True)
def add_restriction(
    partner: Partner,
    *,
    actor: Any,
    kind: str,
    reason: str,
    source: str = "",
    starts_on: dt.date,
    business_line: str = "",
    ends_on: dt.date | None = None,
) -> Restriction:
    """Staff register a restriction by hand; without an end date the rule's default applies."""
    require(actor, "partners.manage_restriction")
    return _create_restriction(
        partner,
        actor=actor,
        kind=kind,
        reason=reason,
        source=source,
        starts_on=starts_on,
        business_line=business_line,
        ends_on=ends_on if ends_on is not None else rules.restriction_end(kind, starts_on),
    )


@transaction.atomic(durable=True)
def lift_restriction(restriction: Restriction, *, actor: Any, reason: str) -> Restriction:
    require(actor, "partners.manage_restriction")
    reason = required_text(reason, PartnerError.REASON_REQUIRED, gettext("请填写原因。"))
    r = Restriction.objects.select_for_update().select_related("partner").get(pk=restriction.pk)
    if r.lifted_at is not None:
        raise DomainError(PartnerError.ALREADY_LIFTED, gettext("该限制已解除。"), status=409)
    before = audit.snapshot(r, RESTRICTION_FIELDS)
    r.lifted_at = clock.now()
    r.lifted_by = actor
    r.lift_reason = reason
    r.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    audit.record(
        actor=actor,
        action=PartnerEvent.RESTRICTION_LIFTED,
        obj=r,
        partner_id=r.partner_id,
        before=before,
        after=audit.snapshot(r, RESTRICTION_FIELDS),
        reason=reason,
    )
    notify.send(
        queries.partner_users(r.partner),
        subject=notify.text(gettext_noop("限制已解除：%(kind)s"), kind=r.get_kind_display()),
        body=reason,
        url=page_url("partners:me"),
    )
    return r
