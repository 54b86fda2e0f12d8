"""Qualification certificates with their scans (a replacement keeps the old row)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from vasops.core import audit, documents
from vasops.core.errors import CoreError, DomainError
from vasops.partners.actions.common import require_member
from vasops.partners.errors import PartnerError
from vasops.partners.events import PartnerEvent
from vasops.partners.models import Partner, Qualification, QualificationKind


@transaction.atomic
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
        raise DomainError(CoreError.VALIDATION, "请选择资质类型。", field="kind")
    if valid_until is not None and valid_until < valid_from:
        raise DomainError(PartnerError.INVALID_VALIDITY, "有效期截止日早于起始日。", field="valid_until")
    if scan is None:
        raise DomainError(PartnerError.SCAN_REQUIRED, "请上传证书扫描件。", field="scan")
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
