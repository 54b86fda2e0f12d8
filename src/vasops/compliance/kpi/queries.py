"""Read side of the SP KPIs; every query a partner user reaches is scoped to its partner."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext

from vasops.compliance.errors import ComplianceError
from vasops.compliance.kpi.models import KpiDefinition, KpiRecord
from vasops.compliance.kpi.permissions import VIEW_PERM
from vasops.core.errors import DomainError
from vasops.partners import queries as partner_queries
from vasops.partners.models import Partner


def definitions(*, active_only: bool = False) -> QuerySet[KpiDefinition]:
    qs = KpiDefinition.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def visible_records(user: Any) -> QuerySet[KpiRecord]:
    """Staff with compliance.view_kpirecord: all; a partner user: its own; anyone else: none."""
    qs = KpiRecord.objects.select_related("partner", "definition")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.has_perm(VIEW_PERM):
        return qs
    partner = partner_queries.partner_of(user)
    if partner is None:
        return qs.none()
    return qs.filter(partner=partner)


def below_threshold(user: Any) -> QuerySet[KpiRecord]:
    return visible_records(user).filter(met=False)


def visible_partner(user: Any, partner_id: int) -> Partner | None:
    """The partner whose KPI page ``user`` may open: staff any, a partner user only its own."""
    if getattr(user, "is_authenticated", False) and user.has_perm(VIEW_PERM):
        return Partner.objects.filter(pk=partner_id).first()
    own = partner_queries.partner_of(user)
    return own if own is not None and own.pk == partner_id else None


def partner_series(partner: Partner, *, limit_periods: int = 12) -> list[dict[str, Any]]:
    """Per active definition: the partner's last ``limit_periods`` results, oldest first, with
    the threshold each was judged against (for the charts)."""
    out = []
    records = list(
        KpiRecord.objects.filter(partner=partner).select_related("definition").order_by("period_start")
    )
    for definition in definitions(active_only=True):
        rows = [r for r in records if r.definition_id == definition.pk][-limit_periods:]
        out.append({"definition": definition, "records": rows, "below": sum(1 for r in rows if not r.met)})
    return out


def below_threshold_count(partner_id: int, period_start: dt.date, period_end: dt.date) -> int:
    """KPI results below threshold of a partner whose period starts within [start, end]
    (the assessment input ``kpi_below_threshold``)."""
    return KpiRecord.objects.filter(
        partner_id=partner_id, met=False, period_start__gte=period_start, period_start__lte=period_end
    ).count()


def partner_by_id(partner_id: int) -> Partner:
    partner = Partner.objects.filter(pk=partner_id).first()
    if partner is None:
        raise DomainError(
            ComplianceError.KPI_PARTNER_UNKNOWN,
            gettext("没有编号为 %(partner_id)s 的合作伙伴。") % {"partner_id": partner_id},
            field="partner_id",
        )
    return partner


def definition_by_code(code: str) -> KpiDefinition:
    definition = KpiDefinition.objects.filter(code=code).first()
    if definition is None:
        raise DomainError(
            ComplianceError.KPI_UNKNOWN, gettext("未知的指标代码“%(code)s”。") % {"code": code}, field="kpi"
        )
    return definition
