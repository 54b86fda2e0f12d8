"""Exam actions: permission, audit, scheduling window, papers, timer, publishing."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.admission.exam import actions
from vasops.admission.models import ExamPaper, Question
from vasops.admission.tests import support as f
from vasops.core import clock, roles
from vasops.core.errors import DomainError, NotFound, PermissionDenied
from vasops.core.models import AuditEvent, Notification
from vasops.core.testing import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return StaffFactory(username="exam_staff", roles=[roles.PRODUCT_STAFF])


@pytest.fixture
def setup(staff, freeze):
    freeze("2026-04-11")
    p, pu = f.partner("甲")
    app = f.application(p, pu)
    f.bank(staff, 5)
    return p, pu, app


def schedule(app, staff, day="2026-04-13", n=4, seed="s1"):
    return actions.schedule_exam(
        app,
        actor=staff,
        date=dt.date.fromisoformat(day),
        duration_minutes=30,
        questions_per_paper=n,
        business_person="李业务",
        technical_person="王技术",
        seed=seed,
    )


def test_create_question_needs_manage_exam_and_writes_audit(staff):
    outsider = f.user("nobody")
    with pytest.raises(PermissionDenied):
        actions.create_question(
            actor=outsider, category="business", qtype="single", text="x", options=["a", "b"], answer="A"
        )
    q = actions.create_question(
        actor=staff,
        category="business",
        qtype="multiple",
        text="选哪些",
        options=["a", "b", "c"],
        answer="ca",
    )
    assert q.answer == "AC"
    assert AuditEvent.objects.filter(action="admission.question_created", object_id=str(q.pk)).exists()


def test_question_with_answer_outside_its_options_is_refused(staff):
    with pytest.raises(DomainError) as exc:
        actions.create_question(
            actor=staff, category="business", qtype="single", text="x", options=["a", "b"], answer="C"
        )
    assert exc.value.field == "answer"


def test_retire_keeps_the_question_and_requires_reason(staff):
    q = f.bank(staff, 1)[0]
    with pytest.raises(DomainError):
        actions.retire_question(q, actor=staff, reason=" ")
    actions.retire_question(q, actor=staff, reason="过时")
    q.refresh_from_db()
    assert q.retired and Question.objects.filter(pk=q.pk).exists()
    assert AuditEvent.objects.filter(action="admission.question_retired", object_id=str(q.pk)).exists()


@pytest.mark.parametrize(
    ("day", "ok"), [("2026-04-10", False), ("2026-04-11", True), ("2026-04-15", True), ("2026-04-16", False)]
)
def test_sitting_date_on_days_11_to_15_only(setup, staff, day, ok):
    _, _, app = setup
    if ok:
        assert schedule(app, staff, day=day).date.isoformat() == day
    else:
        with pytest.raises(DomainError) as exc:
            schedule(app, staff, day=day)
        assert exc.value.code == "admission.exam_date_out_of_window"
        assert exc.value.clause


def test_schedule_needs_permission(setup):
    _, pu, app = setup
    with pytest.raises(PermissionDenied):
        schedule(app, pu)


def test_schedule_draws_two_snapshot_papers_reproducibly_and_notifies(setup, staff):
    p, pu, app = setup
    sitting = schedule(app, staff, seed="same")
    papers = {x.category: x for x in sitting.papers.all()}
    assert set(papers) == {"business", "technical"}
    assert all(len(x.questions) == 4 for x in papers.values())
    assert AuditEvent.objects.filter(action="admission.exam_scheduled", object_id=str(sitting.pk)).exists()
    assert Notification.objects.filter(recipient=pu, subject__contains="接入考核已安排").exists()
    # later bank edits do not change the paper
    qid = papers["business"].questions[0]["id"]
    q = Question.objects.get(pk=qid)
    actions.update_question(
        q, actor=staff, category="business", qtype="truefalse", text="改过的题目", options=[], answer="F"
    )
    paper = ExamPaper.objects.get(pk=papers["business"].pk)
    assert paper.questions[0]["text"] != "改过的题目"
    # same seed over the same bank → same paper (second application)
    app2 = f.application(p, pu)
    other = schedule(app2, staff, seed="same")
    assert [q["id"] for q in other.papers.get(category="technical").questions] == [
        q["id"] for q in papers["technical"].questions
    ]


def test_bank_too_small_is_refused(setup, staff):
    _, _, app = setup
    with pytest.raises(DomainError) as exc:
        schedule(app, staff, n=6)
    assert exc.value.code == "admission.exam_bank_too_small"


def test_paper_opens_only_on_sitting_day(setup, staff, freeze):
    _, pu, app = setup
    sitting = schedule(app, staff)
    paper = sitting.papers.get(category="business")
    with pytest.raises(DomainError) as exc:
        actions.start_paper(paper, actor=pu)
    assert exc.value.code == "admission.exam_not_sitting_day"
    freeze("2026-04-13")
    paper = actions.start_paper(paper, actor=pu)
    assert paper.state == "paper_in_progress" and paper.started_at


def test_partner_a_cannot_open_partner_b_paper(setup, staff, freeze):
    _, _, app = setup
    _, other_user = f.partner("乙")
    sitting = schedule(app, staff)
    freeze("2026-04-13")
    with pytest.raises(NotFound):
        actions.start_paper(sitting.papers.first(), actor=other_user)


def sit_and_submit(sitting, pu, wrong_business=0, wrong_technical=0):
    for paper, wrong in (
        (sitting.papers.get(category="business"), wrong_business),
        (sitting.papers.get(category="technical"), wrong_technical),
    ):
        paper = actions.start_paper(paper, actor=pu)
        actions.save_answers(paper, actor=pu, answers=f.correct_answers(paper, wrong))
        actions.submit_paper(paper, actor=pu)


def test_submit_grades_automatically_and_publish_passes(setup, staff, freeze):
    _p, pu, app = setup
    sitting = schedule(app, staff, n=5)
    freeze("2026-04-13")
    sit_and_submit(sitting, pu, wrong_business=1)
    scores = dict(sitting.papers.values_list("category", "score"))
    assert scores == {"business": 80, "technical": 100}
    with pytest.raises(PermissionDenied):
        actions.publish_exam_results(sitting, actor=pu)
    actions.publish_exam_results(sitting, actor=staff)
    app.refresh_from_db()
    sitting.refresh_from_db()
    assert app.state == "exam_passed" and sitting.passed is True
    assert AuditEvent.objects.filter(
        action="admission.exam_results_published", object_id=str(sitting.pk)
    ).exists()
    assert Notification.objects.filter(recipient=pu, subject__contains="通过").exists()


def test_one_score_below_80_fails_the_exam(setup, staff, freeze):
    _, pu, app = setup
    sitting = schedule(app, staff, n=5)
    freeze("2026-04-13")
    sit_and_submit(sitting, pu, wrong_technical=2)  # 60
    actions.publish_exam_results(sitting, actor=staff)
    app.refresh_from_db()
    assert app.state == "exam_failed"


def test_answers_after_time_limit_and_grace_are_refused_and_paper_closes_with_saved(setup, staff, freeze):
    _, pu, app = setup
    sitting = schedule(app, staff, n=5)
    freeze("2026-04-13")
    paper = actions.start_paper(sitting.papers.get(category="business"), actor=pu)
    saved = f.correct_answers(paper, wrong=5)  # all wrong → 0
    actions.save_answers(paper, actor=pu, answers=dict(list(saved.items())[:1]))
    late = paper.started_at + dt.timedelta(minutes=30, seconds=61)
    ExamPaper.objects.filter(pk=paper.pk).update(started_at=paper.started_at - (late - paper.started_at))
    with pytest.raises(DomainError) as exc:
        actions.submit_paper(paper, actor=pu, answers=f.correct_answers(paper))
    assert exc.value.code == "admission.exam_time_up"
    paper.refresh_from_db()
    assert paper.state == "paper_submitted" and paper.auto_closed and paper.score == 0


def test_answer_within_grace_is_accepted(setup, staff, freeze):
    _, pu, app = setup
    sitting = schedule(app, staff, n=5)
    freeze("2026-04-13")
    paper = actions.start_paper(sitting.papers.get(category="business"), actor=pu)
    ExamPaper.objects.filter(pk=paper.pk).update(
        started_at=clock.now() - dt.timedelta(minutes=30, seconds=50)
    )
    paper = actions.submit_paper(paper, actor=pu, answers=f.correct_answers(paper))
    assert paper.score == 100 and not paper.auto_closed


def test_record_paper_scores_needs_reason_and_permission(setup, staff):
    _, pu, app = setup
    sitting = schedule(app, staff)
    with pytest.raises(PermissionDenied):
        actions.record_paper_scores(sitting, actor=pu, business_score=90, technical_score=90, reason="纸质")
    with pytest.raises(DomainError):
        actions.record_paper_scores(sitting, actor=staff, business_score=90, technical_score=90, reason="")
    with pytest.raises(DomainError):
        actions.record_paper_scores(
            sitting, actor=staff, business_score=101, technical_score=90, reason="纸质"
        )
    actions.record_paper_scores(
        sitting, actor=staff, business_score=79, technical_score=95, reason="纸质考试"
    )
    assert AuditEvent.objects.filter(action="admission.exam_score_recorded").count() == 2
    actions.publish_exam_results(sitting, actor=staff)
    app.refresh_from_db()
    assert app.state == "exam_failed"


def test_close_expired_papers_sweep_is_idempotent(setup, staff, freeze):
    _, pu, app = setup
    sitting = schedule(app, staff)
    freeze("2026-04-13")
    paper = actions.start_paper(sitting.papers.get(category="business"), actor=pu)
    ExamPaper.objects.filter(pk=paper.pk).update(started_at=clock.now() - dt.timedelta(hours=2))
    assert actions.close_expired_papers() == 1
    assert actions.close_expired_papers() == 0
