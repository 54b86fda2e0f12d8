"""Pure settlement rules (no ORM)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext

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
        return gettext("金额不能为 0。")
    if abs(amount_fen) > MAX_AMOUNT_FEN:
        return gettext("金额超出范围。")
    if kind in DEDUCTING_KINDS and amount_fen > 0:
        return gettext("退费、违约扣款和坏账只能扣减合作伙伴结算金额（金额应为负数）。")
    return None


def month_end(month: dt.date) -> dt.date:
    """The last day of ``month``."""
    return next_month(month_start(month)) - dt.timedelta(days=1)


def month_days(month: dt.date) -> list[dt.date]:
    first = month_start(month)
    return [first + dt.timedelta(days=i) for i in range((month_end(first) - first).days + 1)]


def parse_month(text: str) -> dt.date | None:
    """``YYYY-MM`` (or a full date) → the month's first day, or None."""
    text = (text or "").strip()
    try:
        if len(text) == 7:
            return dt.date.fromisoformat(text + "-01")
        return month_start(dt.date.fromisoformat(text))
    except ValueError:
        return None


def half_up_share(amount_fen: int, bp: int) -> int:
    """amount × bp / 10000, rounded half-up (away from zero at the half fen), as the engine does."""
    a = abs(amount_fen)
    share = (a * bp + 5000) // 10000
    return -share if amount_fen < 0 else share


def ratio_problem(ratio_bp: int) -> str | None:
    if not 0 <= ratio_bp <= 10000:
        return gettext("分成比例应在 0 到 10000 基点（0%–100%）之间。")
    return None


def validity_problem(valid_from: dt.date, valid_to: dt.date | None) -> str | None:
    if valid_to is not None and valid_to <= valid_from:
        return gettext("失效日应晚于生效日。")
    return None


def overlaps(a_from: dt.date, a_to: dt.date | None, b_from: dt.date, b_to: dt.date | None) -> bool:
    """Do [a_from, a_to) and [b_from, b_to) share a day (None = open-ended)?"""
    return (b_to is None or a_from < b_to) and (a_to is None or b_from < a_to)


def closed_month_problem(
    valid_from: dt.date, valid_to: dt.date | None, published_months: set[dt.date]
) -> str | None:
    """A ratio or rate may not change any day of a month whose settlement is published: the
    days [valid_from, valid_to) must not touch one (history is never rewritten)."""
    for month in sorted(published_months):
        if overlaps(valid_from, valid_to, month, next_month(month)):
            return gettext("%(month)s 的结算已发布，不能改动该月的比例或坏账率（历史不可改写）。") % {
                "month": format(month, "%Y-%m")
            }
    return None


def missing_days(days: list[dt.date], present: set[dt.date]) -> list[dt.date]:
    return [d for d in days if d not in present]


def month_not_over_problem(month: dt.date, today: dt.date) -> str | None:
    if month_end(month) >= today:
        return gettext("%(month)s 尚未结束（话单未导出完毕），不能结算。") % {"month": format(month, "%Y-%m")}
    return None


def four_eyes_problem(started_by_id: int, approver_id: int) -> str | None:
    if started_by_id == approver_id:
        return gettext("结算批次须由另一名结算人员审核，发起计算的人不能审核（双人复核）。")
    return None


def partner_diff(
    previous: dict[int, tuple[int, int]], current: dict[int, tuple[int, int]]
) -> list[dict[str, int]]:
    """Per partner (net, partner share) of two versions → the partners whose figures changed."""
    rows = []
    for partner_id in sorted(set(previous) | set(current)):
        before = previous.get(partner_id, (0, 0))
        after = current.get(partner_id, (0, 0))
        if before != after:
            rows.append(
                {
                    "partner_id": partner_id,
                    "net_before": before[0],
                    "net_after": after[0],
                    "share_before": before[1],
                    "share_after": after[1],
                    "share_delta": after[1] - before[1],
                }
            )
    return rows
