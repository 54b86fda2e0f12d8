"""Pure admission rules (seed 《日常事务办理规范》 chapter 2 and 3.1; DESIGN.md "Admission").

No ORM, no I/O: windows and phases of a date, capability and material checks, access-test
catalogue, contract checks. Business lines, billing modes and resource pools belong to the catalogue
(``catalog.rules``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from vasops.admission.errors import AdmissionError
from vasops.catalog import rules as catalog_rules
from vasops.core.marks import gettext_noop
from vasops.core.rules import add_months
from vasops.partners.rules import BAN_YEARS as REVIEW_ABSENCE_BAN_YEARS
from vasops.partners.rules import Problem, hotline_problem

CLAUSE_WINDOW = gettext_noop("《日常事务办理规范》第三章 一、1 受理时间")
CLAUSE_MATERIALS = gettext_noop("《日常事务办理规范》第三章 一、1 附件1、附件2")
# 第二章 一(五)1: SP and AP meet every basic condition; 一(五)2: a CP only its licence and sources
# (each clause is one whole literal: one entry of the English catalogue)
CLAUSE_ACCESS_METHOD = gettext_noop("《日常事务办理规范》第二章 一(三)2、一(五)1")
CLAUSE_OM_STAFF = gettext_noop("《日常事务办理规范》第二章 一(三)4、一(五)1")
CLAUSE_HOTLINE = gettext_noop("《日常事务办理规范》第二章 一(四)1、2、一(五)1")
CLAUSE_CALL_CENTRE = gettext_noop("《日常事务办理规范》第二章 一(四)2 5)、一(五)1")
CLAUSE_SERVICE_LEVEL = gettext_noop("《日常事务办理规范》第二章 一(四)2 6)、一(五)1")
CLAUSE_INITIAL_REVIEW = gettext_noop("《日常事务办理规范》第三章 一、2 初审")
CLAUSE_PAPER = gettext_noop("《日常事务办理规范》第三章 一、1（请同时提供电子申请以及正式书面申请）")
CLAUSE_DECISION = gettext_noop("《日常事务办理规范》第三章 一、3 评审结果")
CLAUSE_RESOURCE = catalog_rules.CLAUSE_RESOURCE
CLAUSE_ACCESS_DATA = gettext_noop("《日常事务办理规范》第三章 一、4")
CLAUSE_DATA_CHANGE = gettext_noop("《日常事务办理规范》第三章 一、4 数据修改工单")
CLAUSE_TESTING = gettext_noop("《日常事务办理规范》附件4 接入测试流程")
CLAUSE_OPENING = gettext_noop("《日常事务办理规范》附件5 开通资料")
CLAUSE_CONTRACT = gettext_noop("《日常事务办理规范》附件8 合同签署指南")
# admission is per business: 附件1 is titled "湖北联通接入申请资料（XX公司_XX业务）"
CLAUSE_PER_BUSINESS = gettext_noop("《日常事务办理规范》第四章 附件1（XX公司_XX业务）")

DEFAULT_ACCEPTANCE_MONTHS: tuple[int, ...] = (1, 4, 7, 10)
APPLICATION_DAYS = (1, 10)
EXAM_DAYS = (11, 15)
PREPARATION_DAYS = (21, 30)
ACCESS_DATA_WORKING_DAYS = 2
DATA_CHANGE_WORKING_DAYS = 7
CONTRACT_REMINDER_DAYS = 30


# --- windows ----------------------------------------------------------------------------------


class Phase(StrEnum):
    APPLICATION = "application"  # days 1-10 of an acceptance month
    EXAM = "exam"  # days 11-15
    REVIEW = "review"  # days 16-20 (expert review, no fixed date)
    PREPARATION = "preparation"  # days 21-30
    CLOSED = "closed"  # day 31, or a month that is not an acceptance month


# marked for the catalogue; ``queries.WindowStatus.phase_label`` translates them when shown
PHASE_LABELS = {
    Phase.APPLICATION: gettext_noop("申请受理期（1–10 日）"),
    Phase.EXAM: gettext_noop("接入考核期（11–15 日）"),
    Phase.REVIEW: gettext_noop("接入评审期（16–20 日）"),
    Phase.PREPARATION: gettext_noop("系统准备期（21–30 日）"),
    Phase.CLOSED: gettext_noop("非受理期"),
}


def parse_months(text: str) -> list[int]:
    """ "1,4,7,10" → [1, 4, 7, 10]; refuses anything that is not a month 1..12 or an empty list."""
    parts = [p for p in re.split(r"[,，\s]+", text or "") if p]
    if not parts:
        raise ValueError(gettext("至少需要一个受理月份。"))
    months: set[int] = set()
    for part in parts:
        if not part.isdigit() or not 1 <= int(part) <= 12:
            raise ValueError(gettext("“%(part)s”不是 1–12 之间的月份。") % {"part": part})
        months.add(int(part))
    return sorted(months)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def is_acceptance_month(day: dt.date, months: Iterable[int]) -> bool:
    return day.month in set(months)


def phase_of(day: dt.date, months: Iterable[int]) -> Phase:
    if not is_acceptance_month(day, months):
        return Phase.CLOSED
    d = day.day
    if APPLICATION_DAYS[0] <= d <= APPLICATION_DAYS[1]:
        return Phase.APPLICATION
    if EXAM_DAYS[0] <= d <= EXAM_DAYS[1]:
        return Phase.EXAM
    if d < PREPARATION_DAYS[0]:
        return Phase.REVIEW
    if d <= PREPARATION_DAYS[1]:
        return Phase.PREPARATION
    return Phase.CLOSED


def is_application_open(day: dt.date, months: Iterable[int]) -> bool:
    return phase_of(day, months) == Phase.APPLICATION


def next_window_opening(day: dt.date, months: Iterable[int]) -> dt.date:
    """The first day of the next acceptance window that has not closed yet: ``day``'s own month
    when it is an acceptance month and ``day`` is within days 1–10, else day 1 of the next
    acceptance month (crossing into the next year when needed)."""
    wanted = set(months)
    if not wanted:
        raise ValueError("no acceptance months configured")
    if is_application_open(day, wanted):
        return month_start(day)
    candidate = add_months(month_start(day), 1)
    for _ in range(12):
        if candidate.month in wanted:
            return candidate
        candidate = add_months(candidate, 1)
    raise AssertionError("unreachable: some month is wanted")  # pragma: no cover


def window_closes(window_month: dt.date) -> dt.date:
    """Last day applications of ``window_month`` are accepted (day 10)."""
    return window_month.replace(day=APPLICATION_DAYS[1])


def in_own_window(day: dt.date, window_month: dt.date) -> bool:
    """A returned application may be resubmitted only within days 1–10 of its own window."""
    return month_start(day) == window_month and day.day <= APPLICATION_DAYS[1]


def window_problem(day: dt.date, months: Iterable[int]) -> Problem | None:
    if is_application_open(day, months):
        return None
    opens = next_window_opening(day, months)
    return Problem(
        AdmissionError.WINDOW_CLOSED,
        gettext("当前不在准入申请受理期（受理月 1–10 日）；下一次受理期自 %(opens)s 开始。")
        % {"opens": format(opens, gettext("%Y年%m月%d日"))},
        CLAUSE_WINDOW,
    )


def preparation_days(prep_month: dt.date) -> tuple[dt.date, dt.date]:
    return prep_month.replace(day=PREPARATION_DAYS[0]), prep_month.replace(day=PREPARATION_DAYS[1])


def postponed_prep_month(prep_month: dt.date) -> dt.date:
    """Missing the 2-working-day access-data deadline moves the access to next month."""
    return add_months(month_start(prep_month), 1)


def postponed_access_data_day(prep_month: dt.date) -> dt.date:
    """After a postponement the access data are due before that month's preparation starts
    (end of day 20 of the new preparation month)."""
    return prep_month.replace(day=PREPARATION_DAYS[0] - 1)


# --- materials, products ----------------------------------------------------------------

# attachment 1 湖北联通接入申请资料
MATERIALS: list[tuple[str, Any]] = [
    ("business_plan", gettext_lazy("商业计划书")),
    ("technical_plan", gettext_lazy("接入技术方案")),
    ("product_guide", gettext_lazy("业务介绍及用户操作指南")),
    ("cooperation_application", gettext_lazy("合作业务申请资料")),
    ("access_form", gettext_lazy("增值业务接入申请表")),
]
MATERIAL_LABELS = dict(MATERIALS)


def material_problems(present: Iterable[str]) -> list[Problem]:
    have = set(present)
    return [
        Problem(
            AdmissionError.MATERIAL_MISSING,
            gettext("缺少申请资料：%(label)s。") % {"label": label},
            CLAUSE_MATERIALS,
        )
        for kind, label in MATERIALS
        if kind not in have
    ]


def product_problems(
    business_lines: list[str], product_lines: list[str], labels: Mapping[str, str] | None = None
) -> list[Problem]:
    """At least one business line; every chosen line has at least one product form (attachment 2).
    Lines are catalogue codes; ``labels`` gives their names."""
    problems = []
    if not business_lines:
        problems.append(
            Problem(
                AdmissionError.BUSINESS_LINE_MISSING,
                gettext("请至少选择一个申请业务类别。"),
                CLAUSE_MATERIALS,
            )
        )
    have = set(product_lines)
    for line in business_lines:
        if line not in have:
            label = (labels or {}).get(line, line)
            problems.append(
                Problem(
                    AdmissionError.PRODUCT_MISSING,
                    gettext("业务类别“%(label)s”尚未填写新增产品申请表（附件2）。") % {"label": label},
                    CLAUSE_MATERIALS,
                )
            )
    return problems


# --- capability -------------------------------------------------------------------------------

MIN_OM_STAFF = 1
MIN_SEATS = 1
MIN_AGENTS = 4
MIN_CONNECT_RATE_BP = 9900
MIN_ANSWERED_20S_BP = 8000
ACCESS_METHODS = ("leased_line", "vpn")


@dataclass(frozen=True)
class Capability:
    access_method: str
    certified_om_staff: int
    cs_hotline: str
    call_centre_seats: int
    call_centre_agents: int
    connect_rate_bp: int
    answered_20s_bp: int


def capability_required(partner_kind: str) -> bool:
    """第二章 一(五): the capability conditions (leased line/VPN, certified O&M staff, hotline,
    call centre, 99 % / 80 %) apply to SPs and APs; a CP needs only its business licence with the
    annual inspection and proof its content sources are lawful (checked with the qualifications)."""
    return partner_kind != "CP"


def capability_problems(c: Capability) -> list[Problem]:
    """Every unmet capability condition of an SP/AP, each with its own code and clause."""
    p: list[Problem] = []
    if c.access_method not in ACCESS_METHODS:
        p.append(
            Problem(AdmissionError.ACCESS_METHOD, gettext("接入方式须为专线或 VPN。"), CLAUSE_ACCESS_METHOD)
        )
    if c.certified_om_staff < MIN_OM_STAFF:
        p.append(
            Problem(
                AdmissionError.OM_STAFF, gettext("须至少有 1 名经运维培训并持证的运维人员。"), CLAUSE_OM_STAFF
            )
        )
    hotline = hotline_problem(c.cs_hotline)
    if hotline:
        p.append(Problem(AdmissionError.HOTLINE, hotline, CLAUSE_HOTLINE))
    if c.call_centre_seats < MIN_SEATS or c.call_centre_agents < MIN_AGENTS:
        p.append(
            Problem(
                AdmissionError.CALL_CENTRE,
                gettext(
                    "呼叫中心须至少 %(min_seats)s 个席位、%(min_agents)s 名客服人员（"
                    "申报 %(call_centre_seats)s 席、%(call_centre_agents)s 人）。"
                )
                % {
                    "min_seats": MIN_SEATS,
                    "min_agents": MIN_AGENTS,
                    "call_centre_seats": c.call_centre_seats,
                    "call_centre_agents": c.call_centre_agents,
                },
                CLAUSE_CALL_CENTRE,
            )
        )
    if c.connect_rate_bp < MIN_CONNECT_RATE_BP:
        p.append(
            Problem(
                AdmissionError.CONNECT_RATE,
                gettext("客服接通率须不低于 99%%（申报 %(connect_rate_bp)s%%）。")
                % {"connect_rate_bp": format(c.connect_rate_bp / 100, ".2f")},
                CLAUSE_SERVICE_LEVEL,
            )
        )
    if c.answered_20s_bp < MIN_ANSWERED_20S_BP:
        p.append(
            Problem(
                AdmissionError.ANSWER_RATE,
                gettext("20 秒内应答率须不低于 80%%（申报 %(answered_20s_bp)s%%）。")
                % {"answered_20s_bp": format(c.answered_20s_bp / 100, ".2f")},
                CLAUSE_SERVICE_LEVEL,
            )
        )
    return p


# --- states ----------------------------------------------------------------------------------

OPEN_STATES = frozenset(
    {
        "draft",
        "submitted",
        "returned",
        "initial_approved",
        "exam_passed",
        "review_scheduled",
        "reviewed",
        "accepted",
        "preparing",
        "testing",
        "opened",
    }
)

# the states whose application page shows the access-test checklist (附件4)
ACCESS_CHECKLIST_STATES = frozenset({"testing", "opened", "contracted"})

# the states in which the partner may open a new application (closed without admission)
CLOSED_WITHOUT_ADMISSION = frozenset(
    {"initial_rejected", "exam_failed", "review_absent", "deferred", "rejected", "withdrawn"}
)
# the states of an application whose business lines are admitted (accepted and after)
ADMITTED_STATES = frozenset({"accepted", "preparing", "testing", "opened", "contracted"})


def can_apply_again(state: str | None) -> bool:
    """May a partner whose latest application is in ``state`` open a new one? (None: has none.)
    Admission is per business (附件1 "XX公司_XX业务"): once a business is signed (contracted)
    the partner may apply for another business line."""
    return state is None or state in CLOSED_WITHOUT_ADMISSION or state == "contracted"


def admitted_line_problems(
    wanted: Iterable[str], admitted: Mapping[str, str], labels: Mapping[str, str]
) -> list[Problem]:
    """A business line the partner is already admitted for (``admitted``: line code → the number
    of the application that admitted it) is not applied for again."""
    return [
        Problem(
            AdmissionError.LINE_ALREADY_ADMITTED,
            gettext(
                "业务类别“%(label)s”已由准入申请 %(admitted)s 准入，无需重复申请"
                "；准入按业务办理，请选择其他业务类别。"
            )
            % {"label": labels.get(code, code), "admitted": admitted[code]},
            CLAUSE_PER_BUSINESS,
        )
        for code in wanted
        if code in admitted
    ]


def next_step(state: str) -> str:
    """What the partner does next while its application is in ``state`` (the portal's home),
    with the numbers of the rules that apply."""
    first, last = APPLICATION_DAYS
    exam_first, exam_last = EXAM_DAYS
    texts = {
        "draft": gettext_noop("完善申请材料、能力声明和产品表单，通过资格自检后提交。"),
        "returned": gettext_noop("按初审意见修改后在受理期内（%(first)s–%(last)s 日）重新提交。"),
        "submitted": gettext_noop("等待产品创新部初审。"),
        "initial_approved": gettext_noop(
            "初审已通过：业务和技术人员将于本月 %(exam_first)s–%(exam_last)s 日参加接入考核。"
        ),
        "exam_passed": gettext_noop(
            "考核已通过：等待评审会安排，须按时参加评审（未参加将 %(years)s 年内禁止申请）。"
        ),
        "review_scheduled": gettext_noop("请按通知的时间参加接入评审会，现场演示业务。"),
        "reviewed": gettext_noop("评审已完成，等待准入决定。"),
        "accepted": gettext_noop(
            "准入已通过：请在 %(days)s 个工作日内提交接入资料，否则顺延至下月系统准备。"
        ),
        "preparing": gettext_noop("系统准备中：各增值业务系统正在配置数据。"),
        "testing": gettext_noop("接入测试中：按测试用例配合完成测试。"),
        "opened": gettext_noop("业务已开通，等待签订合同。"),
        "contracted": gettext_noop(
            "合同已签订。准入按业务办理：如需开展其他业务，可在受理期内申请该业务类别的准入。"
        ),
    }
    text = texts.get(state)
    if text is None:
        return ""
    return gettext(text) % {
        "first": first,
        "last": last,
        "exam_first": exam_first,
        "exam_last": exam_last,
        "years": REVIEW_ABSENCE_BAN_YEARS,
        "days": ACCESS_DATA_WORKING_DAYS,
    }


STATE_FAMILIES: dict[str, str] = {
    "draft": "draft",
    "submitted": "waiting",
    "initial_approved": "waiting",
    "review_scheduled": "waiting",
    "preparing": "waiting",
    "testing": "waiting",
    "returned": "action",
    "exam_passed": "action",
    "reviewed": "action",
    "accepted": "action",
    "opened": "action",
    "deferred": "action",
    "contracted": "done",
    "rejected": "refused",
    "initial_rejected": "refused",
    "exam_failed": "refused",
    "review_absent": "refused",
    "withdrawn": "refused",
}


# --- access testing (attachment 4) -------------------------------------------------------------

# keyed by catalogue business-line code; a line without its own list gets the generic cases
ACCESS_TEST_CASES: dict[str, list[tuple[str, str | Promise]]] = {
    "SMS": [
        ("sms_bind", gettext_lazy("网关连接与登录（Bind）")),
        ("sms_mo", gettext_lazy("上行点播（MO）")),
        ("sms_mt", gettext_lazy("下行发送与状态报告（MT）")),
        ("sms_subscribe", gettext_lazy("订购与二次确认")),
        ("sms_unsubscribe", gettext_lazy("退订（含全部退订）")),
        ("sms_billing", gettext_lazy("计费话单核对")),
    ],
    "MMS": [
        ("mms_connect", gettext_lazy("彩信网关连接")),
        ("mms_mt", gettext_lazy("彩信下发与状态报告")),
        ("mms_subscribe", gettext_lazy("订购与退订")),
        ("mms_billing", gettext_lazy("计费话单核对")),
    ],
    "WAP": [
        ("wap_access", gettext_lazy("页面访问与响应时间")),
        ("wap_subscribe", gettext_lazy("订购确认页与二次确认")),
        ("wap_unsubscribe", gettext_lazy("退订")),
        ("wap_billing", gettext_lazy("计费话单核对")),
    ],
    "IVR": [
        ("ivr_trunk", gettext_lazy("中继接通")),
        ("ivr_flow", gettext_lazy("语音流程与按键")),
        ("ivr_billing", gettext_lazy("计费话单核对")),
    ],
    "STREAMING": [
        ("stream_play", gettext_lazy("点播播放")),
        ("stream_subscribe", gettext_lazy("订购与退订")),
        ("stream_billing", gettext_lazy("计费话单核对")),
    ],
    "KJAVA": [
        ("kjava_download", gettext_lazy("下载与安装")),
        ("kjava_subscribe", gettext_lazy("订购与退订")),
        ("kjava_billing", gettext_lazy("计费话单核对")),
    ],
}
_GENERIC_CASES: list[tuple[str, str | Promise]] = [
    ("generic_connect", gettext_lazy("系统对接")),
    ("generic_billing", gettext_lazy("计费话单核对")),
]


def access_cases_for(business_lines: Iterable[str]) -> list[tuple[str, str, str | Promise]]:
    """(business_line code, case_code, title) for every case the application must pass."""
    out = []
    for line in business_lines:
        for code, title in ACCESS_TEST_CASES.get(line, _GENERIC_CASES):
            out.append((line, code, title))
    return out


def untested_or_failed(
    required: Iterable[tuple[str, str]], latest: Mapping[tuple[str, str], bool]
) -> list[str]:
    """Case codes whose latest result is missing or failed; keys are (business_line, case_code)."""
    return [f"{line}:{code}" for line, code in required if not latest.get((line, code), False)]


# --- the paper application (正式书面申请) -----------------------------------------------------

PAPER_STATES_EXCLUDED = frozenset({"draft", "withdrawn"})


def paper_problem(state: str, received_on: dt.date | None, receiver: str, today: dt.date) -> Problem | None:
    """The paper application is recorded for an application submitted electronically (not a
    draft, not withdrawn), with the day it was received (not in the future) and who received it."""
    if state in PAPER_STATES_EXCLUDED:
        return Problem(
            AdmissionError.PAPER_INVALID, gettext("只能为已提交的电子申请登记书面申请。"), CLAUSE_PAPER
        )
    if received_on is None:
        return Problem(AdmissionError.PAPER_INVALID, gettext("请填写书面申请收到日期。"), CLAUSE_PAPER)
    if received_on > today:
        return Problem(
            AdmissionError.PAPER_INVALID,
            gettext("收到日期 %(received_on)s 晚于今天 %(today)s。")
            % {"received_on": received_on, "today": today},
            CLAUSE_PAPER,
        )
    if not receiver.strip():
        return Problem(AdmissionError.PAPER_INVALID, gettext("请填写书面申请接收人。"), CLAUSE_PAPER)
    return None


# --- opening (attachment 5) ---------------------------------------------------------------------

# 附件5 湖北联通开通资料（XX公司_XX业务）: what goes live and what users are told before the service
# is provided (第二章 一(四)1 5): company, service name, content, tariff, customer-service number,
# how to unsubscribe) — the company is the partner's own record
OPENING_FIELDS: list[tuple[str, str | Promise]] = [
    ("opened_on", gettext_lazy("开通日期")),
    ("service_name", gettext_lazy("业务名称")),
    ("service_content", gettext_lazy("业务内容")),
    ("tariff", gettext_lazy("资费标准")),
    ("cs_hotline", gettext_lazy("客服电话")),
    ("unsubscribe_method", gettext_lazy("退订方式")),
]
CLAUSE_OPENING_NOTICE = gettext_noop("《日常事务办理规范》附件5 开通资料、第二章 一(四)1 5) 告知用户")


def missing_opening_fields(data: Mapping[str, object]) -> list[str]:
    """The labels of the 附件5 opening data that are missing or blank."""
    return [str(label) for key, label in OPENING_FIELDS if not str(data.get(key) or "").strip()]


# --- contract ---------------------------------------------------------------------------------


def contract_problems(term_start: dt.date, term_end: dt.date, ratio_bp: int) -> list[Problem]:
    p = []
    if term_end <= term_start:
        p.append(
            Problem(AdmissionError.CONTRACT_TERM, gettext("合同终止日期须晚于起始日期。"), CLAUSE_CONTRACT)
        )
    if not 0 <= ratio_bp <= 10000:
        p.append(
            Problem(
                AdmissionError.SETTLEMENT_RATIO,
                gettext("结算比例须在 0–10000 基点（0%–100%）之间。"),
                CLAUSE_CONTRACT,
            )
        )
    return p


def contract_reminder_due(term_end: dt.date, on: dt.date) -> bool:
    """The expiry reminder is due from 30 days before the end through the end date."""
    return term_end - dt.timedelta(days=CONTRACT_REMINDER_DAYS) <= on <= term_end
