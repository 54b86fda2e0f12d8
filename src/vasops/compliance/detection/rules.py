"""Pure rules of the detection of unauthorised charging: the default thresholds, the ratios
(integer basis points, ROUND_HALF_UP once), when a figure is a hit. No ORM, no I/O."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext

UNCONFIRMED = "unconfirmed_orders"
UNSUBSCRIBE_24H = "unsubscribe_24h"
UNSUBSCRIBE_72H = "unsubscribe_72h"
COMPLAINTS = "complaints_per_10k"
MONTH_END = "month_end_charges"
GROWTH = "sudden_growth"
NEVER_USED = "never_used_share"

TRAILING_DAYS = 30
MAX_AGE_DAYS = 400  # a run looks back this far at most (CDR retention; a typo'd year is refused)


@dataclass(frozen=True)
class RuleSpec:
    threshold: int
    min_sample: int
    unit: str  # "count", "bp" (basis points of a share), "ratio" (bp of a multiple), "per_10k"
    lag_days: int  # the figure of day D is known at the end of day D + lag
    violation_code: str


# Defaults (seeded by migration 0061, edited by staff on the console; docs/operator-guide.md):
DEFAULT_RULES: dict[str, RuleSpec] = {
    UNCONFIRMED: RuleSpec(1, 0, "count", 0, "no_second_confirmation"),
    UNSUBSCRIBE_24H: RuleSpec(3000, 20, "bp", 1, "unauthorised_order"),
    UNSUBSCRIBE_72H: RuleSpec(5000, 20, "bp", 3, "unauthorised_order"),
    COMPLAINTS: RuleSpec(10, 100, "per_10k", 0, "unauthorised_order"),
    MONTH_END: RuleSpec(2000, 20, "bp", 0, "unauthorised_order"),
    GROWTH: RuleSpec(50000, 20, "ratio", 0, "unauthorised_order"),
    NEVER_USED: RuleSpec(8000, 20, "bp", 0, "unauthorised_order"),
}


def ratio_bp(part: int, whole: int) -> int:
    """``part / whole`` in basis points, rounded half up once; 0 when ``whole`` is 0."""
    if whole <= 0:
        return 0
    return int((Decimal(part) * 10000 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def per_10k(count: int, population: int) -> int:
    return ratio_bp(count, population)  # per 10,000 is the same arithmetic


def growth_bp(today: int, trailing_total: int, days: int = TRAILING_DAYS) -> int | None:
    """Today's count as a multiple of the trailing daily average, in basis points (50000 = 5×);
    None without a baseline (no charges in the trailing window)."""
    if trailing_total <= 0:
        return None
    return int(
        (Decimal(today) * days * 10000 / Decimal(trailing_total)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    )


def day_problem(day: dt.date, today: dt.date) -> str:
    """Why ``day`` cannot be detected now ("" when it can): only finished days, not too old."""
    if day >= today:
        return "只能检测已经结束的日期（今天之前）。"
    if (today - day).days > MAX_AGE_DAYS:
        return f"只能检测最近 {MAX_AGE_DAYS} 天内的日期。"
    return ""


def is_hit(value: int, sample: int, *, threshold: int, min_sample: int) -> bool:
    """A hit: the value reaches the threshold (inclusive) on at least ``min_sample`` cases."""
    return sample >= min_sample and value >= threshold


def is_last_day_of_month(day: dt.date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def cohort_day(run_day: dt.date, metric: str, lag_days: int | None = None) -> dt.date:
    """The day whose figure a run for ``run_day`` computes: the unsubscribe ratios look at the
    users who ordered ``lag`` days earlier, whose 24 h / 72 h window has closed by then."""
    lag = DEFAULT_RULES[metric].lag_days if lag_days is None else lag_days
    return run_day - dt.timedelta(days=lag)


def format_value(metric: str, value: int) -> str:
    """A figure in its unit, in the reader's language (``30.00%``, ``5.00 倍``, ``3 笔``)."""
    unit = DEFAULT_RULES[metric].unit
    if unit == "bp":
        return f"{Decimal(value) / 100:.2f}%"
    if unit == "ratio":
        return gettext("%(n)s 倍") % {"n": f"{Decimal(value) / 10000:.2f}"}
    if unit == "per_10k":
        return gettext("%(n)s 件/万户") % {"n": value}
    return gettext("%(n)s 笔") % {"n": value}
