"""Work-order SLA report 工单时限报表: per type and priority, for a period.

The figures are computed by pure functions over stage rows (``StageFact``); only
``stage_facts`` reads the database. Definitions (shown on the page):

- a stage is **on time** when it finished at or before its due instant (exactly at ``due_at``
  is on time); an unfinished stage whose due instant has passed counts as late; an unfinished
  stage still within its time is not yet decided and left out of the percentage;
- a work order is on time **overall** when every one of its stages finished on time; it is
  late as soon as one stage is late; otherwise undecided;
- **handling time** is counted in **working days** (calendar of core.calendar): the working days
  in (start date, finish date], Asia/Shanghai — a stage finished on the day it started is 0;
- **p90** is the nearest-rank 90th percentile: the ⌈0.9·n⌉-th smallest value;
- **overdue now**: active work orders with an unfinished stage past its due instant.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext

from vasops.core import calendar, clock
from vasops.core.listing import export_cell
from vasops.core.marks import gettext_noop
from vasops.workorders import rules

CountDays = Callable[[dt.date, dt.date], int]


@dataclass(frozen=True)
class StageFact:
    work_order_id: int
    type: str
    priority: str
    stage: str
    started_at: dt.datetime
    due_at: dt.datetime
    finished_at: dt.datetime | None = None
    active: bool = True  # the work order is open / in progress


@dataclass
class StageStats:
    stage: str
    label: str
    count: int = 0
    decided: int = 0
    on_time: int = 0
    mean_days: float | None = None
    p90_days: float | None = None

    @property
    def on_time_pct(self) -> float | None:
        return percent(self.on_time, self.decided)


@dataclass
class GroupStats:
    type: str
    priority: str
    work_orders: int = 0
    decided: int = 0
    on_time: int = 0
    overdue_now: int = 0
    stages: list[StageStats] = field(default_factory=list)

    @property
    def type_label(self) -> str:
        return str(rules.TYPE_LABELS.get(self.type, self.type))

    @property
    def priority_label(self) -> str:
        return str(rules.PRIORITY_LABELS.get(self.priority, self.priority))

    @property
    def on_time_pct(self) -> float | None:
        return percent(self.on_time, self.decided)


def percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, 1)


def stage_on_time(fact: StageFact, now: dt.datetime) -> bool | None:
    """True/False once decided; None while an unfinished stage is still within its time."""
    if fact.finished_at is not None:
        return fact.finished_at <= fact.due_at
    if now > fact.due_at:
        return False
    return None


def handling_days(fact: StageFact, count_days: CountDays) -> int | None:
    if fact.finished_at is None:
        return None
    return count_days(clock.local_date(fact.started_at), clock.local_date(fact.finished_at))


def mean(values: Sequence[float]) -> float | None:
    return None if not values else round(sum(values) / len(values), 2)


def p90(values: Sequence[float]) -> float | None:
    """Nearest-rank 90th percentile (the ⌈0.9·n⌉-th smallest)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def _stage_order(type_: str, priority: str) -> list[tuple[str, str]]:
    try:
        return [(s.code, s.label) for s in rules.stage_plan(type_, priority)]
    except ValueError:
        return []


def sla_report(facts: Iterable[StageFact], *, now: dt.datetime, count_days: CountDays) -> list[GroupStats]:
    """Aggregate stage rows per (type, priority), in the order of rules.TYPES × rules.PRIORITIES."""
    by_group: dict[tuple[str, str], list[StageFact]] = defaultdict(list)
    for f in facts:
        by_group[(f.type, f.priority)].append(f)
    order = {
        (t, p): i for i, (t, p) in enumerate((t, p) for t, _ in rules.TYPES for p, _ in rules.PRIORITIES)
    }
    result = []
    for (type_, priority), group_facts in sorted(by_group.items(), key=lambda kv: order.get(kv[0], 999)):
        g = GroupStats(type=type_, priority=priority)
        per_wo: dict[int, list[StageFact]] = defaultdict(list)
        for f in group_facts:
            per_wo[f.work_order_id].append(f)
        g.work_orders = len(per_wo)
        for wo_facts in per_wo.values():
            verdicts = [stage_on_time(f, now) for f in wo_facts]
            if False in verdicts:
                g.decided += 1
            elif all(v is True for v in verdicts) and all(f.finished_at is not None for f in wo_facts):
                g.decided += 1
                g.on_time += 1
            if any(f.active and f.finished_at is None and now > f.due_at for f in wo_facts):
                g.overdue_now += 1
        labels = _stage_order(type_, priority)
        seen = {code for code, _ in labels}
        labels += [(f.stage, f.stage) for f in group_facts if f.stage not in seen]
        for code, label in dict(labels).items():
            rows = [f for f in group_facts if f.stage == code]
            if not rows:
                continue
            s = StageStats(stage=code, label=label, count=len(rows))
            for f in rows:
                verdict = stage_on_time(f, now)
                if verdict is not None:
                    s.decided += 1
                    s.on_time += int(verdict)
            days = [float(d) for f in rows if (d := handling_days(f, count_days)) is not None]
            s.mean_days, s.p90_days = mean(days), p90(days)
            g.stages.append(s)
        result.append(g)
    return result


# --- period ----------------------------------------------------------------------------------


def valid_month(month: str) -> bool:
    """ "YYYY-MM" naming a real month (2026-11 yes; 2026-13, 2026-1, 11/2026 no)."""
    if len(month) != 7 or month[4] != "-" or not (month[:4] + month[5:]).isdigit():
        return False
    return 1 <= int(month[5:]) <= 12 and int(month[:4]) >= 1


def period_for(month: str | None, today: dt.date) -> tuple[dt.date, dt.date, str]:
    """``month`` "YYYY-MM" → that calendar month; otherwise the last 30 days up to today."""
    if month:
        try:
            first = dt.date.fromisoformat(f"{month}-01")
        except ValueError:
            first = None
        if first is not None:
            nxt = (
                dt.date(first.year + 1, 1, 1)
                if first.month == 12
                else dt.date(first.year, first.month + 1, 1)
            )
            return (
                first,
                nxt - dt.timedelta(days=1),
                (gettext("%(year)s 年 %(month)s 月") % {"year": first.year, "month": first.month}),
            )
    start = today - dt.timedelta(days=29)
    return start, today, gettext("最近 30 天（%(start)s 至 %(end)s）") % {"start": start, "end": today}


# --- the database side -----------------------------------------------------------------------


def stage_facts(start: dt.date, end: dt.date) -> list[StageFact]:
    """Stage rows of work orders created in [start, end] (Asia/Shanghai dates)."""
    from vasops.workorders.models import WorkOrderStage

    lo = dt.datetime.combine(start, dt.time.min, tzinfo=clock.SHANGHAI)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=clock.SHANGHAI)
    rows = WorkOrderStage.objects.filter(
        work_order__created_at__gte=lo, work_order__created_at__lt=hi
    ).values_list(
        "work_order_id",
        "work_order__type",
        "work_order__priority",
        "stage",
        "started_at",
        "due_at",
        "finished_at",
        "work_order__state",
    )
    return [
        StageFact(
            work_order_id=wo,
            type=t,
            priority=p,
            stage=st,
            started_at=s,
            due_at=d,
            finished_at=f,
            active=state in rules.ACTIVE_STATES,
        )
        for wo, t, p, st, s, d, f, state in rows
    ]


def build(month: str | None = None, *, now: dt.datetime | None = None) -> tuple[list[GroupStats], str]:
    now = now or clock.now()
    start, end, label = period_for(month, clock.local_date(now))
    return sla_report(stage_facts(start, end), now=now, count_days=calendar.working_days_between), label


def chart_data(groups: list[GroupStats]) -> dict[str, object]:
    """Chart.js data: overall on-time % per type/priority, plus each stage's on-time %."""
    labels = [f"{g.type_label}·{g.priority_label}" for g in groups]
    stage_codes = [rules.APPROVAL, rules.NETWORK, rules.IMPLEMENTATION]
    datasets = [{"label": "整体按时率 %", "data": [g.on_time_pct for g in groups]}]
    for code in stage_codes:
        data = [next((s.on_time_pct for s in g.stages if s.stage == code), None) for g in groups]
        datasets.append({"label": f"{rules.STAGE_LABELS[code]}按时率 %", "data": data})
    return {"labels": labels, "datasets": datasets}


# the export's column headers, in the language of the download (gettext where used)
HEADER = [
    gettext_noop("类型"),
    gettext_noop("优先级"),
    gettext_noop("工单数"),
    gettext_noop("整体按时率%"),
    gettext_noop("当前超期"),
    gettext_noop("环节"),
    gettext_noop("环节数"),
    gettext_noop("已判定"),
    gettext_noop("按时"),
    gettext_noop("环节按时率%"),
    gettext_noop("平均处理（工作日）"),
    gettext_noop("P90 处理（工作日）"),
]


def table_rows(groups: list[GroupStats]) -> list[list[object]]:
    out: list[list[object]] = []
    for g in groups:
        head: list[object] = [g.type_label, g.priority_label, g.work_orders, g.on_time_pct, g.overdue_now]
        for s in g.stages or [StageStats(stage="", label="")]:
            out.append(
                [*head, s.label, s.count, s.decided, s.on_time, s.on_time_pct, s.mean_days, s.p90_days]
            )
    return out


def to_xlsx(groups: list[GroupStats], period_label: str) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = gettext("工单时限报表")
    ws.append(
        [
            export_cell(
                gettext("统计期间：%(period_label)s；处理时长单位：工作日") % {"period_label": period_label}
            )
        ]
    )
    ws.append([export_cell(gettext(h)) for h in HEADER])
    for row in table_rows(groups):  # text cells through the one export rule (core.listing)
        ws.append([export_cell(v) if isinstance(v, str) else ("" if v is None else v) for v in row])  # type: ignore[misc]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
