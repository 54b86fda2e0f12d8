"""Pure rules of the SP KPIs: the default indicators, periods, values, the verdict. No ORM."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext

from vasops.core.marks import gettext_noop

MS, BP, COUNT = "ms", "bp", "count"
AT_LEAST, AT_MOST = "at_least", "at_most"
MONTH, QUARTER = "month", "quarter"

CLAUSE = gettext_noop("《中国联通增值业务提供商运行维护管理要求》第四章 关键业务指标")


@dataclass(frozen=True)
class DefaultKpi:
    code: str
    name: str
    unit: str
    direction: str
    threshold: int
    description: str


# The seed gives only the chapter's outline (seven indicator titles); these defaults are the
# platform's, staff edit them (docs/operator-guide.md lists them).
DEFAULT_KPIS: list[DefaultKpi] = [
    DefaultKpi(
        "wap_response_time", "WAP 业务服务响应时间", MS, AT_MOST, 3000, "用户请求到 SP 页面返回的平均时长"
    ),
    DefaultKpi(
        "wap_page_success", "WAP 业务页面访问成功率", BP, AT_LEAST, 9500, "成功返回的页面请求占全部请求"
    ),
    DefaultKpi(
        "gateway_sp_connect",
        "联通在信网关到增值业务提供商连接成功率",
        BP,
        AT_LEAST,
        9900,
        "网关向 SP 建链成功的比例",
    ),
    DefaultKpi(
        "sp_gateway_send",
        "增值业务提供商到联通在信网关发送成功率",
        BP,
        AT_LEAST,
        9800,
        "SP 提交网关成功的比例",
    ),
    DefaultKpi(
        "connection_threshold",
        "增值业务提供商平台连接联通在信网关门限值",
        COUNT,
        AT_MOST,
        16,
        "SP 同时连接网关的连接数",
    ),
    DefaultKpi("ivr_trunk_connect", "IVR 中继接通率", BP, AT_LEAST, 9500, "IVR 中继呼叫接通的比例"),
    DefaultKpi("ivr_timeslot_integrity", "IVR 中继时隙完好率", BP, AT_LEAST, 9900, "可用时隙占全部时隙"),
]

PERIOD_RE = {MONTH: re.compile(r"^(\d{4})-(\d{2})$"), QUARTER: re.compile(r"^(\d{4})Q([1-4])$")}
PERIOD_HINT = {MONTH: "月度周期写作 2026-11", QUARTER: "季度周期写作 2026Q4"}
MAX_VALUE = {MS: 3_600_000, BP: 10_000, COUNT: 1_000_000}


def period_bounds(kind: str, text: str) -> tuple[dt.date, dt.date]:
    """First and last day of the period ``text`` ("2026-11" monthly, "2026Q4" quarterly);
    ValueError with the reason in Chinese."""
    text = (text or "").strip().upper()
    match = PERIOD_RE[kind].match(text)
    if not match:
        raise ValueError(
            gettext("周期“%(text)s”格式不对：%(period_hint)s")
            % {"text": text, "period_hint": PERIOD_HINT[kind]}
        )
    year = int(match.group(1))
    if not 2000 <= year <= 2099:
        raise ValueError(gettext("周期“%(text)s”的年份不在 2000–2099 之间") % {"text": text})
    if kind == MONTH:
        month = int(match.group(2))
        if not 1 <= month <= 12:
            raise ValueError(gettext("周期“%(text)s”的月份应为 01–12") % {"text": text})
        first_month, last_month = month, month
    else:
        q = int(match.group(2))
        first_month, last_month = 3 * q - 2, 3 * q
    start = dt.date(year, first_month, 1)
    end = dt.date(year + (last_month == 12), last_month % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def normalise_period(kind: str, text: str) -> str:
    text = (text or "").strip().upper()
    period_bounds(kind, text)
    return text


def parse_value(unit: str, text: str) -> int:
    """The typed result as the stored integer: percentages ("99.5", "99.5%") → basis points
    (ROUND_HALF_UP, once), milliseconds and counts → whole numbers. ValueError with the reason."""
    raw = (text or "").strip().replace(",", "")
    if unit == BP:
        raw = raw.removesuffix("%").strip()
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise ValueError(gettext("“%(text)s”不是数字") % {"text": text}) from None
    if not number.is_finite():
        raise ValueError(gettext("“%(text)s”不是数字") % {"text": text})
    if number < 0:
        raise ValueError(gettext("不能为负数"))
    if unit == BP:
        if number > 100:
            raise ValueError(gettext("百分比不能大于 100"))
        return int((number * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if number != number.to_integral_value():
        raise ValueError(gettext("应为整数（毫秒）") if unit == MS else gettext("应为整数"))
    value = int(number)
    if value > MAX_VALUE[unit]:
        raise ValueError(gettext("不能大于 %(max_value)s") % {"max_value": MAX_VALUE[unit]})
    return value


def threshold_problem(unit: str, threshold: int) -> str:
    if threshold < 0:
        return gettext("门限值不能为负数。")
    if threshold > MAX_VALUE[unit] and unit == BP:
        return gettext("门限值不能大于 %(max_value)s（即 100%%）。") % {"max_value": MAX_VALUE[unit]}
    if threshold > MAX_VALUE[unit]:
        return gettext("门限值不能大于 %(max_value)s。") % {"max_value": MAX_VALUE[unit]}
    return ""


def is_met(direction: str, threshold: int, value: int) -> bool:
    """At least: value ≥ threshold; at most: value ≤ threshold (the threshold itself passes)."""
    return value >= threshold if direction == AT_LEAST else value <= threshold


def format_value(unit: str, value: int) -> str:
    if unit == BP:
        return f"{Decimal(value) / 100:.2f}%"
    if unit == MS:
        return gettext("%(value)s 毫秒") % {"value": value}
    return gettext("%(value)s 个") % {"value": value}
