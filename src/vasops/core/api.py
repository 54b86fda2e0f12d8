"""Core REST routes: the working-day calendar (used by partners' and gateways' schedulers)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Field, Router, Schema

from vasops.core import calendar, clock
from vasops.core.errors import CoreError, DomainError
from vasops.core.models import WorkCalendar

router = Router(tags=["calendar"])


class CalendarDayOut(Schema):
    date: dt.date
    is_working_day: bool = Field(description="工作日（含调休上班）为 true")
    note: str = Field(description="节假日名称或“调休上班”")
    source: str


class WorkingDaysOut(Schema):
    start: dt.date
    working_days: int
    due_date: dt.date = Field(description="start 之后第 n 个工作日")
    due_at: dt.datetime = Field(description="该工作日结束时刻（Asia/Shanghai 23:59:59）")


class TodayOut(Schema):
    today: dt.date = Field(description="业务日期（Asia/Shanghai）")
    is_working_day: bool


@router.get("/calendar/today", response=TodayOut, summary="当前业务日期")
def today(request: HttpRequest) -> TodayOut:
    day = clock.today()
    return TodayOut(today=day, is_working_day=calendar.is_working_day(day))


@router.get("/calendar/{year}", response=list[CalendarDayOut], summary="某年的工作日历")
def calendar_year(request: HttpRequest, year: int) -> list[WorkCalendar]:
    if not calendar.MIN_YEAR <= year <= calendar.MAX_YEAR:
        raise DomainError(
            CoreError.VALIDATION,
            gettext("年份须在 %(min_year)s–%(max_year)s 之间。")
            % {"min_year": calendar.MIN_YEAR, "max_year": calendar.MAX_YEAR},
            field="year",
        )
    rows = list(WorkCalendar.objects.filter(date__year=year).order_by("date"))
    if not rows:
        raise DomainError(
            CoreError.CALENDAR_MISSING,
            gettext("尚未维护 %(year)s 年的工作日历。") % {"year": year},
            status=404,
        )
    return rows


@router.get("/calendar/working-days/add", response=WorkingDaysOut, summary="加 n 个工作日")
def add_working_days(
    request: HttpRequest, start: dt.date, n: Annotated[int, Field(ge=0, le=365)]
) -> WorkingDaysOut:
    if not calendar.MIN_YEAR <= start.year <= calendar.MAX_YEAR:
        raise DomainError(
            CoreError.VALIDATION,
            gettext("start 须在 %(min_year)s–%(max_year)s 年之间。")
            % {"min_year": calendar.MIN_YEAR, "max_year": calendar.MAX_YEAR},
            field="start",
        )
    if not 0 <= n <= 365:
        raise DomainError(CoreError.VALIDATION, gettext("n 须在 0–365 之间。"), field="n")
    due = calendar.add_working_days(start, n)
    return WorkingDaysOut(start=start, working_days=n, due_date=due, due_at=clock.end_of_day(due))


routers = [("", router)]
