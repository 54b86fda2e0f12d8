"""Qualification certificates with their scans (a replacement keeps the old row)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext

from vasops.core import audit, clock, documents, notify
from vasops.core.errors import CoreError, DomainError
from vasops.core.marks import gettext_noop
from vasops.partners import queries, rules
from vasops.partners.actions.common import page_url, require_member
from vasops.partners.errors import PartnerError
from vasops.partners.events import PartnerEvent
from vasops.partners.models import Partner, Qualification, QualificationKind


@transaction.atomic(durable=True)
def upload_qualification(
    partner: Partner,
    *,
    actor: Any,
    kind: str,
    number: str,
    issuer: str,
    valid_from: dt.date,
    valid_until: dt.date | None,
    annual_inspection_date: dt.date | None = None,
    scan: UploadedFile | None,
) -> Qualification:
    """Record a certificate with its scan. Replacing one keeps the old row (is_current=False)."""
    require_member(actor, partner)
    if kind not in QualificationKind.values:
        raise DomainError(CoreError.VALIDATION, gettext("请选择资质类型。"), field="kind")
    if valid_until is not None and valid_until < valid_from:
        raise DomainError(
            PartnerError.INVALID_VALIDITY, gettext("有效期截止日早于起始日。"), field="valid_until"
        )
    if scan is None:
        raise DomainError(PartnerError.SCAN_REQUIRED, gettext("请上传证书扫描件。"), field="scan")
    doc = documents.store(
        scan, actor=actor, partner_id=partner.pk, kind=f"qualification:{kind}", field="scan"
    )
    fields = ["kind", "number", "issuer", "valid_from", "valid_until", "annual_inspection_date"]
    old = (
        Qualification.objects.select_for_update().filter(partner=partner, kind=kind, is_current=True).first()
    )
    before = audit.snapshot(old, fields) if old else None
    if old is not None:
        old.is_current = False
        old.save(update_fields=["is_current"])
    q = Qualification.objects.create(
        partner=partner,
        kind=kind,
        number=number.strip(),
        issuer=issuer.strip(),
        valid_from=valid_from,
        valid_until=valid_until,
        annual_inspection_date=annual_inspection_date,
        document=doc,
    )
    audit.record(
        actor=actor,
        action=PartnerEvent.QUALIFICATION_REPLACED if old else PartnerEvent.QUALIFICATION_ADDED,
        obj=q,
        partner_id=partner.pk,
        before=before,
        after=audit.snapshot(q, fields),
    )
    return q


@transaction.atomic(durable=True)
def remind_qualification_expiry(qualification: Qualification, *, on: dt.date, actor: Any = "system") -> bool:
    """The expiry reminder due on ``on`` for one current certificate (30, then 7 days before it
    ends): the partner's users and product staff are told once per threshold (reminded_30_at /
    reminded_7_at); a 7-day reminder makes a late 30-day one unnecessary. Returns whether it
    was sent."""
    due = rules.reminder_due(qualification.valid_until, on)
    if due is None:
        return False
    stamp = "reminded_7_at" if due == 7 else "reminded_30_at"
    q = (
        Qualification.objects.select_for_update(of=("self",))
        .select_related("partner")
        .get(pk=qualification.pk)
    )
    if getattr(q, stamp) is not None or (due == 30 and q.reminded_7_at is not None):
        return False
    setattr(q, stamp, clock.now())
    q.save(update_fields=[stamp])
    assert q.valid_until is not None
    left = (q.valid_until - on).days
    subject = notify.text(
        gettext_noop("资质即将到期：%(partner_name)s 的%(kind)s（%(left)s 天后）"),
        partner_name=q.partner.name,
        kind=q.get_kind_display(),
        left=left,
    )
    body = notify.text(
        gettext_noop(
            "证书编号 %(number)s，有效期至 %(valid_until)s。到期后将不具备准入资格，请及时上传新证书。"
        ),
        number=q.number,
        valid_until=q.valid_until,
    )
    notify.send(queries.partner_users(q.partner), subject=subject, body=body, url=page_url("partners:me"))
    notify.send(queries.product_staff_users(), subject=subject, body=body, url=q.partner.get_absolute_url())
    audit.record(
        actor=actor,
        action=PartnerEvent.QUALIFICATION_EXPIRY_REMINDED,
        obj=q,
        partner_id=q.partner_id,
        after={stamp: getattr(q, stamp), "days": due},
    )
    return True
