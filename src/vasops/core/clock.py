"""The business clock. Every date a rule depends on comes from here.

``VASOPS_TODAY`` (DEBUG or tests only) freezes the date; tests use :func:`frozen`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")
_frozen: list[dt.date] = []


def now() -> dt.datetime:
    """Aware UTC 'now'; with a frozen date, that date at the current Shanghai wall time."""
    real = timezone.now()
    frozen_day = _frozen_day()
    if frozen_day is None:
        return real
    local = real.astimezone(SHANGHAI)
    return dt.datetime.combine(frozen_day, local.timetz()).astimezone(dt.UTC)


def today() -> dt.date:
    frozen_day = _frozen_day()
    if frozen_day is not None:
        return frozen_day
    return timezone.now().astimezone(SHANGHAI).date()


def _frozen_day() -> dt.date | None:
    if _frozen:
        return _frozen[-1]
    value = getattr(settings, "VASOPS_TODAY", None)
    if value:
        return dt.date.fromisoformat(value)
    return demo_day()


def demo_day() -> dt.date | None:
    """Demo only (DEBUG): the date set on the console's demo-clock page, kept in a file."""
    path = getattr(settings, "VASOPS_DEMO_CLOCK_FILE", None)
    if not path:
        return None
    try:
        text = open(path, encoding="ascii").read().strip()  # noqa: SIM115
    except FileNotFoundError:
        return None
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def set_demo_day(day: dt.date | None) -> None:
    path = getattr(settings, "VASOPS_DEMO_CLOCK_FILE", None)
    if not path:
        raise RuntimeError("the demo clock is only available with DEBUG=1")
    with open(path, "w", encoding="ascii") as fh:
        fh.write(day.isoformat() if day else "")


@contextlib.contextmanager
def frozen(day: dt.date | str) -> Iterator[dt.date]:
    """Freeze the business date (tests)."""
    d = dt.date.fromisoformat(day) if isinstance(day, str) else day
    _frozen.append(d)
    try:
        yield d
    finally:
        _frozen.pop()


def end_of_day(day: dt.date) -> dt.datetime:
    """The last instant of ``day`` in Asia/Shanghai, as an aware datetime."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=SHANGHAI)


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SHANGHAI).date()
