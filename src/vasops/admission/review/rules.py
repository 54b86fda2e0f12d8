"""Pure rules of the expert review 接入评审 (seed 第三章 一、3). No ORM, no I/O."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext

from vasops.core.marks import gettext_noop
from vasops.partners.rules import restriction_end

CLAUSE_REVIEW = gettext_noop("《日常事务办理规范》第三章 一、3 接入评审")
CLAUSE_ABSENT_BAN = gettext_noop(
    "《日常事务办理规范》第三章 一、3（通过考核但未参加评审的 SP 一年内不允许接入）"
)

WEIGHT_TOTAL_BP = 10000
MAX_SCORE = 100
ABSENCE_BAN_REASON = gettext_noop("考核通过未参加评审")

QUALIFICATION = "qualification"
BUSINESS = "business"


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    name: str
    group: str
    description: str
    weight_bp: int


# DESIGN.md "Admission" / seed 第三章 一、3 5) 评审内容 — equal weights by default.
DEFAULT_INDICATORS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec(
        "company_scale", "公司规模", QUALIFICATION, "分支机构、开发团队、客服、上市、培训证书、注册资金", 1000
    ),
    IndicatorSpec(
        "resource_integration",
        "资源整合能力",
        QUALIFICATION,
        "优质内容、权威版权、流行元素、技术发明与专利",
        1000,
    ),
    IndicatorSpec(
        "channel_integration", "渠道整合能力", QUALIFICATION, "自有渠道、合作渠道、用户基础、营销计划", 1000
    ),
    IndicatorSpec("dev_ops_ability", "开发与运营能力", QUALIFICATION, "业务技术开发实力及业务运营实力", 1000),
    IndicatorSpec(
        "operating_experience",
        "运营经验（含信用）",
        QUALIFICATION,
        "运营经验、收入、违约信用情况（信用积分）、成功案例",
        1000,
    ),
    IndicatorSpec("quality", "业务质量", BUSINESS, "展现能力、丰富程度、规范性", 1000),
    IndicatorSpec(
        "performance", "业务性能", BUSINESS, "WAP 响应时间、网关到 SP 连接成功率、WAP 页面访问成功率", 1000
    ),
    IndicatorSpec(
        "content_resources", "内容资源", BUSINESS, "授权内容相关性与授权方权威性、技术专业性", 1000
    ),
    IndicatorSpec("maturity", "成熟度", BUSINESS, "在联通或行业内的运营情况（收入、用户数）", 1000),
    IndicatorSpec("innovation", "创新性", BUSINESS, "创新性、独特性、高增长性、对联通品牌的促进", 1000),
)


def weights_problem(weights: Mapping[str, int]) -> str | None:
    """Weights are basis points, each 0..10000, summing to exactly 10000."""
    if not weights:
        return gettext("至少需要一个评审指标。")
    if any(w < 0 or w > WEIGHT_TOTAL_BP for w in weights.values()):
        return gettext("每项权重须在 0–10000 基点之间。")
    total = sum(weights.values())
    if total != WEIGHT_TOTAL_BP:
        return gettext("各指标权重之和须为 10000 基点（100%%），当前为 %(total)s。") % {"total": total}
    return None


def normalise_name(text: str) -> str:
    return "".join((text or "").split()).casefold()


def is_conflicted(affiliation: str, partner_name: str, *, explicit: bool = False) -> bool:
    """An expert is conflicted when an explicit conflict is recorded or their affiliation is the
    partner itself (same name ignoring spaces and case)."""
    if explicit:
        return True
    a, p = normalise_name(affiliation), normalise_name(partner_name)
    return bool(a) and a == p


def draw_panel(candidate_ids: Iterable[int], excluded_ids: Iterable[int], size: int, seed: str) -> list[int]:
    """Draw ``size`` experts at random but reproducibly: ``random.Random(seed)`` over the sorted
    eligible ids (excluded = conflicted). ValueError when too few experts are eligible."""
    excluded = set(excluded_ids)
    pool = sorted(set(candidate_ids) - excluded)
    if size < 1:
        raise ValueError("size must be >= 1")
    if len(pool) < size:
        raise ValueError(f"only {len(pool)} eligible experts, {size} needed")
    return random.Random(seed).sample(pool, size)


TWO_PLACES = Decimal("0.01")


def weighted_total(scores: Mapping[str, int], weights: Mapping[str, int]) -> Decimal:
    """One sheet's result 0..100: Σ score × weight / 10000, two decimals, half up."""
    missing = [code for code in weights if code not in scores]
    if missing:
        raise ValueError(f"missing scores: {missing}")
    raw = sum((Decimal(scores[c]) * weights[c] for c in weights), Decimal(0)) / Decimal(WEIGHT_TOTAL_BP)
    return raw.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def aggregate(totals: Sequence[Decimal]) -> Decimal | None:
    """The meeting's result: the mean of the experts' weighted totals (None with no sheets)."""
    if not totals:
        return None
    return (sum(totals, Decimal(0)) / len(totals)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def scores_problem(scores: Mapping[str, int], codes: Iterable[str], *, complete: bool) -> str | None:
    """Each score an integer 0..100; on submission every indicator must be scored."""
    wanted = list(codes)
    for code, value in scores.items():
        if code not in wanted:
            return gettext("未知的评审指标：%(code)s。") % {"code": code}
        if not 0 <= value <= MAX_SCORE:
            return gettext("每项得分须在 0–100 之间。")
    if complete and any(c not in scores for c in wanted):
        return gettext("提交前须为每一项指标打分。")
    return None


def ban_end(starts_on: dt.date) -> dt.date:
    """Last day of the 1-year ban for not attending the review (inclusive): the partner
    registry's ban restriction (``partners.rules``, one owner of the restriction periods)."""
    end = restriction_end("ban", starts_on)
    assert end is not None
    return end
