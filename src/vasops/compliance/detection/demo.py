"""Demo data of the detection (called by ``seed_demo``): on one of the contracted partner's live
monthly products, 25 users ordered on 2027-01-02 of whom 20 unsubscribed within hours, and three
WAP orders on 2027-01-03 that skipped the 二次确认 — then the run of 2027-01-03 records the hits.

The run here takes only the figures read from PostgreSQL (``metrics.unsubscribe_ratio`` and
``metrics.unconfirmed_orders``), so seeding the demo writes no CDR Parquet files; the worker's
daily job reads the export as usual."""

from __future__ import annotations

import datetime as dt
from typing import Any

from vasops.compliance.detection import actions, metrics, rules
from vasops.compliance.detection.models import DetectionRun
from vasops.core import clock
from vasops.vac import actions as vac

RUN_DAY = dt.date(2027, 1, 3)


def seed_detection_hits(products: list[Any], *, today: dt.date) -> DetectionRun | None:
    live = [p for p in products if p.state == "active" and p.billing_mode == "monthly" and p.fee_fen > 0]
    if not live:
        return None
    product = live[0]
    cohort = RUN_DAY - dt.timedelta(days=1)
    start = dt.datetime.combine(cohort, dt.time(9, 0), tzinfo=clock.SHANGHAI)
    for i in range(25):
        msisdn = f"1860272{i:04d}"
        when = start + dt.timedelta(minutes=13 * i)
        vac.subscribe(actor="crm", msisdn=msisdn, product=product, channel="crm", now=when)
        if i < 20:
            vac.unsubscribe(
                actor="crm", msisdn=msisdn, product=product, now=when + dt.timedelta(hours=2 + i % 5)
            )
    later = dt.datetime.combine(RUN_DAY, dt.time(20, 0), tzinfo=clock.SHANGHAI)
    for i in range(3):
        vac.subscribe(
            actor="gateway",
            msisdn=f"1860273{i:04d}",
            product=product,
            channel="wap",
            confirmed_upstream=True,  # the SP's page said it had asked: VAC never did
            now=later + dt.timedelta(minutes=i),
        )
    findings = metrics.unsubscribe_ratio(cohort, 24, rules.UNSUBSCRIBE_24H) + metrics.unconfirmed_orders(
        RUN_DAY
    )
    with clock.frozen(today):
        return actions.record_detection(actor=actions.SYSTEM, run_day=RUN_DAY, findings=findings)
