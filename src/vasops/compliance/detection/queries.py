"""Read side of the detection (staff only: partners see a hit only as the violation staff raise)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, QuerySet

from vasops.compliance.detection.models import DetectionHit, DetectionRule, DetectionRun
from vasops.compliance.detection.permissions import VIEW_PERM


def visible_hits(user: Any) -> QuerySet[DetectionHit]:
    qs = DetectionHit.objects.select_related("product", "partner", "run")
    if not getattr(user, "is_authenticated", False) or not user.has_perm(VIEW_PERM):
        return qs.none()
    return qs


def rules_table() -> QuerySet[DetectionRule]:
    return DetectionRule.objects.all()


def recent_runs(limit: int = 10) -> QuerySet[DetectionRun]:
    return DetectionRun.objects.order_by("-day")[:limit]


def hits_per_day(user: Any, last: dt.date, days: int = 30) -> list[tuple[dt.date, int]]:
    first = last - dt.timedelta(days=days - 1)
    counts = dict(
        visible_hits(user)
        .filter(day__gte=first, day__lte=last)
        .values_list("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    return [(first + dt.timedelta(days=i), counts.get(first + dt.timedelta(days=i), 0)) for i in range(days)]


def hits_per_metric(user: Any) -> list[tuple[str, int]]:
    return list(visible_hits(user).values_list("metric").annotate(n=Count("id")).values_list("metric", "n"))


def product_history(hit: DetectionHit) -> list[DetectionHit]:
    """The product's earlier hits of the same figure (for the chart on the hit's page)."""
    return list(
        DetectionHit.objects.filter(product_id=hit.product_id, metric=hit.metric).order_by("day")[:60]
    )
