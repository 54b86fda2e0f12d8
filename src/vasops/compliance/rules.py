"""Pure rules of compliance (cooperation standard ch. 6–8). No ORM, no I/O; every number comes
from the staff-edited ``ComplianceSettings`` and is passed in as a ``Numbers``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext

from vasops.core.marks import gettext_noop
from vasops.core.rules import ONE_DAY, add_months

CLAUSE_VIOLATION = gettext_noop("《中国联通CP/SP合作管理办法》第七章 违约处理")
CLAUSE_CREDIT = gettext_noop("《中国联通CP/SP合作管理办法》第八章 信用评价管理")
CLAUSE_EXIT = gettext_noop("《中国联通CP/SP合作管理办法》第六章 考核退出机制")

# grades of violations and of credit (values of models.Grade / partners.Partner.CreditGrade)
GENERAL, SERIOUS, MAJOR = "general", "serious", "major"
EXCELLENT, GOOD, PASS, FAIL = "excellent", "good", "pass", "fail"


@dataclass(frozen=True)
class Numbers:
    appeal_working_days: int = 5
    start_points: int = 100
    excellent_from: int = 90
    good_from: int = 80
    pass_from: int = 60
    points_general: int = 2
    points_serious: int = 5
    points_major: int = 10
    blacklist_months: int = 6
    class_ban_months: int = 6
    assessment_pass_score: int = 60
    assessment_fail_points: int = 5


DEFAULTS = Numbers()


def default_points(grade: str, n: Numbers = DEFAULTS) -> int:
    """Credit points an upheld violation of ``grade`` deducts unless its type says otherwise."""
    return {GENERAL: n.points_general, SERIOUS: n.points_serious, MAJOR: n.points_major}[grade]


def settings_problem(n: Numbers) -> str | None:
    if not (n.excellent_from > n.good_from > n.pass_from > 0):
        return gettext("等级分数线须满足：优 > 良 > 合格 > 0。")
    if n.start_points < n.excellent_from:
        return gettext("年度初始积分不应低于“优”的分数线。")
    if n.appeal_working_days < 1:
        return gettext("申诉期限至少 1 个工作日。")
    if n.blacklist_months < 1 or n.class_ban_months < 1:
        return gettext("黑名单与禁入期限至少 1 个月。")
    return None


def credit_grade(points: int, n: Numbers = DEFAULTS) -> str:
    """优 ≥ 90, 良 ≥ 80, 合格 ≥ 60, 不合格 < 60 (defaults)."""
    if points >= n.excellent_from:
        return EXCELLENT
    if points >= n.good_from:
        return GOOD
    if points >= n.pass_from:
        return PASS
    return FAIL


def appeal_open(today: dt.date, due: dt.date | None) -> bool:
    """The partner may appeal up to and including the due date (the 5th working day)."""
    return due is not None and today <= due


def blacklist_end(last_bad_day: dt.date, months: int) -> dt.date:
    """Last day of a blacklist: ``months`` after the last bad record (the seed's 以往半年内 look-back),
    so a record of 2026-03-15 keeps the partner out to 2026-09-14 inclusive."""
    return add_months(last_bad_day, months) - ONE_DAY


def class_ban_end(exit_day: dt.date, months: int) -> dt.date:
    return add_months(exit_day, months) - ONE_DAY


def puts_on_blacklist(grade_after: str, delta: int, violation_grade: str | None) -> bool:
    """A deduction that leaves the grade at 不合格, or an upheld 重大 violation, is a bad credit
    record (a correction upwards never is)."""
    return (delta < 0 and grade_after == FAIL) or violation_grade == MAJOR


def reduction_problem(points: int, penalty_fen: int, full_points: int, full_penalty_fen: int) -> str | None:
    """A reduced decision deducts less than the full terms, never more, never negative."""
    if points < 0 or penalty_fen < 0:
        return gettext("扣分与违约金不能为负。")
    if points > full_points or penalty_fen > full_penalty_fen:
        return gettext("减轻处罚不得超过原标准（%(full_points)s 分，%(full_penalty_fen)s 分钱）。") % {
            "full_points": full_points,
            "full_penalty_fen": full_penalty_fen,
        }
    if points == full_points and penalty_fen == full_penalty_fen:
        return gettext("减轻处罚须低于原标准；维持原标准请选择“维持处罚”。")
    return None


def block_end_problem(today: dt.date, ends_on: dt.date | None) -> str | None:
    if ends_on is not None and ends_on < today:
        return gettext("屏蔽结束日期不能早于今天。")
    return None


def period_problem(start: dt.date, end: dt.date) -> str | None:
    if end < start:
        return gettext("考核结束日期早于开始日期。")
    return None


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    q0 = (day.month - 1) // 3 * 3 + 1
    start = dt.date(day.year, q0, 1)
    return start, add_months(start, 3) - ONE_DAY


def month_of(day: dt.date) -> tuple[dt.date, dt.date]:
    start = day.replace(day=1)
    return start, add_months(start, 1) - ONE_DAY


def score(inputs: dict[str, int], weights: dict[str, int], base: int = 100) -> int:
    """A scorecard's score: ``base`` less each input × its weight (points per unit), not below 0."""
    return max(0, base - sum(inputs.get(k, 0) * w for k, w in weights.items()))


def ranks(scores: list[tuple[int, int]]) -> dict[int, int]:
    """(key, score) → key: rank (1 = best; equal scores share a rank, competition ranking)."""
    ordered = sorted(scores, key=lambda s: -s[1])
    out: dict[int, int] = {}
    prev, rank = None, 0
    for i, (key, sc) in enumerate(ordered, start=1):
        if sc != prev:
            rank, prev = i, sc
        out[key] = rank
    return out
