"""Admission settings: the acceptance months."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from vasops.admission import rules
from vasops.admission.errors import AdmissionError
from vasops.admission.events import AdmissionEvent
from vasops.admission.models import AdmissionSettings
from vasops.core import audit, permissions
from vasops.core.errors import DomainError


@transaction.atomic(durable=True)
def update_settings(*, actor: Any, acceptance_months: str, reason: str = "") -> AdmissionSettings:
    permissions.require(actor, "admission.manage_admission_settings")
    try:
        months = rules.parse_months(acceptance_months)
    except ValueError as exc:
        raise DomainError(AdmissionError.INVALID_SETTINGS, str(exc), field="acceptance_months") from exc
    obj = AdmissionSettings.objects.select_for_update().get(pk=AdmissionSettings.current().pk)
    before = audit.snapshot(obj, ["acceptance_months"])
    obj.acceptance_months = ",".join(str(m) for m in months)
    obj.save()
    audit.record(
        actor=actor,
        action=AdmissionEvent.SETTINGS_UPDATED,
        obj=obj,
        before=before,
        after=audit.snapshot(obj, ["acceptance_months"]),
        reason=reason,
    )
    return obj
