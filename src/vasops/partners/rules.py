"""Pure rules of the partner registry (seed chapter 2, DESIGN.md "Admission"). No ORM."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext

from vasops.core.marks import gettext_noop
from vasops.core.rules import add_months, add_years
from vasops.core.vocabulary import ErrorCode
from vasops.partners.errors import PartnerError

CLAUSE_QUALIFICATION_SP = gettext_noop("《日常事务办理规范》第二章 一(一)、第三章 一、1 资格审查")
CLAUSE_CP = gettext_noop("《日常事务办理规范》第二章 一(五)2")
CLAUSE_RESTRICTION = gettext_noop("《日常事务办理规范》第二章 准入限制")

# --- qualifications -----------------------------------------------------------------------

SP_COMMON = [
    "business_licence",
    "tax_registration",
    "bank_account_proof",
    "sms_code_certificate",
    "third_party_content_licence",
]


def required_qualifications(kind: str, locality: str) -> list[str]:
    """Certificates a partner must hold (DESIGN.md "Admission"): a local SP or AP the provincial
    VAS licence; an out-of-province one the cross-regional licence plus the provincial filing;
    every SP/AP the common set (第二章 一(五)1: all basic conditions); a CP only the business
    licence (with its annual-inspection record) and proof its content sources are lawful
    (第二章 一(五)2)."""
    if kind == "CP":
        return ["business_licence", "content_source_proof"]
    if locality == "local":
        return ["vas_licence", *SP_COMMON]
    return ["cross_regional_licence", "provincial_filing", *SP_COMMON]


@dataclass(frozen=True)
class QualificationFact:
    kind: str
    valid_until: dt.date | None
    annual_inspection_date: dt.date | None = None


@dataclass(frozen=True)
class Problem:
    """A failing rule: ``code`` for machines (a member of the reporting app's error enum),
    ``message`` for people, ``clause`` the source."""

    code: ErrorCode
    message: str
    clause: str = ""


ANNUAL_INSPECTION_YEARS = 1


def needs_annual_inspection(partner_kind: str, qualification_kind: str) -> bool:
    """第二章 一(五)2: a CP's business licence must come with its annual-inspection record."""
    return partner_kind == "CP" and qualification_kind == "business_licence"


def annual_inspection_current(inspected_on: dt.date | None, on: dt.date) -> bool:
    """An annual inspection counts for a year: through the day before its anniversary."""
    return inspected_on is not None and on < add_years(inspected_on, ANNUAL_INSPECTION_YEARS)


def is_expired(fact: QualificationFact, on: dt.date) -> bool:
    """Valid through ``valid_until`` inclusive; expired from the next day."""
    return fact.valid_until is not None and on > fact.valid_until


def qualification_problems(
    kind: str, locality: str, held: list[QualificationFact], on: dt.date, labels: dict[str, str]
) -> list[Problem]:
    by_kind = {f.kind: f for f in held}
    clause = CLAUSE_CP if kind == "CP" else CLAUSE_QUALIFICATION_SP
    problems = []
    for needed in required_qualifications(kind, locality):
        label = labels.get(needed, needed)
        fact = by_kind.get(needed)
        if fact is None:
            problems.append(
                Problem(
                    PartnerError.QUALIFICATION_MISSING,
                    gettext("缺少必备资质：%(label)s。") % {"label": label},
                    clause,
                )
            )
        elif is_expired(fact, on):
            problems.append(
                Problem(
                    PartnerError.QUALIFICATION_EXPIRED,
                    gettext("资质已过期：%(label)s（有效期至 %(valid_until)s）。")
                    % {"label": label, "valid_until": fact.valid_until},
                    clause,
                )
            )
        elif needs_annual_inspection(kind, needed) and not annual_inspection_current(
            fact.annual_inspection_date, on
        ):
            last = (
                gettext("（最近年检 %(annual_inspection_date)s）")
                % {"annual_inspection_date": fact.annual_inspection_date}
                if fact.annual_inspection_date
                else ""
            )
            problems.append(
                Problem(
                    PartnerError.ANNUAL_INSPECTION_MISSING,
                    gettext("%(label)s缺少一年内的年检通过记录%(last)s，请在资质中填写年检日期。")
                    % {"label": label, "last": last},
                    CLAUSE_CP,
                )
            )
    return problems


REMINDER_DAYS = (30, 7)


def reminder_due(valid_until: dt.date | None, on: dt.date) -> int | None:
    """Which expiry reminder (30 or 7 days before) is due on ``on``: the smallest threshold
    whose window has been entered; ``None`` when no reminder applies or it already expired."""
    if valid_until is None or on > valid_until:
        return None
    left = (valid_until - on).days
    for days in sorted(REMINDER_DAYS):
        if left <= days:
            return days
    return None


# --- customer-service hotline -----------------------------------------------------------------

_HOTLINE_PATTERNS = [
    re.compile(r"^800\d{7}$"),  # 800-xxx-xxxx
    re.compile(r"^400\d{7}$"),  # 400-xxx-xxxx
    re.compile(r"^1010\d{3,4}$"),  # 1010xxx and 1010xxxx (第二章 一(四)1、2)
]
CLAUSE_HOTLINE = gettext_noop("《日常事务办理规范》第二章 一(四)1、2 客服号码")


def normalise_hotline(text: str) -> str:
    return re.sub(r"[\s\-()（）]", "", text or "")


def hotline_problem(text: str) -> str | None:
    """7×24 customer service must be on an 800/400 number or a Hubei Unicom 1010 short number
    (1010×××, 第二章 一(四)1, or 1010××××, 一(四)2); a plain landline or mobile number is
    refused. Returns the message, or None when acceptable."""
    number = normalise_hotline(text)
    if not number:
        return gettext("请填写客服热线。")
    if any(p.match(number) for p in _HOTLINE_PATTERNS):
        return None
    if re.match(r"^1[3-9]\d{9}$", number):
        return gettext(
            "客服热线“%(text)s”是手机号码；须为 800、400 或 1010xxx/1010xxxx 号码（%(clause_hotline)s）。"
        ) % {"text": text, "clause_hotline": gettext(CLAUSE_HOTLINE)}
    return gettext(
        "客服热线“%(text)s”不是 800/400/1010xxx/1010xxxx 形式的号码（普通"
        "固话、手机不予受理，%(clause_hotline)s）。"
    ) % {"text": text, "clause_hotline": gettext(CLAUSE_HOTLINE)}


# --- restrictions -----------------------------------------------------------------------------

LOCKOUT_MONTHS = 3  # rejected in the last 3 months
BAN_YEARS = 1  # passed the exam but did not attend expert review
VIOLATION_EXCLUSION_MONTHS = 6  # expelled from a business class for a violation
BAD_CREDIT_MONTHS = 6  # 第二章 二、1: a bad credit record bars "以往半年内" (the past half year)

# the clause each restriction applies (named in every refusal)
RESTRICTION_CLAUSES = {
    "blacklist": gettext_noop("《日常事务办理规范》第二章 二、1"),
    "major_violation": gettext_noop("《日常事务办理规范》第二章 二、2"),
    "violation_exclusion": gettext_noop("《日常事务办理规范》第二章 二、3"),
    "lockout": gettext_noop("《日常事务办理规范》第三章 一、3 评审结果 c"),
    "ban": gettext_noop("《日常事务办理规范》第三章 一、3 接入评审"),
}


def restriction_end(kind: str, starts_on: dt.date) -> dt.date | None:
    """Last day the restriction applies (inclusive); None = until lifted (major violation).

    A blacklist entry is a bad credit record (第二章 二、1 "以往半年内…存在重大不良信用记录"):
    it bars applications for 6 months from the record, through the day before the same date 6
    months later, unless a new record renews it. (A partner that exited with credit grade
    不合格 is refused through its grade, see ``restriction_problems``.)"""
    if kind == "blacklist":
        return add_months(starts_on, BAD_CREDIT_MONTHS) - dt.timedelta(days=1)
    if kind == "lockout":
        return add_months(starts_on, LOCKOUT_MONTHS) - dt.timedelta(days=1)
    if kind == "ban":
        return add_years(starts_on, BAN_YEARS) - dt.timedelta(days=1)
    if kind == "violation_exclusion":
        return add_months(starts_on, VIOLATION_EXCLUSION_MONTHS) - dt.timedelta(days=1)
    return None


@dataclass(frozen=True)
class RestrictionFact:
    kind: str
    starts_on: dt.date
    ends_on: dt.date | None
    lifted: bool = False
    business_line: str = ""
    reason: str = ""


def is_in_force(r: RestrictionFact, on: dt.date) -> bool:
    if r.lifted or on < r.starts_on:
        return False
    return r.ends_on is None or on <= r.ends_on


# the words of each restriction (translated where a refusal names them)
_RESTRICTION_TEXT = {
    "blacklist": (PartnerError.BLACKLISTED, gettext_noop("已列入黑名单（以往半年内存在重大不良信用记录）")),
    "lockout": (PartnerError.LOCKED_OUT, gettext_noop("准入申请被驳回未满 3 个月")),
    "ban": (PartnerError.BANNED, gettext_noop("接入考核通过后未参加接入评审，1 年内禁止申请")),
    "violation_exclusion": (
        PartnerError.VIOLATION_EXCLUDED,
        gettext_noop("因违规被清退的业务类别 6 个月内不得申请"),
    ),
    "major_violation": (PartnerError.MAJOR_VIOLATION, gettext_noop("存在重大违规")),
}
# the codes of the restrictions that refuse an application (credit grade 不合格 included)
RESTRICTION_CODES = frozenset(
    {PartnerError.CREDIT_FAIL, PartnerError.RESTRICTED, *(c for c, _ in _RESTRICTION_TEXT.values())}
)


def restriction_problems(
    restrictions: list[RestrictionFact],
    on: dt.date,
    *,
    credit_grade: str = "pass",
    business_lines: list[str] | None = None,
) -> list[Problem]:
    """Every restriction in force on ``on`` that refuses an application. A violation exclusion
    only refuses applications for the business line it names (any line when none is given)."""
    problems = []
    if credit_grade == "fail":
        problems.append(
            Problem(
                PartnerError.CREDIT_FAIL,
                gettext("信用等级为“不合格”（黑名单），不得申请准入。"),
                RESTRICTION_CLAUSES["blacklist"],
            )
        )
    for r in restrictions:
        if not is_in_force(r, on):
            continue
        if (
            r.kind == "violation_exclusion"
            and business_lines is not None
            and r.business_line
            and r.business_line not in business_lines
        ):
            continue
        code, text = _RESTRICTION_TEXT.get(r.kind, (PartnerError.RESTRICTED, gettext_noop("存在限制")))
        until = gettext("，至 %(ends_on)s 止") % {"ends_on": r.ends_on} if r.ends_on else gettext("（长期）")
        line = (
            gettext("（业务类别：%(business_line)s）") % {"business_line": r.business_line}
            if r.business_line
            else ""
        )
        clause = RESTRICTION_CLAUSES.get(r.kind, CLAUSE_RESTRICTION)
        message = gettext("%(text)s%(line)s%(until)s。") % {
            "text": gettext(text),
            "line": line,
            "until": until,
        }
        problems.append(Problem(code, message, clause))
    return problems


# --- unified social credit code (GB 32100-2015) -------------------------------------------------

_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code computed from the first 17."""
    total = sum(_USCC_CHARSET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARSET[(31 - total % 31) % 31]


def complete_credit_code(first17: str) -> str:
    """``first17`` followed by its check character: a valid unified social credit code."""
    return first17 + credit_code_check_char(first17)


def credit_code_problem(text: str) -> str | None:
    """An 18-character code of digits and capital letters (no I, O, Z, S, V) whose last
    character is the GB 32100-2015 check character. Returns the message, or None when valid."""
    code = (text or "").strip().upper()
    if len(code) != 18:
        return gettext("统一社会信用代码应为 18 位（当前 %(code_count)s 位）。") % {"code_count": len(code)}
    if any(c not in _USCC_CHARSET for c in code):
        return gettext("统一社会信用代码只能包含数字和大写字母（不含 I、O、Z、S、V）。")
    if credit_code_check_char(code[:17]) != code[17]:
        return gettext("统一社会信用代码校验位不正确，请核对营业执照上的代码。")
    return None


# --- qualification checklist ------------------------------------------------------------------


@dataclass(frozen=True)
class QualificationStatus:
    """``status``: missing / valid / expiring (within 30 days) / expired; ``days_left`` until
    ``valid_until`` (0 on the last valid day), None when open-ended or missing."""

    status: str
    days_left: int | None = None


def qualification_status(held: bool, valid_until: dt.date | None, on: dt.date) -> QualificationStatus:
    if not held:
        return QualificationStatus("missing")
    if valid_until is None:
        return QualificationStatus("valid")
    if on > valid_until:
        return QualificationStatus("expired", (valid_until - on).days)
    left = (valid_until - on).days
    return QualificationStatus("expiring" if left <= max(REMINDER_DAYS) else "valid", left)


# --- basic-info change 基本信息变更 (附件6) -------------------------------------------------

CLAUSE_CHANGE = gettext_noop("《日常事务办理规范》第三章 四、基本信息变更规范（附件6）")
# once admitted, company data changes only through a reviewed change request
CHANGE_REQUEST_STATES: frozenset[str] = frozenset({"admitted", "active", "suspended"})
CHANGE_OPEN_STATES: frozenset[str] = frozenset({"submitted", "approved", "second_approved"})


def change_request_required(partner_state: str) -> bool:
    """True when the company's basic information may change only through a change request."""
    return partner_state in CHANGE_REQUEST_STATES


def bank_account_number_problem(text: str) -> str | None:
    """Digits only (spaces ignored), 6–40 of them."""
    number = re.sub(r"\s", "", text or "")
    if re.fullmatch(r"\d{6,40}", number):
        return None
    return gettext("银行账号应为 6–40 位数字。")


CLAUSE_BANK_ACCOUNT = gettext_noop("《日常事务办理规范》第三章 一、1 资格审查（银行开户证明）")
CLAUSE_CONTRACT_DATA = gettext_noop("《日常事务办理规范》附件8 合同签署指南")


def _plain_name(text: str) -> str:
    """A company name compared without spaces and with full-width brackets as half-width."""
    return re.sub(r"\s", "", (text or "").replace("（", "(").replace("）", ")"))


def bank_holder_problem(account_name: str, company_name: str) -> str | None:
    """The settlement account is the company's own: its holder name (户名) is the company name
    (spaces and the width of brackets aside). Returns the message, or None when it matches."""
    if _plain_name(account_name) == _plain_name(company_name):
        return None
    return gettext(
        "银行账户户名“%(account_name)s”须与企业名称“%(company_name)s”一致（结算账户须为本企业账户）。"
    ) % {"account_name": account_name, "company_name": company_name}


CONTRACT_CONTACT_ROLES = ("business", "technical", "customer_service")


def contract_data_problems(
    contact_roles: set[str],
    role_labels: dict[str, str],
    bank_account_name: str | None,
    company_name: str,
) -> list[Problem]:
    """What a partner must have on file before its contract is signed (已签约): a business, a
    technical and a customer-service contact, and a current bank account in the company's name."""
    problems = [
        Problem(
            PartnerError.CONTACT_MISSING,
            gettext("尚未登记%(role)s。") % {"role": role_labels.get(role, role)},
            CLAUSE_CONTRACT_DATA,
        )
        for role in CONTRACT_CONTACT_ROLES
        if role not in contact_roles
    ]
    if bank_account_name is None:
        problems.append(
            Problem(
                PartnerError.BANK_ACCOUNT_MISSING, gettext("尚未登记结算银行账户。"), CLAUSE_CONTRACT_DATA
            )
        )
    else:
        holder = bank_holder_problem(bank_account_name, company_name)
        if holder:
            problems.append(Problem(PartnerError.BANK_HOLDER_MISMATCH, holder, CLAUSE_BANK_ACCOUNT))
    return problems


def normalise_bank_account_number(text: str) -> str:
    return re.sub(r"\s", "", text or "")


def next_settlement_period_start(day: dt.date) -> dt.date:
    """Settlement is monthly: a bank-account change applies from the first day of next month."""
    return dt.date(day.year + 1, 1, 1) if day.month == 12 else dt.date(day.year, day.month + 1, 1)


def four_eyes_problem(first_approver_id: int | None, second_approver_id: int | None) -> str | None:
    """The second approval of a bank-account change must come from a different person."""
    if first_approver_id is None:
        return gettext("尚无初审，不能复核。")
    if first_approver_id == second_approver_id:
        return gettext("银行账户变更须由另一名工作人员复核，初审人不能同时复核（双人复核）。")
    return None


def changed_fields(current: dict[str, object], proposed: dict[str, object]) -> list[str]:
    """Fields whose proposed value differs from the current one."""
    return [k for k, v in proposed.items() if current.get(k) != v]
