"""Expert review actions 接入评审: expert pool, conflicts, weights, meetings with a reproducible
random panel, score sheets, attendance and the 1-year ban for absence."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from vasops.admission.errors import AdmissionError
from vasops.admission.events import AdmissionEvent
from vasops.admission.review import rules
from vasops.admission.review.models import (
    Expert,
    ExpertConflict,
    PanelMember,
    ReviewIndicator,
    ReviewMeeting,
    ScoreSheet,
)
from vasops.core import audit, clock, fsm, notify, permissions, roles
from vasops.core.errors import CoreError, DomainError, NotFound, required_text
from vasops.core.marks import gettext_noop
from vasops.partners import actions as partner_actions
from vasops.partners import queries as partner_queries

MANAGE = "admission.manage_review"
SCORE = "admission.score_review"
EXPERT_FIELDS = ["name", "specialities", "affiliation", "active"]
MEETING_FIELDS = [
    "date",
    "place",
    "panel_size",
    "seed",
    "state",
    "attended",
    "aggregate_score",
    "close_reason",
]


# --- expert pool -----------------------------------------------------------------------------


def _clean_specialities(values: list[str]) -> list[str]:
    return sorted({v.strip() for v in values if v and v.strip()})


@transaction.atomic(durable=True)
def create_expert(
    *, actor: Any, user: Any, name: str, specialities: list[str], affiliation: str = "", active: bool = True
) -> Expert:
    """Add a user of the "expert" group to the pool."""
    permissions.require(actor, MANAGE)
    if not roles.has_role(user, roles.EXPERT):
        raise DomainError(
            AdmissionError.REVIEW_NOT_AN_EXPERT,
            gettext("该用户不在“评审专家”角色中，请先分配角色。"),
            field="user",
        )
    if Expert.objects.filter(user=user).exists():
        raise DomainError(CoreError.VALIDATION, gettext("该用户已在专家库中。"), field="user")
    if not name.strip():
        raise DomainError(CoreError.VALIDATION, gettext("请填写专家姓名。"), field="name")
    expert = Expert.objects.create(
        user=user,
        name=name.strip(),
        specialities=_clean_specialities(specialities),
        affiliation=affiliation.strip(),
        active=active,
    )
    audit.record(
        actor=actor,
        action=AdmissionEvent.EXPERT_CREATED,
        obj=expert,
        after=audit.snapshot(expert, EXPERT_FIELDS),
    )
    return expert


@transaction.atomic(durable=True)
def update_expert(
    expert: Expert, *, actor: Any, name: str, specialities: list[str], affiliation: str, active: bool
) -> Expert:
    permissions.require(actor, MANAGE)
    e = Expert.objects.select_for_update().get(pk=expert.pk)
    before = audit.snapshot(e, EXPERT_FIELDS)
    if not name.strip():
        raise DomainError(CoreError.VALIDATION, gettext("请填写专家姓名。"), field="name")
    e.name, e.specialities, e.affiliation, e.active = (
        name.strip(),
        _clean_specialities(specialities),
        affiliation.strip(),
        active,
    )
    e.save()
    audit.record(
        actor=actor,
        action=AdmissionEvent.EXPERT_UPDATED,
        obj=e,
        before=before,
        after=audit.snapshot(e, EXPERT_FIELDS),
    )
    return e


@transaction.atomic(durable=True)
def add_conflict(expert: Expert, partner: Any, *, actor: Any, reason: str) -> ExpertConflict:
    """Record that ``expert`` must never be drawn for ``partner``."""
    permissions.require(actor, MANAGE)
    reason = required_text(reason, AdmissionError.REVIEW_REASON_REQUIRED, gettext("请填写回避原因。"))
    conflict, created = ExpertConflict.objects.get_or_create(
        expert=expert, partner=partner, defaults={"reason": reason.strip(), "created_by": actor}
    )
    if created:
        audit.record(
            actor=actor,
            action=AdmissionEvent.EXPERT_CONFLICT_ADDED,
            obj=expert,
            partner_id=partner.pk,
            after={"partner": partner.pk, "reason": reason.strip()},
            reason=reason,
        )
    return conflict


# --- indicators -------------------------------------------------------------------------------


def ensure_default_indicators() -> None:
    """Create the DESIGN.md indicators with equal weights when the table is empty (idempotent)."""
    if ReviewIndicator.objects.exists():
        return
    for order, spec in enumerate(rules.DEFAULT_INDICATORS, start=1):
        ReviewIndicator.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "group": spec.group,
                "description": spec.description,
                "weight_bp": spec.weight_bp,
                "order": order,
            },
        )


@transaction.atomic(durable=True)
def set_indicator_weights(weights: dict[str, int], *, actor: Any, reason: str = "") -> list[ReviewIndicator]:
    """Change the weights (basis points, code → weight); they must sum to 10000. Meetings already
    scheduled keep the weights they were scheduled with."""
    permissions.require(actor, MANAGE)
    ensure_default_indicators()
    rows = {i.code: i for i in ReviewIndicator.objects.select_for_update()}
    unknown = [c for c in weights if c not in rows]
    if unknown:
        raise DomainError(
            AdmissionError.REVIEW_INVALID_WEIGHTS,
            gettext("未知的评审指标：%(unknown)s。") % {"unknown": ", ".join(unknown)},
        )
    merged = {c: weights.get(c, i.weight_bp) for c, i in rows.items()}
    problem = rules.weights_problem(merged)
    if problem:
        raise DomainError(AdmissionError.REVIEW_INVALID_WEIGHTS, problem, field="weights")
    before = {c: i.weight_bp for c, i in rows.items()}
    for code, row in rows.items():
        if row.weight_bp != merged[code]:
            row.weight_bp = merged[code]
            row.save(update_fields=["weight_bp"])
    first = next(iter(rows.values()))
    audit.record(
        actor=actor,
        action=AdmissionEvent.REVIEW_WEIGHTS_SET,
        obj=first,
        before=before,
        after=merged,
        reason=reason,
    )
    return list(rows.values())


# --- panel draw and meetings -----------------------------------------------------------------


def conflicted_expert_ids(partner: Any) -> set[int]:
    explicit = set(ExpertConflict.objects.filter(partner=partner).values_list("expert_id", flat=True))
    by_affiliation = {
        pk
        for pk, affiliation in Expert.objects.values_list("pk", "affiliation")
        if rules.is_conflicted(affiliation, partner.name)
    }
    return explicit | by_affiliation


def draw(partner: Any, *, size: int, seed: str) -> list[Expert]:
    """The panel the seed gives for this partner (no change saved): active experts, conflicted
    ones excluded, drawn with random.Random(seed) over the sorted ids."""
    candidates = Expert.objects.filter(active=True).values_list("pk", flat=True)
    try:
        ids = rules.draw_panel(candidates, conflicted_expert_ids(partner), size, seed)
    except ValueError:
        raise DomainError(
            AdmissionError.REVIEW_NOT_ENOUGH_EXPERTS,
            gettext("专家库中可抽取（在库且无回避）的专家不足 %(size)s 人。") % {"size": size},
            field="panel_size",
            clause=rules.CLAUSE_REVIEW,
        )
    experts = Expert.objects.in_bulk(ids)
    return [experts[i] for i in ids]


def new_seed() -> str:
    return secrets.token_hex(8)


@transaction.atomic(durable=True)
def schedule_review_meeting(
    application: Any,
    *,
    actor: Any,
    date: dt.date,
    place: str,
    panel_size: int,
    seed: str | None = None,
) -> ReviewMeeting:
    """Schedule the meeting, draw the panel at random with a stored seed, move the application to
    review_scheduled and notify the partner and the drawn experts."""
    permissions.require(actor, MANAGE)
    from vasops.admission.models import Application

    app = Application.objects.select_for_update().select_related("partner").get(pk=application.pk)
    before_state = app.state
    fsm.transition(app, "schedule_review", label=gettext("安排评审"))
    if date < clock.today():
        raise DomainError(CoreError.VALIDATION, gettext("评审日期不能早于今天。"), field="date")
    if not place.strip():
        raise DomainError(CoreError.VALIDATION, gettext("请填写评审地点。"), field="place")
    if panel_size < 1:
        raise DomainError(CoreError.VALIDATION, gettext("评审组至少 1 人。"), field="panel_size")
    seed = (seed or "").strip() or new_seed()
    panel = draw(app.partner, size=panel_size, seed=seed)
    ensure_default_indicators()
    indicators = list(ReviewIndicator.objects.all())
    weights = {i.code: i.weight_bp for i in indicators}
    problem = rules.weights_problem(weights)
    if problem:
        raise DomainError(
            AdmissionError.REVIEW_INVALID_WEIGHTS,
            gettext("评审指标配置有误：%(problem)s") % {"problem": problem},
        )
    meeting = ReviewMeeting.objects.create(
        application=app,
        date=date,
        place=place.strip(),
        panel_size=panel_size,
        seed=seed,
        weights=weights,
        indicator_names={i.code: i.name for i in indicators},
        created_by=actor,
    )
    for position, expert in enumerate(panel, start=1):
        PanelMember.objects.create(meeting=meeting, expert=expert, position=position)
        ScoreSheet.objects.create(meeting=meeting, expert=expert)
    app.save()
    audit.record(
        actor=actor,
        action=AdmissionEvent.REVIEW_MEETING_SCHEDULED,
        obj=meeting,
        partner_id=app.partner_id,
        after={**audit.snapshot(meeting, MEETING_FIELDS), "panel": [e.pk for e in panel]},
    )
    audit.record(
        actor=actor,
        action=AdmissionEvent.REVIEW_MEETING_SCHEDULED,
        obj=app,
        partner_id=app.partner_id,
        before={"state": before_state},
        after={"state": app.state, "meeting": meeting.pk},
    )
    notify.send(
        partner_queries.partner_users(app.partner),
        subject=notify.text(gettext_noop("接入评审会已安排：%(date)s"), date=date.isoformat()),
        body=(
            notify.text(
                gettext_noop(
                    "申请 %(app_number)s 的接入评审会定于 %(date)s 在 %(place)s 举行"
                    "，请至少一人到场演讲并现场公网演示业务。通过考核但未参加评审的，"
                    "一年内不允许接入。"
                ),
                app_number=app.number,
                date=date.isoformat(),
                place=meeting.place,
            )
        ),
    )
    notify.send(
        [e.user for e in panel],
        subject=notify.text(
            gettext_noop("评审邀请：%(partner_name)s（%(date)s）"),
            partner_name=app.partner.name,
            date=date.isoformat(),
        ),
        body=(
            notify.text(
                gettext_noop("您被抽取为 %(partner_name)s 接入评审的评委，评审会 %(date)s，地点 %(place)s。"),
                partner_name=app.partner.name,
                date=date.isoformat(),
                place=meeting.place,
            )
        ),
        url=reverse("admission:expert_meeting", args=[meeting.pk]),
    )
    return meeting


# --- score sheets ----------------------------------------------------------------------------


def _own_sheet_locked(sheet: ScoreSheet, actor: Any) -> ScoreSheet:
    permissions.require(actor, SCORE)
    s = (
        ScoreSheet.objects.select_for_update()
        .select_related("meeting", "meeting__application", "expert")
        .filter(pk=sheet.pk, expert__user_id=actor.pk)
        .first()
    )
    if s is None:
        raise NotFound(gettext("评分表不存在或您无权查看。"))
    if s.state != ScoreSheet.State.DRAFT:
        raise DomainError(
            AdmissionError.REVIEW_SHEET_LOCKED, gettext("评分表已提交，不能再修改。"), status=409
        )
    if s.meeting.state != ReviewMeeting.State.SCHEDULED:
        raise DomainError(
            AdmissionError.REVIEW_MEETING_CLOSED, gettext("评审会已结束，不能再打分。"), status=409
        )
    return s


@transaction.atomic(durable=True)
def save_score_sheet(
    sheet: ScoreSheet, *, actor: Any, scores: dict[str, int], comment: str = ""
) -> ScoreSheet:
    """The expert saves their scores (0..100 per indicator) as a draft."""
    s = _own_sheet_locked(sheet, actor)
    problem = rules.scores_problem(scores, s.meeting.weights, complete=False)
    if problem:
        raise DomainError(AdmissionError.REVIEW_INVALID_SCORES, problem, field="scores")
    before = {"scores": s.scores, "comment": s.comment}
    s.scores = {c: int(v) for c, v in scores.items()}
    s.comment = comment
    s.save(update_fields=["scores", "comment"])
    audit.record(
        actor=actor,
        action=AdmissionEvent.SCORE_SHEET_SAVED,
        obj=s,
        partner_id=s.meeting.application.partner_id,
        before=before,
        after={"scores": s.scores, "comment": s.comment},
    )
    return s


@transaction.atomic(durable=True)
def submit_score_sheet(
    sheet: ScoreSheet, *, actor: Any, scores: dict[str, int] | None = None, comment: str | None = None
) -> ScoreSheet:
    """Submit and lock the sheet; every indicator must be scored. Completes the meeting when the
    partner attended and this was the last sheet."""
    s = _own_sheet_locked(sheet, actor)
    if scores is not None:
        s.scores = {c: int(v) for c, v in scores.items()}
    if comment is not None:
        s.comment = comment
    problem = rules.scores_problem(s.scores, s.meeting.weights, complete=True)
    if problem:
        raise DomainError(AdmissionError.REVIEW_INVALID_SCORES, problem, field="scores")
    fsm.transition(s, "submit", label=gettext("提交评分"))
    s.weighted_total = rules.weighted_total(s.scores, s.meeting.weights)
    s.submitted_at = clock.now()
    s.save()
    audit.record(
        actor=actor,
        action=AdmissionEvent.SCORE_SHEET_SUBMITTED,
        obj=s,
        partner_id=s.meeting.application.partner_id,
        after={"scores": s.scores, "comment": s.comment, "weighted_total": s.weighted_total},
    )
    meeting = ReviewMeeting.objects.select_for_update().get(pk=s.meeting_id)
    if meeting.attended and not meeting.sheets.filter(state=ScoreSheet.State.DRAFT).exists():
        _complete(meeting, actor, reason="")
    return s


# --- attendance, completion, absence ban -------------------------------------------------------


def _complete(meeting: ReviewMeeting, actor: Any, *, reason: str) -> ReviewMeeting:
    from vasops.admission.models import Application

    app = Application.objects.select_for_update().get(pk=meeting.application_id)
    before = audit.snapshot(meeting, MEETING_FIELDS)
    totals = [
        Decimal(t)
        for t in meeting.sheets.filter(state=ScoreSheet.State.SUBMITTED).values_list(
            "weighted_total", flat=True
        )
        if t is not None
    ]
    fsm.transition(meeting, "complete", label=gettext("完成评审"))
    meeting.aggregate_score = rules.aggregate(totals)
    meeting.close_reason = reason
    meeting.completed_at = clock.now()
    meeting.save()
    app_before = app.state
    fsm.transition(app, "complete_review", label=gettext("完成评审"))
    app.save()
    audit.record(
        actor=actor,
        action=AdmissionEvent.REVIEW_COMPLETED,
        obj=meeting,
        partner_id=app.partner_id,
        before=before,
        after={**audit.snapshot(meeting, MEETING_FIELDS), "sheets": len(totals)},
        reason=reason,
    )
    audit.record(
        actor=actor,
        action=AdmissionEvent.REVIEW_COMPLETED,
        obj=app,
        partner_id=app.partner_id,
        before={"state": app_before},
        after={"state": app.state, "aggregate_score": meeting.aggregate_score},
    )
    notify.send(
        partner_queries.partner_users(app.partner),
        subject=gettext_lazy("接入评审已完成"),
        body=notify.text(
            gettext_noop("申请 %(app_number)s 的接入评审已完成，评审结果将另行通知。"), app_number=app.number
        ),
    )
    return meeting


@transaction.atomic(durable=True)
def record_attendance(
    meeting: ReviewMeeting, *, actor: Any, attended: bool, reason: str = ""
) -> ReviewMeeting:
    """Staff record whether the partner attended. Absent → the application is marked absent and the
    partner is banned for 1 year automatically. Attended with every sheet submitted → completed."""
    permissions.require(actor, MANAGE)
    m = (
        ReviewMeeting.objects.select_for_update()
        .select_related("application", "application__partner")
        .get(pk=meeting.pk)
    )
    if m.state != ReviewMeeting.State.SCHEDULED:
        raise DomainError(AdmissionError.REVIEW_MEETING_CLOSED, gettext("评审会已结束。"), status=409)
    before = audit.snapshot(m, MEETING_FIELDS)
    m.attended = attended
    m.save(update_fields=["attended"])
    audit.record(
        actor=actor,
        action=AdmissionEvent.REVIEW_ATTENDANCE_RECORDED,
        obj=m,
        partner_id=m.application.partner_id,
        before=before,
        after=audit.snapshot(m, MEETING_FIELDS),
        reason=reason,
    )
    if not attended:
        return _mark_absent(m, actor, reason=reason)
    if not m.sheets.filter(state=ScoreSheet.State.DRAFT).exists():
        _complete(m, actor, reason="")
    return m


def _mark_absent(m: ReviewMeeting, actor: Any, *, reason: str) -> ReviewMeeting:
    from vasops.admission.models import Application

    app = Application.objects.select_for_update().select_related("partner").get(pk=m.application_id)
    fsm.transition(m, "mark_absent", label=gettext("登记缺席"))
    m.completed_at = clock.now()
    m.close_reason = reason
    m.save()
    app_before = app.state
    fsm.transition(app, "mark_review_absent", label=gettext("未参加评审"))
    app.save()
    audit.record(
        actor=actor,
        action=AdmissionEvent.REVIEW_MISSED,
        obj=app,
        partner_id=app.partner_id,
        before={"state": app_before},
        after={"state": app.state, "meeting": m.pk},
        reason=reason,
    )
    partner_actions.impose_restriction(
        app.partner,
        kind="ban",
        reason=notify.text(rules.ABSENCE_BAN_REASON),
        source=f"admission {app.number}",
        starts_on=m.date,
        actor=actor,
    )
    notify.send(
        partner_queries.partner_users(app.partner),
        subject=gettext_lazy("未参加接入评审：一年内不允许接入"),
        body=(
            notify.text(
                gettext_noop(
                    "申请 %(app_number)s 通过考核但未参加 %(date)s 的接入评审。依据规"
                    "定，自 %(date)s 起至 %(ban_end)s 不允许接入。（依据："
                    "%(clause_absent_ban)s）"
                ),
                app_number=app.number,
                date=m.date.isoformat(),
                ban_end=rules.ban_end(m.date).isoformat(),
                clause_absent_ban=gettext_lazy(rules.CLAUSE_ABSENT_BAN),
            )
        ),
    )
    return m


@transaction.atomic(durable=True)
def close_review(meeting: ReviewMeeting, *, actor: Any, reason: str) -> ReviewMeeting:
    """Staff close a meeting the partner attended although some sheets are not submitted; the
    aggregate is taken over the submitted sheets. A reason is required."""
    permissions.require(actor, MANAGE)
    m = ReviewMeeting.objects.select_for_update().get(pk=meeting.pk)
    if m.state != ReviewMeeting.State.SCHEDULED:
        raise DomainError(AdmissionError.REVIEW_MEETING_CLOSED, gettext("评审会已结束。"), status=409)
    if not m.attended:
        raise DomainError(
            AdmissionError.REVIEW_ATTENDANCE_REQUIRED, gettext("请先登记申请方已到场。"), status=409
        )
    reason = required_text(reason, AdmissionError.REVIEW_REASON_REQUIRED, gettext("结束评审须填写原因。"))
    if not m.sheets.filter(state=ScoreSheet.State.SUBMITTED).exists():
        raise DomainError(
            AdmissionError.REVIEW_SHEETS_PENDING, gettext("尚无专家提交评分表，不能结束评审。"), status=409
        )
    return _complete(m, actor, reason=reason.strip())
