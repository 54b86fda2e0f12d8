"""Assessment 考核 (ch. 6 一): a period's scorecards from the registered inputs, ranked; staff
confirm; a scorecard below the pass score costs credit points."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from vasops.compliance import assessment as registry
from vasops.compliance import rules
from vasops.compliance.actions.common import ASSESS, numbers, require_or_system, user_of
from vasops.compliance.actions.credit import change_points
from vasops.compliance.errors import ComplianceError
from vasops.compliance.events import ComplianceEvent
from vasops.compliance.models import Assessment, Scorecard
from vasops.core import audit, clock, fsm, notify
from vasops.core.errors import DomainError
from vasops.core.marks import gettext_noop
from vasops.core.permissions import require
from vasops.partners.models import Partner

ASSESSED_STATES = [Partner.State.ACTIVE, Partner.State.SUSPENDED]


@transaction.atomic(durable=True)
def compute_assessment(*, actor: Any, period_kind: str, day: dt.date) -> Assessment:
    """(Re)compute the scorecards of the month/quarter containing ``day`` (a draft only); by
    staff, or by the monthly sweep (actor "system")."""
    require_or_system(actor, ASSESS)
    if period_kind not in Assessment.Period.values:
        raise DomainError(ComplianceError.INVALID_PERIOD, gettext("请选择考核周期。"), field="period_kind")
    start, end = rules.month_of(day) if period_kind == Assessment.Period.MONTH else rules.quarter_of(day)
    assessment, _ = Assessment.objects.select_for_update().get_or_create(
        period_kind=period_kind, period_start=start, defaults={"period_end": end}
    )
    if assessment.state != Assessment.State.DRAFT:
        raise DomainError(
            ComplianceError.INVALID_PERIOD, gettext("该期考核已确认，不能重新计算。"), status=409
        )
    assessment.scorecards.all().delete()
    weights = registry.weights()
    values = {
        p.pk: registry.collect(p.pk, start, end)
        for p in Partner.objects.filter(state__in=ASSESSED_STATES).order_by("pk")
    }
    scores = {pk: rules.score(v, weights) for pk, v in values.items()}
    ranking = rules.ranks(list(scores.items()))
    Scorecard.objects.bulk_create(
        Scorecard(assessment=assessment, partner_id=pk, inputs=values[pk], score=scores[pk], rank=ranking[pk])
        for pk in values
    )
    audit.record(
        actor=actor,
        action=ComplianceEvent.ASSESSMENT_COMPUTED,
        obj=assessment,
        after={"partners": len(values), "inputs": sorted(weights)},
    )
    return assessment


@transaction.atomic(durable=True)
def confirm_assessment(assessment: Assessment, *, actor: Any) -> Assessment:
    """Staff confirm: scorecards below the pass score deduct ``assessment_fail_points`` each."""
    require(actor, ASSESS)
    n = numbers()
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    before = audit.snapshot(assessment, ["state"])
    fsm.transition(assessment, "confirm", label=gettext("确认"))
    assessment.confirmed_by = user_of(actor)
    assessment.confirmed_at = clock.now()
    assessment.save()
    failed = 0
    for card in assessment.scorecards.select_related("partner"):
        if card.score < n.assessment_pass_score:
            failed += 1
            change_points(
                card.partner,
                actor=actor,
                delta=-n.assessment_fail_points,
                reason=notify.text(
                    gettext_noop("%(assessment)s 得分 %(score)s 低于合格分 %(pass_score)s"),
                    assessment=assessment.name_text(),
                    score=card.score,
                    pass_score=n.assessment_pass_score,
                ),
                source=card,
                on=assessment.period_end,
            )
    audit.record(
        actor=actor,
        action=ComplianceEvent.ASSESSMENT_CONFIRMED,
        obj=assessment,
        before=before,
        after={"state": assessment.state, "failed": failed},
    )
    return assessment
