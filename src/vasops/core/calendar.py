"""Working days from the ``WorkCalendar`` table (seeded from chinesecalendar / holidays)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from vasops.core import clock, rules
from vasops.core.models import WorkCalendar

# the years a calendar can be kept for (the console page and the API refuse others)
MIN_YEAR = 2000
MAX_YEAR = 2100

_cache_version = [0]


def invalidate() -> None:
    _cache_version[0] += 1
    _year.cache_clear()


@lru_cache(maxsize=64)
def _year(year: int) -> dict[dt.date, bool]:
    return dict(WorkCalendar.objects.filter(date__year=year).values_list("date", "is_working_day"))


def is_working_day(day: dt.date) -> bool:
    days = _year(day.year)
    if day in days:
        return days[day]
    return rules.default_is_working(day)


def add_working_days(start: dt.date, n: int) -> dt.date:
    return rules.add_working_days(start, n, is_working_day)


def working_days_between(start: dt.date, end: dt.date) -> int:
    return rules.working_days_between(start, end, is_working_day)


def deadline_after(start: dt.date, working_days: int) -> dt.datetime:
    """End of the working day that is ``working_days`` after ``start`` (Asia/Shanghai)."""
    return clock.end_of_day(add_working_days(start, working_days))


def remaining_working_days(due: dt.datetime) -> int:
    return working_days_between(clock.today(), clock.local_date(due))


def years_present() -> list[int]:
    return sorted({d.year for d in WorkCalendar.objects.dates("date", "year")})


def missing_next_year() -> int | None:
    """The next calendar year if it is not seeded yet (staff are alerted)."""
    nxt = clock.today().year + 1
    if not WorkCalendar.objects.filter(date__year=nxt).exists():
        return nxt
    return None


def generate_year(year: int) -> list[WorkCalendar]:
    """Rows for ``year``: chinesecalendar where it knows the year, else the ``holidays``
    package (official holidays, no make-up days) plus weekends."""
    import chinese_calendar
    import holidays as holidays_pkg

    rows = []
    day = dt.date(year, 1, 1)
    cn_holidays = holidays_pkg.country_holidays("CN", years=year, language="zh_CN")
    while day.year == year:
        try:
            working = bool(chinese_calendar.is_workday(day))
            _, name = chinese_calendar.get_holiday_detail(day)
            note = _chinese_holiday_name(name)
            if working and day.weekday() >= 5:
                note = f"调休上班{('（' + note + '）') if note else ''}"
            source = WorkCalendar.Source.CHINESECALENDAR
        except NotImplementedError:
            holiday_name = cn_holidays.get(day)
            working = day.weekday() < 5 and holiday_name is None
            note = str(holiday_name or "")
            source = WorkCalendar.Source.HOLIDAYS
        rows.append(WorkCalendar(date=day, is_working_day=working, note=note, source=source))
        day += dt.timedelta(days=1)
    return rows


def _chinese_holiday_name(name: object) -> str:
    """chinesecalendar names holidays in English ("Spring Festival"); show the Chinese name."""
    import chinese_calendar

    if not name:
        return ""
    try:
        return str(chinese_calendar.Holiday(name).chinese)
    except ValueError:
        return str(name)


def seed_years(years: list[int], *, overwrite: bool = False) -> int:
    created = 0
    for year in years:
        existing = set(WorkCalendar.objects.filter(date__year=year).values_list("date", flat=True))
        rows = [r for r in generate_year(year) if overwrite or r.date not in existing]
        if overwrite:
            WorkCalendar.objects.filter(
                date__year=year,
                source__in=[WorkCalendar.Source.CHINESECALENDAR, WorkCalendar.Source.HOLIDAYS],
            ).delete()
            manual = set(WorkCalendar.objects.filter(date__year=year).values_list("date", flat=True))
            rows = [r for r in rows if r.date not in manual]
        WorkCalendar.objects.bulk_create(rows, ignore_conflicts=True)
        created += len(rows)
    invalidate()
    return created
