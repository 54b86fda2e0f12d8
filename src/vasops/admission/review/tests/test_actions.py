"""Expert review actions: pool, conflicts, reproducible draw, sheets, attendance, absence ban."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from vasops.admission.models import ReviewMeeting
from vasops.admission.review import actions
from vasops.admission.tests import support as f
from vasops.core import roles
from vasops.core.errors import DomainError, NotFound, PermissionDenied
from vasops.core.models import AuditEvent, Notification
from vasops.core.testing import StaffFactory
from vasops.partners.models import Restriction

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return StaffFactory(username="review_staff", roles=[roles.PRODUCT_STAFF])


def make_experts(staff, n, affiliation="某大学"):
    out = []
    for i in range(n):
        u = f.user(f"expert_{affiliation}_{i}", role=roles.EXPERT)
        out.append(
            actions.create_expert(
                actor=staff, user=u, name=f"专家{i}", specialities=["短信"], affiliation=affiliation
            )
        )
    return out


@pytest.fixture
def scene(staff, freeze):
    freeze("2026-04-16")
    p, pu = f.partner("甲")
    app = f.application(p, pu, state="exam_passed")
    experts = make_experts(staff, 6)
    return p, pu, app, experts


def schedule(app, staff, size=3, seed="fixed-seed", day="2026-04-20"):
    return actions.schedule_review_meeting(
        app,
        actor=staff,
        date=dt.date.fromisoformat(day),
        place="产品创新部会议室",
        panel_size=size,
        seed=seed,
    )


def test_create_expert_requires_permission_and_expert_role(staff):
    u = f.user("e1", role=roles.EXPERT)
    with pytest.raises(PermissionDenied):
        actions.create_expert(actor=u, user=u, name="x", specialities=[])
    plain = f.user("plain")
    with pytest.raises(DomainError) as exc:
        actions.create_expert(actor=staff, user=plain, name="x", specialities=[])
    assert exc.value.code == "admission.review_not_an_expert"
    e = actions.create_expert(actor=staff, user=u, name="专家", specialities=["WAP", "短信", "WAP"])
    assert e.specialities == ["WAP", "短信"]
    assert AuditEvent.objects.filter(action="admission.expert_created", object_id=str(e.pk)).exists()


def test_schedule_stores_seed_and_same_seed_redraws_same_panel(scene, staff):
    p, pu, app, _experts = scene
    meeting = schedule(app, staff)
    panel = list(meeting.members.values_list("expert_id", flat=True))
    assert meeting.seed == "fixed-seed" and len(panel) == 3
    assert [e.pk for e in actions.draw(p, size=3, seed=meeting.seed)] == panel
    app.refresh_from_db()
    assert app.state == "review_scheduled"
    assert meeting.sheets.count() == 3
    assert AuditEvent.objects.filter(
        action="admission.review_meeting_scheduled", object_id=str(meeting.pk)
    ).exists()
    assert Notification.objects.filter(recipient=pu, subject__contains="评审会").exists()
    drawn_users = [m.expert.user for m in meeting.members.all()]
    assert Notification.objects.filter(recipient__in=drawn_users, subject__contains="评审邀请").count() == 3


def test_schedule_without_seed_generates_and_stores_one(scene, staff):
    _, _, app, _ = scene
    meeting = schedule(app, staff, seed=None)
    assert len(meeting.seed) >= 8


def test_schedule_needs_manage_review(scene):
    _, pu, app, experts = scene
    with pytest.raises(PermissionDenied):
        schedule(app, pu)
    with pytest.raises(PermissionDenied):
        schedule(app, experts[0].user)


def test_conflicted_experts_are_never_drawn(scene, staff):
    p, _, _app, experts = scene
    same_company = make_experts(staff, 1, affiliation=p.name)[0]
    actions.add_conflict(experts[0], p, actor=staff, reason="曾任该公司顾问")
    for seed in range(40):
        drawn = {e.pk for e in actions.draw(p, size=5, seed=str(seed))}
        assert experts[0].pk not in drawn and same_company.pk not in drawn
    with pytest.raises(DomainError) as exc:
        actions.draw(p, size=6, seed="x")
    assert exc.value.code == "admission.review_not_enough_experts"


def test_inactive_experts_are_not_drawn(scene, staff):
    p, _, _, experts = scene
    for e in experts[:3]:
        actions.update_expert(
            e, actor=staff, name=e.name, specialities=[], affiliation=e.affiliation, active=False
        )
    assert {e.pk for e in actions.draw(p, size=3, seed="s")} == {e.pk for e in experts[3:]}


def test_weights_must_sum_to_10000(staff):
    actions.ensure_default_indicators()
    with pytest.raises(DomainError) as exc:
        actions.set_indicator_weights({"company_scale": 2000}, actor=staff)
    assert exc.value.code == "admission.review_invalid_weights"
    actions.set_indicator_weights({"company_scale": 2000, "innovation": 0}, actor=staff, reason="调整")
    assert AuditEvent.objects.filter(action="admission.review_weights_set").exists()


def full_scores(meeting, value):
    return {c: value for c in meeting.weights}


def test_expert_scores_only_own_sheet_submit_locks_and_aggregate_is_mean(scene, staff):
    _, _, app, _ = scene
    meeting = schedule(app, staff)
    sheets = list(meeting.sheets.select_related("expert__user"))
    a, b, c = sheets
    with pytest.raises(NotFound):
        actions.save_score_sheet(a, actor=b.expert.user, scores={})
    with pytest.raises(DomainError):
        actions.submit_score_sheet(a, actor=a.expert.user, scores={"company_scale": 90})  # incomplete
    actions.submit_score_sheet(a, actor=a.expert.user, scores=full_scores(meeting, 90), comment="好")
    with pytest.raises(DomainError) as exc:
        actions.save_score_sheet(a, actor=a.expert.user, scores=full_scores(meeting, 10))
    assert exc.value.code == "admission.review_sheet_locked"
    actions.record_attendance(meeting, actor=staff, attended=True)
    actions.submit_score_sheet(b, actor=b.expert.user, scores=full_scores(meeting, 80))
    meeting.refresh_from_db()
    assert meeting.state == "meeting_scheduled"
    actions.submit_score_sheet(c, actor=c.expert.user, scores=full_scores(meeting, 71))
    meeting.refresh_from_db()
    app.refresh_from_db()
    assert meeting.state == "meeting_completed" and app.state == "reviewed"
    assert meeting.aggregate_score == Decimal("80.33")
    assert meeting.sheets.filter(state="sheet_submitted").count() == 3
    assert AuditEvent.objects.filter(action="admission.score_sheet_submitted").count() == 3


def test_partner_user_cannot_score(scene, staff):
    _, pu, app, _ = scene
    meeting = schedule(app, staff)
    with pytest.raises(PermissionDenied):
        actions.save_score_sheet(meeting.sheets.first(), actor=pu, scores={})


def test_staff_close_with_reason_uses_submitted_sheets(scene, staff):
    _, _, app, _ = scene
    meeting = schedule(app, staff)
    a = meeting.sheets.select_related("expert__user").first()
    actions.submit_score_sheet(a, actor=a.expert.user, scores=full_scores(meeting, 85))
    with pytest.raises(DomainError):
        actions.close_review(meeting, actor=staff, reason="专家缺席")  # attendance first
    actions.record_attendance(meeting, actor=staff, attended=True)
    with pytest.raises(DomainError):
        actions.close_review(meeting, actor=staff, reason="")
    actions.close_review(meeting, actor=staff, reason="两位专家临时缺席")
    meeting.refresh_from_db()
    assert meeting.state == "meeting_completed" and meeting.aggregate_score == Decimal("85.00")


def test_absence_bans_partner_for_exactly_one_year(scene, staff):
    p, pu, app, _ = scene
    meeting = schedule(app, staff)
    with pytest.raises(PermissionDenied):
        actions.record_attendance(meeting, actor=pu, attended=False)
    actions.record_attendance(meeting, actor=staff, attended=False, reason="未到场")
    app.refresh_from_db()
    meeting.refresh_from_db()
    assert app.state == "review_absent" and meeting.state == "meeting_absent"
    ban = Restriction.objects.get(partner=p, kind="ban")
    assert ban.starts_on == dt.date(2026, 4, 20)
    assert ban.ends_on == dt.date(2027, 4, 19)
    assert ban.reason == "考核通过未参加评审"
    assert ban.source == f"admission {app.number}"
    assert AuditEvent.objects.filter(action="admission.review_missed", object_id=str(app.pk)).exists()


def test_schedule_from_wrong_state_is_refused(staff, freeze):
    freeze("2026-04-16")
    p, pu = f.partner("丙")
    app = f.application(p, pu, state="initial_approved")
    make_experts(staff, 3, affiliation="丙外")
    with pytest.raises(DomainError) as exc:
        schedule(app, staff)
    assert exc.value.code == "core.invalid_transition"
    assert not ReviewMeeting.objects.exists()
