"""Pure rules of the core context: working-day arithmetic, money and the language at login. No ORM,
no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

IsWorkingDay = Callable[[dt.date], bool]

ONE_DAY = dt.timedelta(days=1)


def add_working_days(start: dt.date, n: int, is_working: IsWorkingDay) -> dt.date:
    """The date that is ``n`` working days after ``start`` (``start`` itself not counted).

    ``n == 0`` returns ``start`` if it is a working day, else the next working day.
    Example (2026 Spring Festival): Friday 2026-02-13 + 2 = Tuesday 2026-02-24, because
    Saturday 2026-02-14 is a make-up working day and 2026-02-15..23 is the holiday.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    day = start
    if n == 0:
        while not is_working(day):
            day += ONE_DAY
        return day
    remaining = n
    while remaining:
        day += ONE_DAY
        if is_working(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date, is_working: IsWorkingDay) -> int:
    """Working days in the half-open interval (start, end]; negative when end < start."""
    if end == start:
        return 0
    if end < start:
        return -working_days_between(end, start, is_working)
    count = 0
    day = start
    while day < end:
        day += ONE_DAY
        if is_working(day):
            count += 1
    return count


def default_is_working(day: dt.date) -> bool:
    """Fallback when no calendar row exists: Monday to Friday."""
    return day.weekday() < 5


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day ``months`` later, clamped to the month's last day (2026-11-30 + 3 = 2027-02-28)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def add_years(day: dt.date, years: int) -> dt.date:
    return add_months(day, 12 * years)


# ---- money: integer fen, ratios in basis points -------------------------------------------

BASIS_POINTS = 10_000


def share_of(amount_fen: int, ratio_bp: int) -> int:
    """``amount_fen`` × ``ratio_bp``/10000, rounded half up to a whole fen."""
    if not 0 <= ratio_bp <= BASIS_POINTS:
        raise ValueError("ratio must be between 0 and 10000 basis points")
    value = Decimal(amount_fen) * Decimal(ratio_bp) / Decimal(BASIS_POINTS)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_fen(amount_fen: int) -> str:
    """1234 → '12.34'; -5 → '-0.05'."""
    sign = "-" if amount_fen < 0 else ""
    whole, cents = divmod(abs(amount_fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def parse_yuan(text: str) -> int:
    """'12.34' → 1234 fen; at most two decimals."""
    value = Decimal(text.strip().replace(",", ""))
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("at most two decimal places")
    return int(value * 100)


# --- imported spreadsheets (core.imports) ----------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem of an imported file: the row as Excel numbers it (the header is row 1), the
    column's Chinese header ("" for the whole row) and why."""

    row: int
    column: str
    message: str

    @property
    def field(self) -> str:  # the name the exam import's page used
        return self.column

    def __str__(self) -> str:
        where = f"「{self.column}」" if self.column else ""
        return f"第 {self.row} 行{where}：{self.message}"


def cell_text(value: object) -> str:
    """A spreadsheet cell as text: numbers typed as numbers lose no digits ("9044000101",
    not "9044000101.0"); blanks are ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def login_language(saved: str, cookie: str | None, default: str) -> bool:
    """Whether logging in sets the page language to the user's ``saved`` one (``User.language``,
    the last choice of the language switch): when they chose another language than the default,
    or when this browser remembers a different choice (``cookie``, set before a later switch in
    another browser). A user who never switched (``saved`` is the default, no cookie) keeps what
    the browser asks for."""
    if cookie is not None:
        return cookie != saved
    return saved != default
