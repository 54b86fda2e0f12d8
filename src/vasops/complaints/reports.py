"""Complaints dashboard 投诉报表: volume, SLA, categories and refunds for a period.

Definitions (shown on the page): a complaint belongs to the period it was received in
(Asia/Shanghai). The partner's answer is **on time** when given at or before its limit; an answer
still missing after its limit is late; one still within its limit is not yet decided and left out
of the percentage. The same for closure. **Repeat complaints**: reopenings plus complaints about a
user and product complained about before. Refunds are counted in the period they were made.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext

from vasops.complaints import rules
from vasops.complaints.models import Complaint, Refund
from vasops.core import clock
from vasops.core.listing import export_cell

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def valid_month(text: str) -> bool:
    return bool(MONTH.match(text or ""))


def period(month: str | None) -> tuple[dt.date, dt.date, str]:
    """[start, end] days of ``month`` (YYYY-MM), or the last 30 days."""
    if month and valid_month(month):
        start = dt.date(int(month[:4]), int(month[5:]), 1)
        end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        return start, end, gettext("%(year)s 年 %(month)s 月") % {"year": start.year, "month": f"{start:%m}"}
    end = clock.today()
    start = end - dt.timedelta(days=29)
    return (
        start,
        end,
        gettext("最近 30 天（%(start)s 至 %(end)s）")
        % {"start": f"{start:%Y-%m-%d}", "end": f"{end:%Y-%m-%d}"},
    )


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class SlaFigures:
    decided: int = 0
    on_time: int = 0
    pending: int = 0

    @property
    def pct(self) -> float | None:
        return percent(self.on_time, self.decided)


def sla_of(rows: list[tuple[dt.datetime | None, dt.datetime | None]], now: dt.datetime) -> SlaFigures:
    """``rows`` of (due, done) → decided / on time / pending (pure)."""
    out = SlaFigures()
    for due, done in rows:
        if due is None:
            continue
        if done is None and now <= due:
            out.pending += 1
            continue
        out.decided += 1
        if not rules.is_late(due, done, now):
            out.on_time += 1
    return out


@dataclass
class PartnerRow:
    partner: str
    complaints: int = 0
    repeats: int = 0
    answer: SlaFigures = field(default_factory=SlaFigures)
    refunds: int = 0
    refund_fen: int = 0


@dataclass
class Dashboard:
    start: dt.date
    end: dt.date
    label: str
    total: int = 0
    repeats: int = 0
    open_now: int = 0
    overdue_now: int = 0
    by_day: list[tuple[dt.date, int]] = field(default_factory=list)
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_state: list[tuple[str, int]] = field(default_factory=list)
    by_source: list[tuple[str, int]] = field(default_factory=list)
    answer: SlaFigures = field(default_factory=SlaFigures)
    close: SlaFigures = field(default_factory=SlaFigures)
    refunds: int = 0
    refund_fen: int = 0
    partners: list[PartnerRow] = field(default_factory=list)


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    lo = dt.datetime.combine(start, dt.time(), tzinfo=clock.SHANGHAI)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=clock.SHANGHAI)
    return lo, hi


def build(month: str | None = None, *, partner_id: int | None = None) -> Dashboard:
    start, end, label = period(month)
    lo, hi = _bounds(start, end)
    now = clock.now()
    qs = Complaint.objects.filter(created_at__gte=lo, created_at__lt=hi)
    refunds = Refund.objects.filter(refunded_on__gte=start, refunded_on__lte=end)
    if partner_id is not None:
        qs = qs.filter(partner_id=partner_id)
        refunds = refunds.filter(partner_id=partner_id)
    d = Dashboard(start=start, end=end, label=label)
    rows = list(
        qs.values_list(
            "created_at",
            "category",
            "state",
            "source",
            "partner_id",
            "partner__name",
            "reopen_count",
            "repeat_of_id",
            "answer_due_at",
            "answered_at",
            "close_due_at",
            "closed_at",
        )
    )
    days: Counter[dt.date] = Counter()
    cats: Counter[str] = Counter()
    states: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    per_partner: dict[str, PartnerRow] = {}
    answer_rows: list[Any] = []
    close_rows: list[Any] = []
    partner_answer: dict[str, list[Any]] = {}
    for created, cat, state, source, pid, pname, reopens, repeat_of, a_due, a_done, c_due, c_done in rows:
        d.total += 1
        days[clock.local_date(created)] += 1
        cats[cat] += 1
        states[state] += 1
        sources[source] += 1
        repeats = reopens + (1 if repeat_of else 0)
        d.repeats += repeats
        if state in rules.OPEN_STATES:
            d.open_now += 1
            if (state == rules.DISPATCHED and a_due and now > a_due) or (c_due and now > c_due):
                d.overdue_now += 1
        answer_rows.append((a_due, a_done))
        close_rows.append((c_due, c_done))
        if pid is not None:
            row = per_partner.setdefault(pname, PartnerRow(partner=pname))
            row.complaints += 1
            row.repeats += repeats
            partner_answer.setdefault(pname, []).append((a_due, a_done))
    d.answer = sla_of(answer_rows, now)
    d.close = sla_of(close_rows, now)
    for name, items in partner_answer.items():
        per_partner[name].answer = sla_of(items, now)
    for pname, n, total in refunds.values_list("partner__name").annotate(
        n=Count("id"), total=Sum("amount_fen")
    ):
        row = per_partner.setdefault(pname, PartnerRow(partner=pname))
        row.refunds, row.refund_fen = n, int(total or 0)
        d.refunds += n
        d.refund_fen += int(total or 0)
    day = start
    while day <= end:
        d.by_day.append((day, days.get(day, 0)))
        day += dt.timedelta(days=1)
    d.by_category = [(str(label_), cats.get(value, 0)) for value, label_ in Complaint.Category.choices]
    d.by_state = [(str(label_), states.get(value, 0)) for value, label_ in Complaint.State.choices]
    d.by_source = [(str(label_), sources.get(value, 0)) for value, label_ in Complaint.Source.choices]
    d.partners = sorted(per_partner.values(), key=lambda r: (-r.complaints, r.partner))
    return d


def open_overdue_count() -> int:
    now = clock.now()
    return Complaint.objects.filter(
        Q(state=rules.DISPATCHED, answer_due_at__lt=now)
        | Q(state__in=rules.OPEN_STATES, close_due_at__lt=now)
    ).count()


def to_xlsx(d: Dashboard) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("概况")
    ws.append(["统计期间", d.label])
    for label, value in [
        ("投诉量", d.total),
        ("重复投诉", d.repeats),
        ("当前未办结", d.open_now),
        ("当前超时", d.overdue_now),
        ("合作伙伴按时答复率 %", d.answer.pct if d.answer.pct is not None else "—"),
        ("按时办结率 %", d.close.pct if d.close.pct is not None else "—"),
        ("退费笔数", d.refunds),
        ("退费金额（元）", f"{d.refund_fen / 100:.2f}"),
    ]:
        ws.append([label, value])
    ws = wb.create_sheet("按日")
    ws.append(["日期", "投诉量"])
    for day, n in d.by_day:
        ws.append([day.isoformat(), n])
    ws = wb.create_sheet("按类别")
    ws.append(["类别", "投诉量"])
    for label, n in d.by_category:
        ws.append([label, n])
    ws = wb.create_sheet("按合作伙伴")
    ws.append(
        [
            "合作伙伴",
            "投诉量",
            "重复投诉",
            "答复已判定",
            "按时答复",
            "按时答复率 %",
            "退费笔数",
            "退费金额（元）",
        ]
    )
    for r in d.partners:
        ws.append(
            [
                export_cell(r.partner),
                r.complaints,
                r.repeats,
                r.answer.decided,
                r.answer.on_time,
                r.answer.pct if r.answer.pct is not None else "—",
                r.refunds,
                f"{r.refund_fen / 100:.2f}",
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
