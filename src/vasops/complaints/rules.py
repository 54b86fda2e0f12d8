"""Pure rules of customer complaints (no ORM, no I/O).

Seed: 《湖北联通增值业务合作管理办法》客户服务管理——"对于用户咨询和投诉实行首问负责制……对于只能由
合作方客服解决的投诉，将通过工单直接流转给合作方，限期解决后由湖北联通客服座席答复用户。"
The time limits are in **working hours**: the clock runs through the whole of every working day
(Asia/Shanghai, 00:00–24:00, per ``core.calendar``: official holidays stop it, make-up working
days run it) and stands still on the other days. Defaults: the partner answers within 24 working
hours, the complaint is closed within 48 (settings ``VASOPS_COMPLAINT_ANSWER_HOURS`` /
``VASOPS_COMPLAINT_CLOSE_HOURS``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext

from vasops.core.marks import gettext_noop

IsWorkingDay = Callable[[dt.date], bool]

CLAUSE = gettext_noop("《增值业务合作管理办法》客户服务管理：首问负责制，工单流转合作方限期解决")

DEFAULT_ANSWER_HOURS = 24
DEFAULT_CLOSE_HOURS = 48
# a refund is the charged amount × this (basis points); an upheld unauthorised ordering pays double
BASIS_POINTS = 10_000
DEFAULT_REFUND_BP = 10_000
DEFAULT_UNAUTHORISED_REFUND_BP = 20_000

# --- categories ----------------------------------------------------------------------------
UNAUTHORISED_ORDER = "unauthorised_order"
CHARGE_DISPUTE = "charge_dispute"
CONTENT = "content"
CANNOT_UNSUBSCRIBE = "cannot_unsubscribe"
OTHER = "other"

# --- states --------------------------------------------------------------------------------
RECEIVED = "received"  # 已受理，待派单
DISPATCHED = "dispatched"  # 已派单，待合作伙伴答复
ANSWERED = "answered"  # 合作伙伴已答复，待客服回复用户
CLOSED = "closed"  # 已办结
OPEN_STATES = frozenset({RECEIVED, DISPATCHED, ANSWERED})
# "closed" keeps the family the work orders gave it (grey: finished)
STATE_FAMILIES = {RECEIVED: "action", DISPATCHED: "waiting", ANSWERED: "action"}

# --- SLA -----------------------------------------------------------------------------------
ONE_DAY = dt.timedelta(days=1)


def add_working_hours(start: dt.datetime, hours: int, is_working: IsWorkingDay, tz: dt.tzinfo) -> dt.datetime:
    """The instant ``hours`` working hours after ``start`` (aware). Only the hours of working days
    (in ``tz``) count; a start on a non-working day begins counting at the next working day's
    00:00. The answer is aware, in ``tz``; a limit that ends exactly at midnight is that midnight
    (the last instant of the working day)."""
    if hours < 0:
        raise ValueError("hours must be >= 0")
    cursor = start.astimezone(tz)
    remaining = dt.timedelta(hours=hours)
    for _ in range(3660):  # ten years of days: a calendar with no working day at all is an error
        day = cursor.date()
        midnight = dt.datetime.combine(day + ONE_DAY, dt.time(), tzinfo=tz)
        if not is_working(day):
            cursor = midnight
            continue
        available = midnight - cursor
        if remaining <= available:
            return cursor + remaining
        remaining -= available
        cursor = midnight
    raise ValueError("no working day in ten years")


def working_hours_between(
    start: dt.datetime, end: dt.datetime, is_working: IsWorkingDay, tz: dt.tzinfo
) -> float:
    """Working hours from ``start`` to ``end`` (negative when ``end`` is earlier), for the
    "remaining" shown to people and the handling times of the report."""
    if end < start:
        return -working_hours_between(end, start, is_working, tz)
    cursor = start.astimezone(tz)
    stop = end.astimezone(tz)
    total = dt.timedelta()
    while cursor < stop:
        midnight = dt.datetime.combine(cursor.date() + ONE_DAY, dt.time(), tzinfo=tz)
        piece_end = min(midnight, stop)
        if is_working(cursor.date()):
            total += piece_end - cursor
        cursor = piece_end
    return total.total_seconds() / 3600


def is_late(due_at: dt.datetime | None, done_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Late when done after the limit, or not done and the limit has passed (exactly at the limit
    is on time)."""
    if due_at is None:
        return False
    return (done_at or now) > due_at


def should_escalate(
    due_at: dt.datetime | None, done_at: dt.datetime | None, now: dt.datetime, *, already: bool
) -> bool:
    """Escalate once, when a limit passed with the step not done."""
    return not already and done_at is None and due_at is not None and now > due_at


def sla_state(
    due_at: dt.datetime | None, done_at: dt.datetime | None, now: dt.datetime, hours_left: float | None
) -> str:
    """'done' (on time), 'late' (done late or overdue), 'amber' (≤ 4 working hours left), 'green'."""
    if due_at is None:
        return "none"
    if done_at is not None:
        return "late" if done_at > due_at else "done"
    if now > due_at:
        return "late"
    if hours_left is not None and hours_left <= 4:
        return "amber"
    return "green"


SLA_CSS = {
    "none": "text-bg-light",
    "done": "text-bg-success",
    "late": "text-bg-danger",
    "amber": "text-bg-warning",
    "green": "text-bg-primary",
}


# --- refunds -------------------------------------------------------------------------------
def refund_ratio_bp(category: str, upheld: bool, *, default_bp: int, unauthorised_bp: int) -> int:
    """The multiple of the charged amount refunded: ``unauthorised_bp`` (default ×2) for an upheld
    unauthorised ordering, else ``default_bp`` (×1)."""
    return unauthorised_bp if (category == UNAUTHORISED_ORDER and upheld) else default_bp


def refund_amount(charged_fen: int, ratio_bp: int) -> int:
    """``charged_fen`` × ``ratio_bp`` / 10000, rounded half up once."""
    if charged_fen < 0 or ratio_bp < 0:
        raise ValueError("negative charge or ratio")
    value = (Decimal(charged_fen) * Decimal(ratio_bp) / Decimal(BASIS_POINTS)).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return int(value)


EARLIEST_PERIOD = dt.date(2000, 1, 1)


def period_problem(start: dt.date | None, end: dt.date | None, today: dt.date) -> str | None:
    """Why a disputed period is refused, or None."""
    if start is None or end is None:
        return gettext("请填写争议期间的起止日期。")
    if end < start:
        return gettext("争议期间的结束日期不能早于开始日期。")
    if start < EARLIEST_PERIOD:
        return gettext("争议期间不能早于 2000 年。")
    if end > today:
        return gettext("争议期间不能晚于今天。")
    if (end - start).days > 366:
        return gettext("争议期间不能超过一年。")
    return None


def is_repeat(previous_closed_for_same_user_product: int) -> bool:
    """A complaint about the same user and product as one already closed is a repeat complaint
    (重复投诉); so is a reopened one."""
    return previous_closed_for_same_user_product > 0


def mask_msisdn(msisdn: str) -> str:
    """``130****5678``: what a public page may show of a number."""
    if len(msisdn) == 11:
        return f"{msisdn[:3]}****{msisdn[-4:]}"
    return "****"
