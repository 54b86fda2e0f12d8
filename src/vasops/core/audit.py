"""Audit trail: ``record`` is called inside every action's transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models
from django.db.models import QuerySet

from vasops.core import notify
from vasops.core.models import AuditEvent
from vasops.core.request_context import current_ip


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def object_type_of(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    partner_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: notify.Message = "",
) -> AuditEvent:
    """Write one append-only audit row for a change of ``obj``.

    ``reason``: what a person typed (a ``str``, kept as typed), or a reason the platform writes,
    ``notify.text(gettext_noop("办结超时（时限 %(due)s）"), due=…)``: stored in Chinese in
    ``reason`` and as msgid and params in ``reason_message``, so each reader reads it in their
    language (``history.reason_text``); only its frame is translated, the values stay."""
    actor_obj = actor if getattr(actor, "pk", None) else None
    label = str(actor) if actor_obj else (actor if isinstance(actor, str) else "system")
    return AuditEvent.objects.create(
        actor=actor_obj,
        actor_label=label[:150],
        action=action,
        object_type=object_type_of(obj),
        object_id=str(obj.pk),
        partner_id=partner_id,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        reason=notify.plain(reason),
        reason_message=notify.stored(reason),
        ip=current_ip(),
    )


def history_of(obj: models.Model) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type=object_type_of(obj), object_id=str(obj.pk)).select_related(
        "actor"
    )


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    return {f: _jsonable(getattr(obj, f)) for f in fields}
