"""The only code that changes KPI definitions and records."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.functional import lazy
from django.utils.translation import gettext

from vasops.compliance.errors import ComplianceError
from vasops.compliance.events import ComplianceEvent
from vasops.compliance.kpi import importing, rules
from vasops.compliance.kpi.models import KpiDefinition, KpiDirection, KpiPeriod, KpiRecord
from vasops.compliance.kpi.permissions import DEFINE_PERM, RECORD_PERM
from vasops.core import audit, imports, notify
from vasops.core.errors import DomainError
from vasops.core.marks import gettext_noop
from vasops.core.permissions import require
from vasops.partners import queries as partner_queries
from vasops.partners.models import Partner

DEFINITION_FIELDS = ["name", "threshold", "direction", "period", "is_active", "description"]
RECORD_FIELDS = ["partner_id", "definition_id", "period", "value", "threshold", "direction", "met", "note"]


class ImportRefused(imports.ImportRefused):
    """Some rows are bad: nothing was imported; ``errors`` lists them all (core.imports)."""

    def __init__(self, errors: list[imports.RowError]) -> None:
        super().__init__(ComplianceError.KPI_IMPORT_INVALID, errors)


@transaction.atomic(durable=True)
def save_kpi_definition(
    definition: KpiDefinition,
    *,
    actor: Any,
    name: str,
    threshold: int,
    direction: str,
    period: str,
    is_active: bool,
    description: str = "",
    reason: str = "",
) -> KpiDefinition:
    """Staff change an indicator's threshold, direction, period or wording. Records already
    judged keep their verdict (each stored the threshold it was judged against)."""
    require(actor, DEFINE_PERM)
    definition = KpiDefinition.objects.select_for_update().get(pk=definition.pk)
    if direction not in KpiDirection.values:
        raise DomainError(
            ComplianceError.KPI_INVALID_THRESHOLD,
            gettext("达标方向应为“不低于”或“不高于”。"),
            field="direction",
        )
    if period not in KpiPeriod.values:
        raise DomainError(
            ComplianceError.KPI_INVALID_PERIOD, gettext("考核周期应为月或季度。"), field="period"
        )
    problem = rules.threshold_problem(definition.unit, threshold)
    if problem:
        raise DomainError(ComplianceError.KPI_INVALID_THRESHOLD, problem, field="threshold")
    if not (name or "").strip():
        raise DomainError(ComplianceError.KPI_INVALID_THRESHOLD, gettext("请填写指标名称。"), field="name")
    before = audit.snapshot(definition, DEFINITION_FIELDS)
    definition.name = name.strip()
    definition.threshold = threshold
    definition.direction = direction
    definition.period = period
    definition.is_active = is_active
    definition.description = description.strip()
    definition.save()
    audit.record(
        actor=actor,
        action=ComplianceEvent.KPI_DEFINITION_SAVED,
        obj=definition,
        before=before,
        after=audit.snapshot(definition, DEFINITION_FIELDS),
        reason=reason,
    )
    return definition


def _save(
    *,
    actor: Any,
    partner: Partner,
    definition: KpiDefinition,
    period: str,
    value: int,
    note: str,
    source: str,
) -> KpiRecord:
    start, end = rules.period_bounds(definition.period, period)
    met = rules.is_met(definition.direction, definition.threshold, value)
    record = (
        KpiRecord.objects.select_for_update()
        .filter(partner=partner, definition=definition, period=period)
        .first()
    )
    before = audit.snapshot(record, RECORD_FIELDS) if record is not None else None
    if record is None:
        record = KpiRecord(partner=partner, definition=definition, period=period)
    record.period_start, record.period_end = start, end
    record.value = value
    record.threshold = definition.threshold
    record.direction = definition.direction
    record.met = met
    record.note = note
    record.source = source
    record.recorded_by = actor if getattr(actor, "pk", None) else None
    record.save()
    audit.record(
        actor=actor,
        action=ComplianceEvent.KPI_RECORD_SAVED,
        obj=record,
        partner_id=partner.pk,
        before=before,
        after=audit.snapshot(record, RECORD_FIELDS),
    )
    return record


def _tell_partners(records: list[KpiRecord]) -> None:
    """One message per partner listing its results below threshold."""
    by_partner: dict[int, list[KpiRecord]] = {}
    for r in records:
        if not r.met:
            by_partner.setdefault(r.partner_id, []).append(r)
    for items in by_partner.values():
        partner = items[0].partner
        lines = notify.joined(
            notify.text(
                gettext_noop("%(name)s（%(period)s）：%(value)s，门限%(direction)s %(threshold)s"),
                name=r.definition.name,
                period=r.period,
                value=lazy(rules.format_value, str)(r.definition.unit, r.value),
                direction=KpiDirection(r.direction).label,
                threshold=lazy(rules.format_value, str)(r.definition.unit, r.threshold),
            )
            for r in items
        )
        notify.send(
            partner_queries.partner_users(partner),
            subject=notify.text(gettext_noop("KPI 未达标：%(items_count)s 项"), items_count=len(items)),
            body=lines,
            url="/compliance/kpi/my/",
        )


@transaction.atomic(durable=True)
def record_kpi(
    *,
    actor: Any,
    partner: Partner,
    definition: KpiDefinition,
    period: str,
    value: str | int,
    note: str = "",
    source: str = KpiRecord.Source.API,
) -> KpiRecord:
    """O&M staff record one result (the API or the console form); the same partner, indicator
    and period again corrects the earlier value (audited before → after)."""
    require(actor, RECORD_PERM)
    definition = KpiDefinition.objects.get(pk=definition.pk)  # the threshold as it is now
    if not definition.is_active:
        raise DomainError(
            ComplianceError.KPI_UNKNOWN,
            gettext("指标“%(definition_name)s”已停用。") % {"definition_name": definition.name},
            field="kpi",
        )
    try:
        period = rules.normalise_period(definition.period, period)
    except ValueError as exc:
        raise DomainError(ComplianceError.KPI_INVALID_PERIOD, f"{exc}。", field="period") from None
    try:
        number = rules.parse_value(definition.unit, str(value))
    except ValueError as exc:
        raise DomainError(
            ComplianceError.KPI_INVALID_VALUE, gettext("结果值%(exc)s。") % {"exc": exc}, field="value"
        ) from None
    record = _save(
        actor=actor,
        partner=partner,
        definition=definition,
        period=period,
        value=number,
        note=note,
        source=source,
    )
    _tell_partners([record])
    return record


@transaction.atomic(durable=True)
def import_kpi_records(*, actor: Any, upload: Any) -> list[KpiRecord]:
    """Results of many partners from a CSV or .xlsx file: every row validated first; one bad
    row and nothing is imported (:class:`ImportRefused` lists each error with its line)."""
    require(actor, RECORD_PERM)
    sheet = importing.read(upload)  # a bad file: imports.ImportFileError
    rows, errors = importing.validate(sheet)
    if errors:
        raise ImportRefused(errors)
    saved = [
        _save(
            actor=actor,
            partner=row.partner,
            definition=row.definition,
            period=row.period,
            value=row.value,
            note=row.note,
            source=KpiRecord.Source.IMPORT,
        )
        for row in rows
    ]
    _tell_partners(saved)
    return saved
