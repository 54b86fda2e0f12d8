"""Pure rules of reconciliation 结算对账 (no ORM, no I/O)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext

from vasops.core.marks import gettext_noop

CLAUSE = gettext_noop("《日常事务办理规范》第三章 五、结算对账流程；附件 7 结算对账申请")

# line statuses (ReconciliationLine.Status values)
MATCHED = "matched"
MISSING_OURS = "missing_ours"
MISSING_THEIRS = "missing_theirs"
COUNT_DIFFERS = "count_differs"
AMOUNT_DIFFERS = "amount_differs"
STATUSES = [MATCHED, MISSING_OURS, MISSING_THEIRS, COUNT_DIFFERS, AMOUNT_DIFFERS]

# CDR-level statuses (the diff by cdr_id of a disputed day)
CDR_MATCHED = "matched"
CDR_MISSING_OURS = "missing_ours"
CDR_MISSING_THEIRS = "missing_theirs"
CDR_FEE_DIFFERS = "fee_differs"
CDR_PRODUCT_DIFFERS = "product_differs"
CDR_STATUSES = [CDR_MATCHED, CDR_MISSING_OURS, CDR_MISSING_THEIRS, CDR_FEE_DIFFERS, CDR_PRODUCT_DIFFERS]

MAX_FEN = 9_007_199_254_740_991  # 2^53, as Adjustment
MAX_COUNT = 10**12
MAX_CDR_ID = 64
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DAY = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_DAY_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_INT = re.compile(r"^[+-]?\d+$")
_MSISDN = re.compile(r"^\d{5,20}$")
_AT_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y%m%d%H%M%S")


def parse_month(text: str) -> dt.date | None:
    """``2026-12`` → 2026-12-01; anything else → None."""
    m = _MONTH.match((text or "").strip())
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_days(month: dt.date) -> list[dt.date]:
    end = next_month(month)
    return [month + dt.timedelta(days=i) for i in range((end - month).days)]


def month_ended(month: dt.date, today: dt.date) -> bool:
    """A month can be reconciled once it is over (its last business day has passed)."""
    return next_month(month) <= today


def missing_days(month: dt.date, exported: set[dt.date]) -> list[dt.date]:
    """The days of ``month`` whose CDR export is absent."""
    return [d for d in month_days(month) if d not in exported]


def describe_days(days: list[dt.date], limit: int = 10) -> str:
    shown = "、".join(f"{d:%m-%d}" for d in days[:limit])
    return shown + (f" 等 {len(days)} 天" if len(days) > limit else "")


def line_status(*, ours: tuple[int, int] | None, theirs: tuple[int, int] | None) -> str:
    """Status of one day × product from (count, fee_fen) on each side (None: absent).

    A side with zero count and zero fee is the same as absent. Amount wins over count when both
    differ (the amount is what settles)."""
    if ours is not None and ours == (0, 0):
        ours = None
    if theirs is not None and theirs == (0, 0):
        theirs = None
    if ours is None and theirs is None:
        return MATCHED
    if ours is None:
        return MISSING_OURS
    if theirs is None:
        return MISSING_THEIRS
    if ours[1] != theirs[1]:
        return AMOUNT_DIFFERS
    if ours[0] != theirs[0]:
        return COUNT_DIFFERS
    return MATCHED


@dataclass(frozen=True)
class SideRow:
    count: int
    fee_fen: int
    line: int | None = None


@dataclass(frozen=True)
class DiffLine:
    day: dt.date
    product_id: int
    our_count: int
    our_fee_fen: int
    their_count: int
    their_fee_fen: int
    their_line: int | None
    status: str


def diff_lines(
    ours: dict[tuple[dt.date, int], SideRow], theirs: dict[tuple[dt.date, int], SideRow]
) -> list[DiffLine]:
    """Every day × product present on either side, with its status, ordered by day and product."""
    lines = []
    for key in sorted(set(ours) | set(theirs)):
        o, t = ours.get(key), theirs.get(key)
        status = line_status(
            ours=(o.count, o.fee_fen) if o else None, theirs=(t.count, t.fee_fen) if t else None
        )
        lines.append(
            DiffLine(
                day=key[0],
                product_id=key[1],
                our_count=o.count if o else 0,
                our_fee_fen=o.fee_fen if o else 0,
                their_count=t.count if t else 0,
                their_fee_fen=t.fee_fen if t else 0,
                their_line=t.line if t else None,
                status=status,
            )
        )
    return lines


def status_counts(statuses: list[str]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for s in statuses:
        counts[s] = counts.get(s, 0) + 1
    return counts


# --- cells of an uploaded file ------------------------------------------------------------
def parse_day(text: str, month: dt.date) -> tuple[dt.date | None, str | None]:
    """A day of ``month`` written ``2026-12-05``, ``2026/12/5`` or ``20261205``."""
    value = (text or "").strip()
    if " " in value:  # Excel dates come as "2026-12-05 00:00:00"
        value = value.split(" ", 1)[0]
    m = _DAY.match(value) or _DAY_COMPACT.match(value)
    if not m:
        return None, f"日期“{text}”无效，应为 YYYY-MM-DD。"
    try:
        day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None, f"日期“{text}”不存在。"
    if day.replace(day=1) != month:
        return None, f"日期 {day} 不在对账月份 {month:%Y-%m} 内。"
    return day, None


def parse_int(text: str, label: str, *, maximum: int) -> tuple[int | None, str | None]:
    """A non-negative integer (a count, or an amount in fen)."""
    value = (text or "").strip().replace(",", "")
    if value.endswith(".0"):  # Excel writes whole numbers as floats
        value = value[:-2]
    if not value:
        return None, f"请填写{label}。"
    if not _INT.match(value):
        return None, f"{label}“{text}”应为整数（金额以分为单位）。"
    number = int(value)
    if number < 0:
        return None, f"{label}不能为负数（{number}）。"
    if number > maximum:
        return None, f"{label}超出范围。"
    return number, None


def parse_at(text: str) -> dt.datetime | None:
    """A local (Asia/Shanghai) time ``2026-12-05 09:30:00`` as a naive datetime, or None."""
    value = (text or "").strip()
    if len(value) == 19 and value[4] == "-" and value[7] == "-" and value[10] in " T" and value[13] == ":":
        try:  # the documented format, without strptime's cost (millions of lines)
            return dt.datetime(
                int(value[0:4]),
                int(value[5:7]),
                int(value[8:10]),
                int(value[11:13]),
                int(value[14:16]),
                int(value[17:19]),
            )
        except ValueError:
            return None
    for fmt in _AT_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def cdr_id_problem(text: str) -> str | None:
    if not text:
        return gettext("请填写话单编号。")
    if len(text) > MAX_CDR_ID:
        return gettext("话单编号最多 %(max_cdr_id)s 个字符。") % {"max_cdr_id": MAX_CDR_ID}
    return None


def msisdn_problem(text: str) -> str | None:
    if not _MSISDN.match(text or ""):
        return gettext("手机号码“%(text)s”应为 5–20 位数字。") % {"text": text}
    return None


def product_problem(code: str, own: set[str], known: set[str]) -> str | None:
    """A product code must be one of the partner's own products."""
    if not code:
        return gettext("请填写产品代码。")
    if code in own:
        return None
    if code in known:
        return gettext("产品代码 %(code)s 不是本企业的产品。") % {"code": code}
    return gettext("产品代码 %(code)s 不存在。") % {"code": code}


# --- encoding -----------------------------------------------------------------------------
def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) when the sample decodes as UTF-8, else GBK (GB18030, its
    superset, which every GBK file decodes with). A UTF-8 character cut at the end of the sample
    does not count against UTF-8."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"
    return "gb18030"


# --- states -------------------------------------------------------------------------------
def upload_problem(state: str, disputes: int) -> str | None:
    if state == "closed":
        return gettext("对账申请已关闭，不能再上传。")
    if disputes:
        return gettext("已对本次比对结果提出争议，不能再重新上传；如需重新对账请关闭后新建申请。")
    return None


def dispute_problem(*, state: str, line_status: str, pending: bool) -> str | None:
    if state != "diffed":
        return gettext("对账申请当前状态不能提出争议（须已上传并完成比对，且未关闭）。")
    if line_status == MATCHED:
        return gettext("该行双方一致，不能提出争议。")
    if pending:
        return gettext("该行已有待处理的争议。")
    return None


def claim_problem(amount_fen: int) -> str | None:
    if amount_fen == 0:
        return gettext("主张金额不能为 0。")
    if abs(amount_fen) > MAX_FEN:
        return gettext("金额超出范围。")
    return None


def is_overdue(due_at: dt.datetime, now: dt.datetime) -> bool:
    return now > due_at
