"""Pure rules of the admission exam 接入考核 (seed 第三章 一、2). No ORM, no I/O."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext

from vasops.core.marks import gettext_noop

CLAUSE_EXAM = gettext_noop("《日常事务办理规范》第三章 一、2 接入考核")

PASS_MARK = 80  # 业务和技术考试成绩均在 80 分以上为通过
SITTING_FIRST_DAY = 11  # 考核时间：每受理月的 11-15 日
SITTING_LAST_DAY = 15
GRACE_SECONDS = 60  # network latency allowance after the time limit
MAX_OPTIONS = 6  # 选项A..选项F
OPTION_LETTERS = "ABCDEF"
IMPORT_MAX_ROWS = 2000  # questions in one import file

SINGLE = "single"
MULTIPLE = "multiple"
TRUE_FALSE = "truefalse"
BUSINESS = "business"
TECHNICAL = "technical"

_TRUE = {"T", "TRUE", "Y", "YES", "1", "对", "正确", "是", "√"}
_FALSE = {"F", "FALSE", "N", "NO", "0", "错", "错误", "否", "×"}


def is_pass(business_score: int, technical_score: int) -> bool:
    """Pass only when both the business and the technical score are at least 80."""
    return business_score >= PASS_MARK and technical_score >= PASS_MARK


def normalise_answer(qtype: str, raw: str | Iterable[str] | None) -> str:
    """Canonical form of an answer: single "B", multiple "ACD" (sorted, unique), true/false "T"/"F".
    Unknown or empty input becomes ""."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raw = "".join(str(x) for x in raw)
    text = raw.strip().upper()
    if qtype == TRUE_FALSE:
        if text in _TRUE:
            return "T"
        if text in _FALSE:
            return "F"
        return ""
    letters = sorted({c for c in text if c in OPTION_LETTERS})
    if qtype == SINGLE:
        return letters[0] if len(letters) == 1 else ""
    return "".join(letters)


def is_correct(qtype: str, correct: str, given: str | Iterable[str] | None) -> bool:
    """Single choice: the exact letter. Multiple choice: exactly the same set (no partial credit).
    True/false: the same truth value."""
    expected = normalise_answer(qtype, correct)
    answer = normalise_answer(qtype, given)
    return bool(expected) and answer == expected


def answer_problem(qtype: str, answer: str, option_count: int) -> str | None:
    """Why a bank question's answer key is invalid for its type and options, or None."""
    if qtype not in (SINGLE, MULTIPLE, TRUE_FALSE):
        return gettext("题型必须是单选、多选或判断。")
    norm = normalise_answer(qtype, answer)
    if qtype == TRUE_FALSE:
        return None if norm else gettext("判断题答案须为“对”或“错”（T/F）。")
    if option_count < 2:
        return gettext("选择题至少需要两个选项。")
    if not norm:
        return (
            gettext("单选题答案须为一个选项字母。")
            if qtype == SINGLE
            else gettext("多选题答案须为选项字母，例如 ACD。")
        )
    if qtype == MULTIPLE and len(norm) < 2:
        return gettext("多选题答案至少包含两个选项。")
    valid = OPTION_LETTERS[:option_count]
    if any(c not in valid for c in norm):
        return gettext("答案中的选项不存在（本题只有 %(valid)s–%(valid2)s）。") % {
            "valid": valid[0],
            "valid2": valid[-1],
        }
    return None


@dataclass(frozen=True)
class GradedQuestion:
    qtype: str
    answer: str


def score(questions: Sequence[GradedQuestion], answers: Sequence[str | None]) -> int:
    """Score 0..100: the share of correctly answered questions, rounded half up."""
    total = len(questions)
    if total == 0:
        return 0
    right = sum(1 for q, a in zip(questions, answers, strict=True) if is_correct(q.qtype, q.answer, a))
    return (right * 200 + total) // (2 * total)


def draw_questions(ids: Iterable[int], n: int, seed: str) -> list[int]:
    """Reproducibly draw ``n`` question ids: ``random.Random(seed)`` over the sorted ids.
    The same ids and seed always give the same paper. ValueError when the bank is too small."""
    pool = sorted(set(ids))
    if n < 1:
        raise ValueError("n must be >= 1")
    if len(pool) < n:
        raise ValueError(f"only {len(pool)} questions available, {n} needed")
    return random.Random(seed).sample(pool, n)


def paper_seed(sitting_seed: str, category: str) -> str:
    return f"{sitting_seed}:{category}"


def sitting_date_problem(day: dt.date, window_month: dt.date) -> str | None:
    """The sitting must be on days 11–15 of the application's acceptance month."""
    if (day.year, day.month) != (window_month.year, window_month.month):
        return gettext("考核日期须在受理月（%(year)s 年 %(month)s 月）内。") % {
            "year": window_month.year,
            "month": window_month.month,
        }
    if not SITTING_FIRST_DAY <= day.day <= SITTING_LAST_DAY:
        return gettext(
            "考核日期须为受理月的 %(sitting_first_day)s–%(sitting_last_day)s 日，%(day)s 不在此范围。"
        ) % {
            "sitting_first_day": SITTING_FIRST_DAY,
            "sitting_last_day": SITTING_LAST_DAY,
            "day": day.isoformat(),
        }
    return None


def deadline(started_at: dt.datetime, duration_minutes: int) -> dt.datetime:
    """When the paper's time is up (shown as the countdown's end)."""
    return started_at + dt.timedelta(minutes=duration_minutes)


def accepts_answers(started_at: dt.datetime, duration_minutes: int, now: dt.datetime) -> bool:
    """Answers are accepted until the time limit plus a 60-second grace; later ones are refused
    and the paper closes with what was saved."""
    return now <= deadline(started_at, duration_minutes) + dt.timedelta(seconds=GRACE_SECONDS)


def score_problem(value: int) -> str | None:
    return None if 0 <= value <= 100 else gettext("成绩须在 0–100 之间。")


def parse_options(values: Sequence[object | None]) -> list[str]:
    """Options A..F from spreadsheet cells: trailing blanks dropped; a gap is an error (ValueError)."""
    texts = ["" if v is None else str(v).strip() for v in values][:MAX_OPTIONS]
    while texts and not texts[-1]:
        texts.pop()
    if any(not t for t in texts):
        raise ValueError(gettext("选项不能跳空（例如有选项C却没有选项B）。"))
    return texts


CATEGORY_LABELS: Mapping[str, str] = {"业务": BUSINESS, "技术": TECHNICAL}
TYPE_LABELS: Mapping[str, str] = {
    "单选": SINGLE,
    "单选题": SINGLE,
    "多选": MULTIPLE,
    "多选题": MULTIPLE,
    "判断": TRUE_FALSE,
    "判断题": TRUE_FALSE,
}
