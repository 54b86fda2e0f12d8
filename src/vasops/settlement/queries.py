"""Read side of settlement. Finance (and the read-only roles) see every run and statement; a
partner user sees only their own partner's statements of published runs, their own ratios and
adjustments — another partner's is simply not there (404)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext

from vasops.core.errors import NotFound
from vasops.partners import queries as partner_queries
from vasops.settlement.models import (
    Adjustment,
    BadDebtRate,
    RatioVersion,
    SettlementLine,
    SettlementRun,
    Statement,
)

VIEW_RUN = "settlement.view_settlementrun"
VIEW_STATEMENT = "settlement.view_statement"
VIEW_RATIO = "settlement.view_ratioversion"
VIEW_ADJUSTMENT = "settlement.view_adjustment"


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def visible_runs(user: Any) -> QuerySet[SettlementRun]:
    qs = SettlementRun.objects.select_related("started_by", "approved_by", "published_by")
    if _authenticated(user) and user.has_perm(VIEW_RUN):
        return qs
    return qs.none()


def get_run(user: Any, pk: int) -> SettlementRun:
    run = visible_runs(user).filter(pk=pk).first()
    if run is None:
        raise NotFound()
    return run


def visible_statements(user: Any) -> QuerySet[Statement]:
    """Staff: all; a partner user: their partner's statements of published runs."""
    qs = Statement.objects.select_related("run", "partner")
    if not _authenticated(user):
        return qs.none()
    if user.has_perm(VIEW_STATEMENT):
        return qs
    partner = partner_queries.partner_of(user)
    if partner is None:
        return qs.none()
    return qs.filter(partner=partner, run__state=SettlementRun.State.PUBLISHED)


def get_statement(user: Any, pk: int) -> Statement:
    statement = visible_statements(user).filter(pk=pk).first()
    if statement is None:
        raise NotFound()
    return statement


def statement_lines(statement: Statement) -> QuerySet[SettlementLine]:
    return (
        SettlementLine.objects.filter(run_id=statement.run_id, partner_id=statement.partner_id)
        .select_related("product")
        .order_by("product_id", "ratio_version_id")
    )


def statement_adjustments(statement: Statement) -> QuerySet[Adjustment]:
    """The adjustments the statement's run read for this partner (from the run's manifest)."""
    ids = statement.run.manifest.get("adjustment_ids", [])
    return Adjustment.objects.filter(pk__in=ids, partner_id=statement.partner_id).select_related("product")


def visible_ratios(user: Any) -> QuerySet[RatioVersion]:
    """Staff: all versions; a partner: the ones that can apply to it (its contract, its own
    products, its business lines and the line-wide ones)."""
    qs = RatioVersion.objects.select_related("partner", "business_line", "product", "product__partner")
    if not _authenticated(user):
        return qs.none()
    if user.has_perm(VIEW_RATIO):
        return qs
    partner = partner_queries.partner_of(user)
    if partner is None:
        return qs.none()
    return qs.filter(
        Q(partner=partner)
        | Q(product__partner=partner)
        | Q(level=RatioVersion.Level.BUSINESS_LINE, partner__isnull=True)
    )


def visible_adjustments(user: Any) -> QuerySet[Adjustment]:
    qs = Adjustment.objects.select_related("partner", "product", "created_by")
    if not _authenticated(user):
        return qs.none()
    if user.has_perm(VIEW_ADJUSTMENT):
        return qs
    partner = partner_queries.partner_of(user)
    if partner is None:
        return qs.none()
    return qs.filter(partner=partner)


def bad_debt_rates() -> QuerySet[BadDebtRate]:
    return BadDebtRate.objects.select_related("business_line")


def latest_runs_by_month() -> dict[dt.date, SettlementRun]:
    """The run that counts for each month: the published one, else the newest computed."""
    chosen: dict[dt.date, SettlementRun] = {}
    qs = SettlementRun.objects.exclude(
        state__in=[SettlementRun.State.DRAFT, SettlementRun.State.FAILED, SettlementRun.State.SUPERSEDED]
    ).order_by("month", "version")
    for run in qs:
        current = chosen.get(run.month)
        if current is None or current.state != SettlementRun.State.PUBLISHED:
            chosen[run.month] = run
    return chosen


def revenue(months: int = 12) -> dict[str, Any]:
    """The revenue dashboard: per month (gross, net, partner share, carrier share), per business
    line and per partner of the latest month, from the runs that count."""
    from vasops.catalog.models import BusinessLine
    from vasops.partners.models import Partner

    runs = latest_runs_by_month()
    chosen = [runs[m] for m in sorted(runs)][-months:]
    by_month = [
        {
            "month": run.month,
            "run": run,
            "gross_fen": run.gross_fen,
            "net_fen": run.net_fen,
            "partner_share_fen": run.partner_share_fen,
            "carrier_share_fen": run.carrier_share_fen,
        }
        for run in chosen
    ]
    ids = [r.pk for r in chosen]
    sums = ("gross_fen", "net_fen", "partner_share_fen", "carrier_share_fen")
    line_names = {line.pk: line.label for line in BusinessLine.objects.all()}
    by_line: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(sums, 0))
    for row in (
        SettlementLine.objects.filter(run_id__in=ids)
        .values("business_line_id")
        .annotate(**{s: Sum(s) for s in sums})
        .order_by("business_line_id")
    ):
        name = line_names.get(row["business_line_id"], gettext("（无产品的调整）"))
        for s in sums:
            by_line[name][s] += row[s] or 0
    by_partner = []
    if chosen:
        last = chosen[-1]
        rows = list(Statement.objects.filter(run=last).order_by("-partner_share_fen")[:20])
        names = dict(Partner.objects.filter(pk__in=[r.partner_id for r in rows]).values_list("pk", "name"))
        by_partner = [
            {"partner": names.get(r.partner_id, str(r.partner_id)), **{s: getattr(r, s) for s in sums}}
            for r in rows
        ]
    return {
        "by_month": by_month,
        "by_line": [{"name": k, **v} for k, v in sorted(by_line.items(), key=lambda kv: -kv[1]["gross_fen"])],
        "by_partner": by_partner,
        "last_run": chosen[-1] if chosen else None,
    }
