"""Running a computation in the background. ``start_run`` queues a draft run; after its commit
``launch`` computes it in a thread of the web process (``VASOPS_SETTLEMENT_RUNNER=thread``, the
default), right away (``inline``: tests, commands) or leaves it to the worker
(``worker``: ``manage.py run_sweeps`` picks it up within a minute). Whoever computes first claims
the run (a lease renewed with every progress step), so a crashed computation is taken up again by
the worker sweep once its lease expires; the lines are written in one transaction with the
completion, so a crash never leaves half a run."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q

from vasops.core import clock, notify
from vasops.core.errors import DomainError
from vasops.core.marks import gettext_noop
from vasops.settlement import engine, inputs
from vasops.settlement.models import SettlementRun

log = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=10)


def runner_mode() -> str:
    return str(getattr(settings, "VASOPS_SETTLEMENT_RUNNER", "thread") or "thread")


def launch(run_id: int) -> None:
    mode = runner_mode()
    if mode == "inline":
        execute(run_id)
    elif mode == "thread":
        threading.Thread(
            target=_in_thread, args=(run_id,), name=f"settlement-run-{run_id}", daemon=True
        ).start()
    # "worker": the sweep computes it


def _in_thread(run_id: int) -> None:
    try:
        execute(run_id)
    finally:
        connection.close()


def claim(run_id: int) -> bool:
    """Take the run if it is a draft nobody holds (or whose holder's lease ran out)."""
    now = clock.now()
    return bool(
        SettlementRun.objects.filter(pk=run_id, state=SettlementRun.State.DRAFT)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - LEASE))
        .update(claimed_at=now, progress=1, progress_note="已开始")
    )


def progress(run_id: int, percent: int, note: str) -> None:
    SettlementRun.objects.filter(pk=run_id, state=SettlementRun.State.DRAFT).update(
        progress=percent, progress_note=note[:200], claimed_at=clock.now()
    )


def execute(run_id: int) -> bool:
    """Compute one run end to end; False if someone else holds it."""
    from vasops.settlement import actions

    if not claim(run_id):
        return False
    run = SettlementRun.objects.get(pk=run_id)
    durations: dict[str, int] = {}
    started = time.perf_counter()
    try:
        progress(run_id, 5, "检查话单导出并计算文件校验和")
        t0 = time.perf_counter()
        run_inputs, manifest = inputs.collect(run.month)
        durations["inputs"] = int((time.perf_counter() - t0) * 1000)
        progress(run_id, 30, f"{run.get_engine_display()} 计算中（{manifest['cdr_rows']} 条话单）")
        t0 = time.perf_counter()
        table = engine.compute(run_inputs, run.engine)
        durations["compute"] = int((time.perf_counter() - t0) * 1000)
        progress(run_id, 80, f"写入 {table.num_rows} 条结算明细")
        durations["before_write"] = int((time.perf_counter() - started) * 1000)
        actions.record_computation(run_id=run_id, table=table, manifest=manifest, durations_ms=durations)
        return True
    except DomainError as exc:
        actions.record_failure(run_id=run_id, message=exc.message)
    except Exception as exc:
        log.exception("settlement run %s failed", run_id)
        actions.record_failure(
            run_id=run_id,
            message=notify.text(gettext_noop("计算出错：%(error)s"), error=f"{type(exc).__name__}: {exc}"),
        )
    return True


def sweep() -> dict[str, Any]:
    """Worker: compute the queued runs, and the ones whose computation died (lease expired)."""
    due = list(
        SettlementRun.objects.filter(state=SettlementRun.State.DRAFT)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=clock.now() - LEASE))
        .values_list("pk", flat=True)
    )
    done = [pk for pk in due if execute(pk)]
    return {"computed": len(done)}
