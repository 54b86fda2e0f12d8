"""Business lines 业务线 (staff): the catalogue's, used by products and admission alike."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from vasops.catalog import rules
from vasops.catalog.errors import CatalogError
from vasops.catalog.events import CatalogEvent
from vasops.catalog.models import BusinessLine
from vasops.core import audit
from vasops.core.errors import DomainError
from vasops.core.permissions import require


@transaction.atomic(durable=True)
def save_business_line(
    *,
    actor: Any,
    code: str,
    name: str,
    service_type: str,
    vas_systems: list[str],
    extra_fields: list[dict[str, Any]] | None = None,
    is_active: bool = True,
    sort_order: int = 0,
    needs_channel: bool | None = None,
) -> BusinessLine:
    require(actor, "catalog.change_businessline")
    if not rules.SERVICE_TYPE_RE.match(service_type or ""):
        raise DomainError(
            CatalogError.INVALID_BUSINESS_LINE,
            gettext("业务类型代码应为 2 位数字（PRM 附录 A2）。"),
            field="service_type",
        )
    from vasops.workorders.models import VAS_SYSTEMS

    known = {c for c, _ in VAS_SYSTEMS}
    unknown = [s for s in vas_systems if s not in known]
    if unknown:
        raise DomainError(
            CatalogError.INVALID_BUSINESS_LINE,
            gettext("未知的系统：%(unknown)s。") % {"unknown": "、".join(unknown)},
            field="vas_systems",
        )
    line = BusinessLine.objects.filter(code=code).first()
    line_fields = ["name", "service_type", "vas_systems", "needs_channel", "is_active"]
    before = audit.snapshot(line, line_fields) if line else None
    line = line or BusinessLine(code=code)
    line.name, line.service_type, line.vas_systems = name, service_type, vas_systems
    line.extra_fields = extra_fields if extra_fields is not None else line.extra_fields
    line.is_active, line.sort_order = is_active, sort_order
    if needs_channel is not None:
        line.needs_channel = needs_channel
    line.save()
    audit.record(
        actor=actor,
        action=CatalogEvent.BUSINESS_LINE_SAVED,
        obj=line,
        before=before,
        after=audit.snapshot(line, line_fields),
    )
    return line
