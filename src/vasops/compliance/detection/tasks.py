"""The daily detection job (run by the worker's sweep and ``manage.py detect_charging``)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from vasops.compliance.detection import actions, metrics, rules
from vasops.compliance.detection.models import DetectionRun
from vasops.compliance.errors import ComplianceError
from vasops.core import clock
from vasops.core.errors import DomainError
from vasops.vac import export

log = logging.getLogger(__name__)

CATCH_UP_DAYS = 7  # a worker that was down catches up this many days, oldest first


def ensure_cdr_export(run_day: dt.date, root: Path | None = None) -> list[dt.date]:
    """Export the CDR days the run reads that have no Parquet file yet (finished days only)."""
    written = []
    for day in metrics.needed_cdr_days(run_day):
        if day < clock.today() and not (export.day_dir(day, root) / "part-0.parquet").exists():
            export.export_day(day, root=root)
            written.append(day)
    return written


def run_detection(day: dt.date, *, actor: Any = actions.SYSTEM, root: Path | None = None) -> DetectionRun:
    """Compute the figures of ``day`` (read-only) and record the run (one transaction)."""
    problem = rules.day_problem(day, clock.today())  # refused before anything is exported
    if problem:
        raise DomainError(ComplianceError.DETECTION_INVALID_DAY, problem, field="day")
    ensure_cdr_export(day, root)
    findings = metrics.compute(day, root=root)
    return actions.record_detection(actor=actor, run_day=day, findings=findings)


def run_due() -> dict[str, int]:
    """The sweep: every finished day of the last ``CATCH_UP_DAYS`` without a run (idempotent:
    a day already run is skipped)."""
    today = clock.today()
    days = [today - dt.timedelta(days=n) for n in range(CATCH_UP_DAYS, 0, -1)]
    done = set(
        DetectionRun.objects.filter(day__in=days, finished_at__isnull=False).values_list("day", flat=True)
    )
    hits = ran = 0
    for day in days:
        if day in done:
            continue
        run = run_detection(day)
        ran += 1
        hits += run.hits
    return {"days": ran, "hits": hits}
