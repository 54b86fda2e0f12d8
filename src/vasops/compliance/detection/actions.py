"""The only code that changes detection rows: the thresholds (staff) and a day's run (the
daily job). The figures are computed beforehand, read-only (``tasks.run_detection``)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils.functional import lazy
from django.utils.translation import gettext

from vasops.catalog.models import Product
from vasops.compliance.detection import rules
from vasops.compliance.detection.metrics import Finding
from vasops.compliance.detection.models import DetectionHit, DetectionRule, DetectionRun, Metric
from vasops.compliance.detection.permissions import RULES_PERM, RUN_PERM
from vasops.compliance.errors import ComplianceError
from vasops.compliance.events import ComplianceEvent
from vasops.core import audit, clock, notify
from vasops.core.errors import DomainError
from vasops.core.marks import gettext_noop
from vasops.core.permissions import require
from vasops.partners import queries as partner_queries

log = logging.getLogger(__name__)

RULE_FIELDS = ["threshold", "min_sample", "is_active", "violation_code"]
SYSTEM = "system"


@transaction.atomic(durable=True)
def save_detection_rule(
    rule: DetectionRule,
    *,
    actor: Any,
    threshold: int,
    min_sample: int,
    is_active: bool,
    violation_code: str = "",
    reason: str = "",
) -> DetectionRule:
    """Staff change a figure's threshold; hits already found keep the threshold they met."""
    require(actor, RULES_PERM)
    rule = DetectionRule.objects.select_for_update().get(pk=rule.pk)
    if threshold < 0:
        raise DomainError(
            ComplianceError.DETECTION_INVALID_RULE, gettext("阈值不能为负数。"), field="threshold"
        )
    if rules.DEFAULT_RULES[rule.metric].unit == "bp" and threshold > 10000:
        raise DomainError(
            ComplianceError.DETECTION_INVALID_RULE, gettext("比例阈值不能大于 100%。"), field="threshold"
        )
    if min_sample < 0:
        raise DomainError(
            ComplianceError.DETECTION_INVALID_RULE, gettext("最小样本量不能为负数。"), field="min_sample"
        )
    before = audit.snapshot(rule, RULE_FIELDS)
    rule.threshold = threshold
    rule.min_sample = min_sample
    rule.is_active = is_active
    rule.violation_code = violation_code.strip()
    rule.save()
    audit.record(
        actor=actor,
        action=ComplianceEvent.DETECTION_RULE_SAVED,
        obj=rule,
        before=before,
        after=audit.snapshot(rule, RULE_FIELDS),
        reason=reason,
    )
    return rule


def _draft(hit: DetectionHit, rule: DetectionRule, actor: Any) -> None:
    """Open a violation draft for staff review with the figures as evidence (compliance's
    ``draft_violation``, idempotent per hit); for an unknown or inactive violation code the hit
    stays recorded on its own (logged)."""
    if not rule.violation_code:
        return
    from vasops.compliance.actions import draft_violation

    label = str(Metric(hit.metric).label)
    value = rules.format_value(hit.metric, hit.value)
    threshold = rules.format_value(hit.metric, hit.threshold)
    summary = (
        f"异常扣费检测：{hit.product.name} {hit.day} {label} {value}（阈值 {threshold}，样本 {hit.sample}）"
    )
    evidence = {
        "detection_hit": hit.pk,
        "metric": hit.metric,
        "metric_label": label,
        "day": hit.day.isoformat(),
        "value": hit.value,
        "value_text": value,
        "threshold": hit.threshold,
        "sample": hit.sample,
        **hit.figures,
    }
    try:
        with transaction.atomic():  # a refused draft leaves the hit and the run intact
            violation = draft_violation(
                actor=actor,
                partner=hit.partner,
                violation_code=rule.violation_code,
                summary=summary,
                evidence=evidence,
                product=hit.product,
                source=hit,
            )
    except DomainError as exc:
        log.warning("detection hit %s: no violation draft (%s)", hit.pk, exc.code)
        return
    hit.violation_type = audit.object_type_of(violation)
    hit.violation_id = str(violation.pk)
    hit.save(update_fields=["violation_type", "violation_id"])


@transaction.atomic(durable=True)
def record_detection(*, actor: Any, run_day: dt.date, findings: list[Finding]) -> DetectionRun:
    """Store one day's run: every finding beyond its figure's threshold becomes a hit (once per
    product × figure × day: a re-run adds nothing twice), audited, with a violation draft; the
    product-innovation staff are told. The daily job runs as ``"system"``; a person needs
    compliance.run_detection."""
    if actor != SYSTEM:
        require(actor, RUN_PERM)
    problem = rules.day_problem(run_day, clock.today())
    if problem:
        raise DomainError(ComplianceError.DETECTION_INVALID_DAY, problem, field="day")
    run, _created = DetectionRun.objects.select_for_update().get_or_create(day=run_day)
    run.actor_label = (str(actor) if not isinstance(actor, str) else actor)[:150]
    active = {r.metric: r for r in DetectionRule.objects.filter(is_active=True)}
    products = {f.product_id for f in findings}
    product_rows = Product.objects.select_related("partner").in_bulk(list(products))
    new_hits: list[DetectionHit] = []
    for f in findings:
        rule = active.get(f.metric)
        if rule is None or not rules.is_hit(
            f.value, f.sample, threshold=rule.threshold, min_sample=rule.min_sample
        ):
            continue
        product = product_rows.get(f.product_id)
        if product is None:
            continue
        hit, created = DetectionHit.objects.get_or_create(
            product=product,
            metric=f.metric,
            day=f.day,
            defaults={
                "run": run,
                "partner_id": product.partner_id,
                "value": f.value,
                "threshold": rule.threshold,
                "sample": f.sample,
                "figures": f.figures,
            },
        )
        if not created:
            continue
        audit.record(
            actor=actor,
            action=ComplianceEvent.DETECTION_HIT_RECORDED,
            obj=hit,
            partner_id=product.partner_id,
            after={
                "metric": f.metric,
                "day": f.day,
                "value": f.value,
                "threshold": rule.threshold,
                "sample": f.sample,
            },
        )
        _draft(hit, rule, actor)
        new_hits.append(hit)
    run.products = max(run.products, len(products))
    run.hits = DetectionHit.objects.filter(run=run).count()
    run.finished_at = clock.now()
    run.save()
    if new_hits:
        lines = notify.joined(
            notify.text(
                gettext_noop("%(product)s（%(partner)s）%(metric)s：%(value)s，数据日期 %(day)s"),
                product=h.product.name,
                partner=h.product.partner.name,
                metric=Metric(h.metric).label,
                value=lazy(rules.format_value, str)(h.metric, h.value),
                day=h.day,
            )
            for h in new_hits
        )
        notify.send(
            partner_queries.product_staff_users(),
            subject=notify.text(
                gettext_noop("异常扣费检测：%(run_day)s 发现 %(new_hits_count)s 个疑点"),
                run_day=run_day,
                new_hits_count=len(new_hits),
            ),
            body=lines,
            url="/compliance/detection/",
        )
    return run
