"""Pure rules of the product catalogue (seed chapter 3.2–3.4, PRM.md §3 and §5.2). No ORM, no I/O."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext, gettext_lazy

from vasops.catalog.errors import CatalogError
from vasops.core import rules as core_rules
from vasops.core.clock import SHANGHAI
from vasops.core.errors import DomainError
from vasops.core.marks import gettext_noop

CLAUSE_PRODUCT_NEW = gettext_noop("《日常事务办理规范》第三章 二、产品新增规范")
CLAUSE_PRODUCT_CHANGE = gettext_noop("《日常事务办理规范》第三章 三、产品变更规范")
CLAUSE_PRM_CODES = gettext_noop("PRM 规范 附录A（A4 业务代码、A6 产品代码）")
CLAUSE_PRM_ACCESS_NO = gettext_noop("PRM 规范 附录A（A3 接入号）")

# billing modes (values of Product.BillingMode)
MONTHLY = "monthly"
PER_ITEM = "per_item"
PER_USE = "per_use"
FREE = "free"
CAPPED = "capped"
ON_DEMAND = {PER_ITEM, PER_USE}

# review paths of a change request
PATH_CHANGE = "change"  # 变更审核
PATH_FULL = "full"  # 按产品新增流程审核

PRODUCT_CODE_RE = re.compile(r"^[0-9]{10}$")
SERVICE_TYPE_RE = re.compile(r"^[0-9]{2}$")
ACCESS_NO_RE = re.compile(r"^[0-9]{1,21}$")

# partner states (partners.Partner.State) from which products may be submitted
SUBMITTING_PARTNER_STATES = {"active", "admitted"}


# --- identifiers ----------------------------------------------------------------------------


def product_code_problem(code: str, service_type: str) -> str | None:
    """PRM A6: product code = 8-digit service code + 2-digit sequence = 10 digits, and the
    service code begins with the 2-digit service type of the product's business line."""
    if not PRODUCT_CODE_RE.match(code or ""):
        return gettext("产品代码“%(code)s”无效：应为 10 位数字（8 位业务代码 + 2 位产品序号）。") % {
            "code": code
        }
    if code[:2] != service_type:
        return gettext("产品代码“%(code)s”的前两位应为该业务线的业务类型代码“%(service_type)s”。") % {
            "code": code,
            "service_type": service_type,
        }
    return None


def service_code_of(product_code: str) -> str:
    """The 8-digit service code (业务代码) a 10-digit product code extends."""
    return product_code[:8]


def access_number_problem(number: str, partner_number: str | None) -> str | None:
    """The product's access number is the partner's allocated 业务接入号 or a sub-number that
    extends it (digits only, at most 21 digits — PRM tariff AccessNo CHAR 21)."""
    if not partner_number:
        return gettext("贵公司尚未分配业务接入号，不能申报产品；请联系产品创新部。")
    if not ACCESS_NO_RE.match(number or ""):
        return gettext("接入号“%(number)s”无效：只能是数字，最长 21 位。") % {"number": number}
    if not number.startswith(partner_number):
        return gettext(
            "接入号“%(number)s”必须是贵公司的业务接入号 %(partner_number)s 或以其开头的子号码。"
        ) % {"number": number, "partner_number": partner_number}
    return None


def fee_problem(billing_mode: str, fee_fen: int) -> str | None:
    if fee_fen < 0:
        return gettext("资费不能为负数。")
    if billing_mode == FREE and fee_fen != 0:
        return gettext("免费产品的资费必须为 0。")
    if billing_mode != FREE and fee_fen == 0:
        return gettext("收费产品的资费必须大于 0；不收费请选择“免费”计费方式。")
    return None


# --- product change -------------------------------------------------------------------------


def change_review_path(billing_mode: str, old_fee_fen: int, new_fee_fen: int) -> str:
    """Which approval a change needs (seed 3.3, DESIGN.md "Products and changes"):

    * a monthly (包月) product may not raise its price → refused;
    * any other price rise (按次/按条, 封顶, or from free to paid) goes through the full
      product-new approval;
    * a price cut, an unchanged price (text changes) → ordinary change review.
    """
    if new_fee_fen > old_fee_fen:
        if billing_mode == MONTHLY:
            raise DomainError(
                CatalogError.MONTHLY_PRICE_RISE_FORBIDDEN,
                gettext("包月产品不得提高资费（现 %(old_fee_fen)s 分，申请 %(new_fee_fen)s 分）。")
                % {"old_fee_fen": old_fee_fen, "new_fee_fen": new_fee_fen},
                clause=CLAUSE_PRODUCT_CHANGE,
                field="fee_fen",
            )
        return PATH_FULL
    return PATH_CHANGE


def effective_date_problem(effective_on: dt.date, today: dt.date) -> str | None:
    """A change takes effect on a stated date that is in the future: tomorrow at the earliest
    (business date, Asia/Shanghai)."""
    if effective_on <= today:
        return gettext("生效日期必须晚于今天（最早 %(today)s）。") % {
            "today": format(today + dt.timedelta(days=1), "%Y-%m-%d")
        }
    return None


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in Asia/Shanghai, aware — a version's valid_from."""
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=SHANGHAI)


def periods_overlap(
    a_from: dt.datetime, a_to: dt.datetime | None, b_from: dt.datetime, b_to: dt.datetime | None
) -> bool:
    """Half-open validity periods [from, to) overlap; ``None`` = open-ended."""
    a_before_b_ends = b_to is None or a_from < b_to
    b_before_a_ends = a_to is None or b_from < a_to
    return a_before_b_ends and b_before_a_ends


# --- effective status (PRM.md §3.9, §4.6, §5.2) ---------------------------------------------

NORMAL = "normal"
PAUSED = "paused"  # 暂停 / 暂停代收费: existing subscribers keep using (free CDRs), no new orders
BLOCKED = "blocked"  # 冻结 / 暂停端口: nobody may use
NOT_LIVE = "not_live"  # not yet in force (pending / testing / approved / published)
OFFLINE = "offline"  # 注销 / 下线

_RANK = {NORMAL: 0, PAUSED: 1, BLOCKED: 2, NOT_LIVE: 3, OFFLINE: 4}
_LABEL = {
    NORMAL: gettext_lazy("正常"),
    PAUSED: gettext_lazy("暂停（停止新订购）"),
    BLOCKED: gettext_lazy("冻结/暂停端口"),
    NOT_LIVE: gettext_lazy("未生效"),
    OFFLINE: gettext_lazy("已下线"),
}

# partner status A7: 0 待审批 1 测试中 2 正常 3 暂停 4 冻结 5 注销
PARTNER_STATUS_LEVEL = {"0": NOT_LIVE, "1": NOT_LIVE, "2": NORMAL, "3": PAUSED, "4": BLOCKED, "5": OFFLINE}
# product status A.10: 1 审核通过 2 预发布待测试 3 发布 4 生效 5 暂停代收费 6 暂停端口 7 下线
PRODUCT_STATUS_LEVEL = {
    "1": NOT_LIVE,
    "2": NOT_LIVE,
    "3": NOT_LIVE,
    "4": NORMAL,
    "5": PAUSED,
    "6": BLOCKED,
    "7": OFFLINE,
}
# vasops partner workflow state → A7 code, when the partner row carries no Unicom code
PARTNER_STATE_TO_A7 = {"registered": "0", "admitted": "1", "active": "2", "suspended": "3", "exited": "5"}


@dataclass(frozen=True)
class EffectiveStatus:
    level: str
    source: str  # "partner" or "product": which link of the chain decided
    partner_code: str
    product_code: str

    @property
    def label(self) -> str:
        return str(_LABEL[self.level])

    @property
    def accepts_new_orders(self) -> bool:
        return self.level == NORMAL

    @property
    def existing_subscribers_served(self) -> bool:
        return self.level in {NORMAL, PAUSED}

    @property
    def charging(self) -> bool:
        """Paused: existing users keep using, but CDRs are free (Unicom stops collecting)."""
        return self.level == NORMAL


def effective_status(partner_code: str, product_code: str) -> EffectiveStatus:
    """The most restrictive status along partner → product (capability and service links
    are not modelled yet: they count as normal). Unknown/blank codes count as not live."""
    partner_level = PARTNER_STATUS_LEVEL.get(partner_code, NOT_LIVE)
    product_level = PRODUCT_STATUS_LEVEL.get(product_code, NOT_LIVE)
    if _RANK[partner_level] >= _RANK[product_level]:
        return EffectiveStatus(partner_level, "partner", partner_code, product_code)
    return EffectiveStatus(product_level, "product", partner_code, product_code)


def partner_a7_code(unicom_status: str | None, state: str) -> str:
    """The partner's A7 code: kept verbatim when the partner row has one, else derived from
    its workflow state."""
    if unicom_status:
        return unicom_status
    return PARTNER_STATE_TO_A7.get(state, "0")


# --- testing --------------------------------------------------------------------------------

DEFAULT_TEST_CASES = [
    "订购（含二次确认）",
    "退订",
    "业务使用 / 点播",
    "计费与话单（资费与申报一致）",
    "订购关系同步通知",
    "客服查询与投诉受理",
]


def tests_problem(results: list[bool | None]) -> str | None:
    """Testing completes only when there is at least one case and every case passed."""
    if not results:
        return gettext("没有测试用例，不能完成测试。")
    failed = sum(1 for r in results if r is False)
    pending = sum(1 for r in results if r is None)
    if failed or pending:
        return gettext("测试未全部通过：%(failed)s 项不通过，%(pending)s 项未测试。") % {
            "failed": failed,
            "pending": pending,
        }
    return None


# --- resource pools ---------------------------------------------------------------------------
# One pool model for every kind (catalog.ResourcePool.Kind): 企业代码 and 业务接入号 pools are number
# ranges / lists taken one number at a time; 通道配额 and E1 线路 pools are counts per business line.

ENTERPRISE_CODE = "enterprise_code"
SERVICE_ACCESS_NUMBER = "service_access_number"
CHANNEL = "channel"
E1 = "e1"
NUMBER_KINDS = frozenset({ENTERPRISE_CODE, SERVICE_ACCESS_NUMBER})
LINE_KINDS = frozenset({CHANNEL, E1})
POOL_KIND_LABELS = {
    ENTERPRISE_CODE: "企业代码",
    SERVICE_ACCESS_NUMBER: "业务接入号",
    CHANNEL: "通道配额",
    E1: "E1 线路",
}
CLAUSE_RESOURCE = gettext_noop("《日常事务办理规范》第二章 二、4 接入资源已满")

ENTERPRISE_CODE_BLOCK = "44"  # Hubei (protocols/PRM.md §3.1)
_POOL_ENTERPRISE_CODE = re.compile(r"^\d{8}$")
_POOL_ACCESS_NUMBER = re.compile(r"^\d{4,21}$")


def enterprise_code_problem(code: str) -> str | None:
    """A new enterprise code is 8 digits in the province's block (PRM.md §3.1)."""
    if not _POOL_ENTERPRISE_CODE.match(code or ""):
        return gettext("企业代码“%(code)s”须为 8 位数字。") % {"code": code}
    if not code.startswith(ENTERPRISE_CODE_BLOCK):
        return gettext("企业代码“%(code)s”须以本省号段 %(enterprise_code_block)s 开头。") % {
            "code": code,
            "enterprise_code_block": ENTERPRISE_CODE_BLOCK,
        }
    return None


def pool_number_problem(kind: str, number: str) -> str | None:
    """A number a pool of ``kind`` may hold: an enterprise code, or a 4–21 digit access number."""
    if kind == ENTERPRISE_CODE:
        return enterprise_code_problem(number)
    if not _POOL_ACCESS_NUMBER.match(number or ""):
        return gettext("业务接入号“%(number)s”须为 4–21 位数字。") % {"number": number}
    return None


def parse_numbers(text: str) -> list[str]:
    """Explicit numbers, separated by commas, blanks or new lines; order kept, duplicates dropped."""
    seen: dict[str, None] = {}
    for part in re.split(r"[,，;\s]+", text or ""):
        if part:
            seen.setdefault(part, None)
    return list(seen)


def range_size(start: str, end: str) -> int:
    if not (start.isdigit() and end.isdigit()) or len(start) != len(end):
        raise ValueError(gettext("号段起止须为等长的数字。"))
    if int(end) < int(start):
        raise ValueError(gettext("号段结束不能小于开始。"))
    return int(end) - int(start) + 1


def range_numbers(start: str, end: str) -> Iterator[str]:
    width = len(start)
    for value in range(int(start), int(end) + 1):
        yield f"{value:0{width}d}"


def number_pool_size(start: str, end: str, explicit: list[str]) -> int:
    """How many numbers a pool lists (its range plus the explicit ones)."""
    size = len(explicit)
    if start and end:
        size += range_size(start, end)
    return size


def number_pool_capacity(capacity: int, size: int) -> int:
    """A number pool gives out at most ``capacity`` numbers; 0 means every number it lists."""
    return min(capacity, size) if capacity else size


def number_pool_problems(kind: str, start: str, end: str, explicit: list[str], capacity: int) -> list[str]:
    """Validation of a staff-entered number pool (企业代码 / 业务接入号); returns messages."""
    msgs: list[str] = []
    size = 0
    if start or end:
        try:
            size = range_size(start, end)
        except ValueError as exc:
            msgs.append(str(exc))
        else:
            for bound in (start, end):
                msg = pool_number_problem(kind, bound)
                if msg:
                    msgs.append(msg)
    for n in explicit:
        msg = pool_number_problem(kind, n)
        if msg:
            msgs.append(msg)
    size += len(explicit)
    if size == 0:
        msgs.append(gettext("请填写号段起止或逐个列出号码。"))
    if capacity < 0:
        msgs.append(gettext("容量不能为负数。"))
    elif capacity and capacity > size:
        msgs.append(
            gettext("容量 %(capacity)s 超过号段内号码数 %(size)s。") % {"capacity": capacity, "size": size}
        )
    return msgs


def number_pools_exhausted_problem(kind: str) -> str:
    label = POOL_KIND_LABELS[kind]
    return gettext(
        "%(label)s资源池已满（或尚未配置可用资源池），无法分配%(label)s；请先在“资源池”页面扩充号段。"
    ) % {"label": label}


def pool_full_problem(pool_name: str, capacity: int, used: int, requested: int = 1) -> str | None:
    """A pool grants ``requested`` more only while used + requested ≤ capacity. ``used`` may
    exceed the capacity when staff lowered it below what is held: still full."""
    if requested < 1:
        return gettext("分配数量至少为 1。")
    if used + requested > capacity:
        free = max(capacity - used, 0)
        return gettext(
            "资源池“%(pool_name)s”已满：容量 %(capacity)s，已占用 %(used)s，"
            "剩余 %(free)s，无法再分配 %(requested)s。请释放不用的资源或扩容"
            "后再试。"
        ) % {"pool_name": pool_name, "capacity": capacity, "used": used, "free": free, "requested": requested}
    return None


def line_resources_full_message(line_name: str, kind: str, capacity: int, used: int) -> str:
    """Why a business is not admitted while its 通道配额 / E1 pool is full (第二章 二、4)."""
    return (
        f"业务“{line_name}”的{POOL_KIND_LABELS.get(kind, kind)}资源已满（容量 {capacity}，已占用 {used}），"
        "暂不受理该业务的接入申请。"
    )


def capacity_problem(capacity: int, used: int) -> str | None:
    """Capacity is at least 1 and never below what is currently held."""
    if capacity < 1:
        return gettext("容量至少为 1。")
    if capacity < used:
        return gettext("容量不能小于当前已占用的数量 %(used)s；请先释放资源。") % {"used": used}
    return None


# --- bulk import of products (staff, Excel) -------------------------------------------------

# (key, Chinese header) in template order; the header row of the uploaded sheet must match.
IMPORT_COLUMNS: list[tuple[str, str]] = [
    ("enterprise_code", "企业代码"),
    ("business_line", "业务线代码"),
    ("product_code", "产品代码"),
    ("name", "产品名称"),
    ("access_number", "业务接入号"),
    ("product_type", "产品类型"),
    ("fee", "资费（元）"),
    ("billing_mode", "计费方式"),
    ("description", "产品描述"),
]
IMPORT_HEADERS = [h for _, h in IMPORT_COLUMNS]
IMPORT_MAX_ROWS = 5000
ENTERPRISE_CODE_RE = re.compile(r"^([0-9]{8}|[0-9]{5})$")


# one row error and one cell reading for every import (core.rules, used by core.imports)
RowError = core_rules.RowError
cell_text = core_rules.cell_text


def yuan_to_fen(text: str) -> int:
    """'12.5' → 1250; refuses negatives, more than two decimals and non-numbers (ValueError)."""
    try:
        value = Decimal(text.replace(",", "").replace("，", "").strip())
    except InvalidOperation as exc:
        raise ValueError(gettext("“%(text)s”不是金额") % {"text": text}) from exc
    if not value.is_finite():
        raise ValueError(gettext("“%(text)s”不是金额") % {"text": text})
    if value < 0:
        raise ValueError(gettext("资费不能为负数"))
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(gettext("“%(text)s”超过两位小数（资费以元为单位，精确到分）") % {"text": text})
    return int(value * 100)


def choice_by_label(text: str, choices: list[tuple[str, str]]) -> str | None:
    """The value whose Chinese label (or value) is ``text``."""
    text = text.strip()
    for value, label in choices:
        if text in (str(label), value):
            return value
    return None
