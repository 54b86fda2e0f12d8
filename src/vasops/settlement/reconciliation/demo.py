"""The demo's reconciliation (``seed_demo`` calls :func:`seed_reconciliation`): the partner's
December 2026 request, uploaded from the exported CDRs with two differences (one day counted
once more by the partner, one day it left out) and a CDR detail for the disputed day; one
dispute pending with finance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from vasops.core import clock

MONTH = dt.date(2026, 12, 1)
DEMO_TODAY = dt.date(2027, 1, 5)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def export_month(month: dt.date = MONTH) -> int:
    """Write the month's CDR Parquet (one file per Shanghai business day), as the nightly export
    does; returns the number of CDRs."""
    from vasops.settlement.reconciliation import rules
    from vasops.vac import export

    return sum(export.export_day(day).rows for day in rules.month_days(month))


def seed_reconciliation(partner: Any, partner_user: Any) -> Any:
    """An open reconciliation of ``partner`` for December 2026 with one pending dispute."""
    from vasops.settlement.reconciliation import actions, diff, queries, rules
    from vasops.vac.models import UsageRecord

    export_month()
    codes = {pk: code for code, pk in queries.own_products(partner).items()}
    ours = diff.our_summary(partner.pk, rules.month_days(MONTH))
    lines = sorted((day, pid, row) for (day, pid), row in ours.items() if pid in codes)
    if len(lines) < 3:
        return None
    per_use = [x for x in lines if x[2].count > 1 and x[2].fee_fen // x[2].count < 300]
    disputed = per_use[len(per_use) // 2] if per_use else lines[len(lines) // 2]
    left_out = lines[-1] if lines[-1] is not disputed else lines[0]
    fee_each = disputed[2].fee_fen // max(disputed[2].count, 1)
    summary = ["日期,产品代码,条数,金额（分）"]
    for day, pid, row in lines:
        if (day, pid) == (left_out[0], left_out[1]):
            continue
        count, fee = row.count, row.fee_fen
        if (day, pid) == (disputed[0], disputed[1]):
            count, fee = count + 1, fee + fee_each
        summary.append(f"{day},{codes[pid]},{count},{fee}")
    day, pid = disputed[0], disputed[1]
    start = dt.datetime.combine(day, dt.time(), tzinfo=clock.SHANGHAI)
    detail = ["话单编号,手机号码,产品代码,金额（分）,时间"]
    for cdr_id, msisdn, fee, at in UsageRecord.objects.filter(
        partner=partner, product_id=pid, at__gte=start, at__lt=start + dt.timedelta(days=1)
    ).values_list("cdr_id", "msisdn", "fee_fen", "at"):
        detail.append(
            f"{cdr_id},{msisdn},{codes[pid]},{fee},{at.astimezone(clock.SHANGHAI):%Y-%m-%d %H:%M:%S}"
        )
    detail.append(f"SP{day:%Y%m%d}0001,18602719999,{codes[pid]},{fee_each},{day} 21:15:00")
    with clock.frozen(DEMO_TODAY):
        rec = actions.open_reconciliation(actor=partner_user, month=MONTH, note="2026 年 12 月结算对账")
        rec = actions.upload_records(
            rec,
            actor=partner_user,
            summary=SimpleUploadedFile("星云科技-2026-12-对账汇总.csv", "\n".join(summary).encode("gbk")),
            detail=SimpleUploadedFile("星云科技-2026-12-话单明细.csv", "\n".join(detail).encode("utf-8")),
        )
        line = rec.lines.get(day=day, product_id=pid)
        actions.raise_dispute(
            line,
            actor=partner_user,
            reason=f"平台 {day:%m 月 %d 日}记录 {line.their_count} 条，"
            f"比贵方多 1 条（话单 SP{day:%Y%m%d}0001），"
            "见附件平台日志截图。",
            evidence=[SimpleUploadedFile("平台日志.pdf", PDF, content_type="application/pdf")],
        )
    return rec
