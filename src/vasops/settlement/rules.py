"""Pure settlement rules (no ORM)."""

from __future__ import annotations

import datetime as dt

# kinds that can only take money from the partner
DEDUCTING_KINDS = frozenset({"refund", "penalty", "bad_debt"})
# 2^53: far beyond any province's month, and exact in every engine's arithmetic
MAX_AMOUNT_FEN = 9_007_199_254_740_991


def month_start(day: dt.date) -> dt.date:
    """The settlement month a day belongs to, as its first day."""
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def amount_problem(kind: str, amount_fen: int) -> str | None:
    """Why an adjustment amount is refused, or None."""
    if amount_fen == 0:
        return "金额不能为 0。"
    if abs(amount_fen) > MAX_AMOUNT_FEN:
        return "金额超出范围。"
    if kind in DEDUCTING_KINDS and amount_fen > 0:
        return "退费、违约扣款和坏账只能扣减合作伙伴结算金额（金额应为负数）。"
    return None
