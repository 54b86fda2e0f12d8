"""Exam actions 接入考核: the only code that changes exam rows. Each is atomic, checks permission
and rules, writes the audit row and notifies."""

from __future__ import annotations

import secrets
from typing import Any, BinaryIO

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from vasops.admission.errors import AdmissionError
from vasops.admission.events import AdmissionEvent
from vasops.admission.exam import queries as exam_queries
from vasops.admission.exam import rules
from vasops.admission.exam.models import ExamPaper, ExamSitting, Question, QuestionCategory
from vasops.core import audit, clock, fsm, imports, notify, permissions
from vasops.core.errors import CoreError, DomainError, NotFound, PermissionDenied, required_text
from vasops.core.marks import gettext_noop
from vasops.partners import queries as partner_queries

MANAGE = "admission.manage_exam"
QUESTION_FIELDS = ["category", "qtype", "text", "options", "answer", "retired", "retired_reason"]
SITTING_FIELDS = [
    "date",
    "duration_minutes",
    "questions_per_paper",
    "business_person",
    "technical_person",
    "seed",
    "state",
    "passed",
]


# --- question bank ------------------------------------------------------------------------------


def _check_question(category: str, qtype: str, text: str, options: list[str], answer: str) -> str:
    if category not in QuestionCategory.values:
        raise DomainError(
            AdmissionError.EXAM_INVALID_QUESTION, gettext("类别须为业务或技术。"), field="category"
        )
    if not text.strip():
        raise DomainError(AdmissionError.EXAM_INVALID_QUESTION, gettext("请填写题目。"), field="text")
    if qtype == rules.TRUE_FALSE:
        options = []
    problem = rules.answer_problem(qtype, answer, len(options))
    if problem:
        raise DomainError(AdmissionError.EXAM_INVALID_QUESTION, problem, field="answer")
    return rules.normalise_answer(qtype, answer)


@transaction.atomic(durable=True)
def create_question(
    *, actor: Any, category: str, qtype: str, text: str, options: list[str], answer: str
) -> Question:
    permissions.require(actor, MANAGE)
    options = [] if qtype == rules.TRUE_FALSE else [o.strip() for o in options if o.strip()]
    norm = _check_question(category, qtype, text, options, answer)
    q = Question.objects.create(
        category=category, qtype=qtype, text=text.strip(), options=options, answer=norm, created_by=actor
    )
    audit.record(
        actor=actor, action=AdmissionEvent.QUESTION_CREATED, obj=q, after=audit.snapshot(q, QUESTION_FIELDS)
    )
    return q


@transaction.atomic(durable=True)
def update_question(
    question: Question, *, actor: Any, category: str, qtype: str, text: str, options: list[str], answer: str
) -> Question:
    """Edit a bank question. Papers already drawn keep their own snapshot."""
    permissions.require(actor, MANAGE)
    q = Question.objects.select_for_update().get(pk=question.pk)
    before = audit.snapshot(q, QUESTION_FIELDS)
    options = [] if qtype == rules.TRUE_FALSE else [o.strip() for o in options if o.strip()]
    q.answer = _check_question(category, qtype, text, options, answer)
    q.category, q.qtype, q.text, q.options = category, qtype, text.strip(), options
    q.save()
    audit.record(
        actor=actor,
        action=AdmissionEvent.QUESTION_UPDATED,
        obj=q,
        before=before,
        after=audit.snapshot(q, QUESTION_FIELDS),
    )
    return q


@transaction.atomic(durable=True)
def retire_question(question: Question, *, actor: Any, reason: str) -> Question:
    """Take a question out of future draws. Questions are never hard-deleted."""
    permissions.require(actor, MANAGE)
    reason = required_text(reason, AdmissionError.EXAM_REASON_REQUIRED, gettext("停用题目须填写原因。"))
    q = Question.objects.select_for_update().get(pk=question.pk)
    before = audit.snapshot(q, ["retired", "retired_reason"])
    q.retired, q.retired_reason = True, reason.strip()
    q.save(update_fields=["retired", "retired_reason", "updated_at"])
    audit.record(
        actor=actor,
        action=AdmissionEvent.QUESTION_RETIRED,
        obj=q,
        before=before,
        after=audit.snapshot(q, ["retired", "retired_reason"]),
        reason=reason,
    )
    return q


RowError = imports.RowError  # (row, column, message); ``.field`` is the column


class QuestionImportError(imports.ImportRefused):
    """The file has bad rows; nothing was imported. ``errors`` lists row, column and why."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            AdmissionError.EXAM_IMPORT_INVALID,
            errors,
            f"导入文件有 {len(errors)} 处错误，未导入任何题目；请修改后重新上传。",
        )


IMPORT_HEADERS = ["类别", "题型", "题目", *[f"选项{c}" for c in rules.OPTION_LETTERS], "答案"]
IMPORT_COLUMNS = [
    imports.Column("category", "类别", required=True),
    imports.Column("qtype", "题型", required=True),
    imports.Column("text", "题目", required=True, multiline=True, max_length=2000),
    *[imports.Column(f"option_{c}", f"选项{c}", max_length=500) for c in rules.OPTION_LETTERS],
    imports.Column("answer", "答案", required=True, max_length=20),
]


@transaction.atomic(durable=True)
def import_questions(upload: BinaryIO, *, actor: Any) -> list[Question]:
    """Import questions from an .xlsx (columns 类别, 题型, 题目, 选项A..选项F, 答案).
    All or nothing: any bad row refuses the whole file with a per-row error report."""
    permissions.require(actor, MANAGE)
    parsed: list[dict[str, Any]] = []
    # size, rows and characters checked by the one import helper (a bad file: ImportFileError)
    sheet = imports.read_xlsx(upload, IMPORT_COLUMNS, max_rows=rules.IMPORT_MAX_ROWS)
    errors: list[RowError] = list(sheet.errors)
    refused_rows = {e.row for e in sheet.errors}
    for cells in sheet.rows:
        row = cells.number
        if row in refused_rows:
            continue
        category = rules.CATEGORY_LABELS.get(cells["category"])
        qtype = rules.TYPE_LABELS.get(cells["qtype"])
        text = cells["text"]
        answer = cells["answer"]
        row_errors = []
        if category is None:
            row_errors.append(RowError(row, "类别", gettext("须为“业务”或“技术”。")))
        if qtype is None:
            row_errors.append(RowError(row, "题型", gettext("须为“单选”、“多选”或“判断”。")))
        if not text:
            row_errors.append(RowError(row, "题目", gettext("不能为空。")))
        options: list[str] = []
        try:
            options = rules.parse_options([cells[f"option_{c}"] or None for c in rules.OPTION_LETTERS])
        except ValueError as exc:
            row_errors.append(RowError(row, "选项", str(exc)))
        if qtype == rules.TRUE_FALSE:
            options = []
        if qtype is not None and not row_errors:
            problem = rules.answer_problem(qtype, answer, len(options))
            if problem:
                row_errors.append(RowError(row, "答案", problem))
        errors += row_errors
        if not row_errors:
            assert category is not None and qtype is not None
            parsed.append(
                {
                    "category": category,
                    "qtype": qtype,
                    "text": text,
                    "options": options,
                    "answer": rules.normalise_answer(qtype, answer),
                }
            )
    if errors:
        raise QuestionImportError(errors)
    created = [Question.objects.create(created_by=actor, **data) for data in parsed]
    for q in created:
        audit.record(
            actor=actor,
            action=AdmissionEvent.QUESTION_IMPORTED,
            obj=q,
            after=audit.snapshot(q, QUESTION_FIELDS),
        )
    return created


def import_template() -> bytes:
    """The downloadable .xlsx template with one example row per type."""
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "题库导入"
    ws.append(IMPORT_HEADERS)
    ws.append(
        [
            "业务",
            "单选",
            "SP 申请准入的受理时间是？",
            "每季度第一月 1-10 日",
            "每月 11-15 日",
            "",
            "",
            "",
            "",
            "A",
        ]
    )
    ws.append(["技术", "多选", "SP 可通过哪些方式接入？", "专线", "VPN", "公网直连", "", "", "", "AB"])
    ws.append(["业务", "判断", "考核成绩业务和技术均达到 80 分方为通过。", "", "", "", "", "", "", "对"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- sittings and papers --------------------------------------------------------------------


def _partner_users(application: Any) -> list[Any]:
    return list(partner_queries.partner_users(application.partner))


@transaction.atomic(durable=True)
def schedule_exam(
    application: Any,
    *,
    actor: Any,
    date: Any,
    duration_minutes: int,
    questions_per_paper: int,
    business_person: str,
    technical_person: str,
    seed: str | None = None,
) -> ExamSitting:
    """Schedule the sitting (days 11–15 of the acceptance month) and draw the two papers."""
    permissions.require(actor, MANAGE)
    from vasops.admission.models import Application

    app = Application.objects.select_for_update().get(pk=application.pk)
    if app.state != Application.State.INITIAL_APPROVED:
        raise DomainError(
            CoreError.INVALID_TRANSITION,
            gettext("申请当前状态“%(state)s”，只有初审通过的申请可以安排考核。")
            % {"state": app.get_state_display()},
            status=409,
            clause=rules.CLAUSE_EXAM,
        )
    if ExamSitting.objects.filter(application=app, state=ExamSitting.State.SCHEDULED).exists():
        raise DomainError(
            AdmissionError.EXAM_ALREADY_SCHEDULED, gettext("该申请已安排考核场次。"), status=409
        )
    problem = rules.sitting_date_problem(date, app.window_month)
    if problem:
        raise DomainError(
            AdmissionError.EXAM_DATE_OUT_OF_WINDOW, problem, clause=rules.CLAUSE_EXAM, field="date"
        )
    if duration_minutes < 1 or duration_minutes > 600:
        raise DomainError(
            CoreError.VALIDATION, gettext("考试时长须在 1–600 分钟之间。"), field="duration_minutes"
        )
    if questions_per_paper < 1:
        raise DomainError(CoreError.VALIDATION, gettext("每卷题数至少为 1。"), field="questions_per_paper")
    if not business_person.strip() or not technical_person.strip():
        raise DomainError(
            CoreError.VALIDATION, gettext("须填写业务考生和技术考生各一人。"), field="business_person"
        )
    seed = seed or secrets.token_hex(8)
    sitting = ExamSitting.objects.create(
        application=app,
        date=date,
        duration_minutes=duration_minutes,
        questions_per_paper=questions_per_paper,
        business_person=business_person.strip(),
        technical_person=technical_person.strip(),
        seed=seed,
        created_by=actor,
    )
    for category, person in ((rules.BUSINESS, business_person), (rules.TECHNICAL, technical_person)):
        try:
            ids = rules.draw_questions(
                exam_queries.active_question_ids(category),
                questions_per_paper,
                rules.paper_seed(seed, category),
            )
        except ValueError:
            label = QuestionCategory(category).label
            raise DomainError(
                AdmissionError.EXAM_BANK_TOO_SMALL,
                gettext("%(label)s题库可用题目不足 %(questions_per_paper)s 道，请先补充题库。")
                % {"label": label, "questions_per_paper": questions_per_paper},
                field="questions_per_paper",
            )
        bank = Question.objects.in_bulk(ids)
        paper = ExamPaper.objects.create(
            sitting=sitting,
            category=category,
            person_name=person.strip(),
            questions=[bank[i].snapshot() for i in ids],
        )
        paper.drawn.set(ids)
    audit.record(
        actor=actor,
        action=AdmissionEvent.EXAM_SCHEDULED,
        obj=sitting,
        partner_id=app.partner_id,
        after=audit.snapshot(sitting, SITTING_FIELDS),
    )
    notify.send(
        _partner_users(app),
        subject=notify.text(gettext_noop("接入考核已安排：%(date)s"), date=date.isoformat()),
        body=(
            notify.text(
                gettext_noop(
                    "申请 %(app_number)s 的接入考核安排在 %(date)s，时长 "
                    "%(duration_minutes)s 分钟，闭卷在线作答。业务考生："
                    "%(business_person)s；技术考生：%(technical_person)s。请在考核当"
                    "日登录门户“在线考核”作答。"
                ),
                app_number=app.number,
                date=date.isoformat(),
                duration_minutes=duration_minutes,
                business_person=business_person,
                technical_person=technical_person,
            )
        ),
        url=reverse("admission:exam_portal"),
    )
    return sitting


def _paper_for_actor(paper: ExamPaper, actor: Any) -> ExamPaper:
    partner = partner_queries.partner_of(actor)
    if partner is None:
        raise PermissionDenied(gettext("只有合作伙伴用户可以作答试卷。"))
    locked = (
        ExamPaper.objects.select_for_update()
        .select_related("sitting", "sitting__application")
        .filter(pk=paper.pk, sitting__application__partner=partner)
        .first()
    )
    if locked is None:
        raise NotFound(gettext("试卷不存在或您无权查看。"))
    return locked


def _grade(paper: ExamPaper) -> int:
    graded = [rules.GradedQuestion(q["qtype"], q["answer"]) for q in paper.questions]
    given = [paper.answers.get(str(q["id"])) for q in paper.questions]
    return rules.score(graded, given)


def _close(paper: ExamPaper, actor: Any, *, auto: bool) -> ExamPaper:
    fsm.transition(paper, "submit", label=gettext("交卷"))
    paper.submitted_at = clock.now()
    paper.auto_closed = auto
    paper.score = _grade(paper)
    paper.save()
    audit.record(
        actor=actor,
        action=AdmissionEvent.EXAM_PAPER_AUTO_CLOSED if auto else AdmissionEvent.EXAM_PAPER_SUBMITTED,
        obj=paper,
        partner_id=paper.sitting.application.partner_id,
        after={"answers": paper.answers, "score": paper.score, "submitted_at": paper.submitted_at},
    )
    return paper


def _expired(paper: ExamPaper) -> bool:
    assert paper.started_at is not None
    return not rules.accepts_answers(paper.started_at, paper.sitting.duration_minutes, clock.now())


@transaction.atomic(durable=True)
def start_paper(paper: ExamPaper, *, actor: Any) -> ExamPaper:
    """The partner opens the paper: only on the sitting day; the timer starts now."""
    p = _paper_for_actor(paper, actor)
    if p.state == ExamPaper.State.IN_PROGRESS:
        if _expired(p):
            return _close(p, "system", auto=True)
        return p
    if p.state != ExamPaper.State.NOT_STARTED:
        return p
    if clock.today() != p.sitting.date:
        raise DomainError(
            AdmissionError.EXAM_NOT_SITTING_DAY,
            gettext("试卷只能在考核当日（%(date)s）开启。") % {"date": p.sitting.date.isoformat()},
            status=409,
            clause=rules.CLAUSE_EXAM,
        )
    if p.sitting.state != ExamSitting.State.SCHEDULED:
        raise DomainError(AdmissionError.EXAM_PAPER_CLOSED, gettext("本场考核已结束。"), status=409)
    fsm.transition(p, "start", label=gettext("开始作答"))
    p.started_at = clock.now()
    p.taken_by = actor
    p.save()
    audit.record(
        actor=actor,
        action=AdmissionEvent.EXAM_PAPER_STARTED,
        obj=p,
        partner_id=p.sitting.application.partner_id,
        after={"started_at": p.started_at},
    )
    return p


def _clean_answers(p: ExamPaper, answers: dict[str, Any]) -> dict[str, str]:
    by_id = {str(q["id"]): q for q in p.questions}
    clean = dict(p.answers)
    for qid, raw in answers.items():
        q = by_id.get(str(qid))
        if q is None:
            continue
        clean[str(qid)] = rules.normalise_answer(q["qtype"], raw)
    return clean


def save_answers(paper: ExamPaper, *, actor: Any, answers: dict[str, Any]) -> ExamPaper:
    """Autosave. After the time limit + 60 s grace the answers are refused and the paper closes
    with what was saved before (the close is kept; the refusal is raised after it commits)."""
    with transaction.atomic():
        p = _paper_for_actor(paper, actor)
        if p.state != ExamPaper.State.IN_PROGRESS:
            raise DomainError(
                AdmissionError.EXAM_PAPER_CLOSED, gettext("试卷已交卷或未开始，不能再作答。"), status=409
            )
        if not _expired(p):
            p.answers = _clean_answers(p, answers)
            p.save(update_fields=["answers"])
            return p
        _close(p, "system", auto=True)
    raise DomainError(
        AdmissionError.EXAM_TIME_UP,
        gettext("考试时间已到，本次作答未被保存；试卷已按此前保存的答案自动交卷。"),
        status=409,
    )


def submit_paper(paper: ExamPaper, *, actor: Any, answers: dict[str, Any] | None = None) -> ExamPaper:
    """Hand in the paper; graded automatically (0..100). Late answers are refused and the paper
    closes with what was saved before."""
    with transaction.atomic():
        p = _paper_for_actor(paper, actor)
        if p.state != ExamPaper.State.IN_PROGRESS:
            raise DomainError(AdmissionError.EXAM_PAPER_CLOSED, gettext("试卷已交卷或未开始。"), status=409)
        if not _expired(p):
            if answers:
                p.answers = _clean_answers(p, answers)
            return _close(p, actor, auto=False)
        _close(p, "system", auto=True)
    raise DomainError(
        AdmissionError.EXAM_TIME_UP,
        gettext("考试时间已到，本次提交的答案未被接受；试卷已按此前保存的答案自动交卷。"),
        status=409,
    )


@transaction.atomic(durable=True)
def close_expired_papers() -> int:
    """Sweep (idempotent): close every paper whose time + grace is over, with its saved answers."""
    count = 0
    for p in (
        ExamPaper.objects.select_for_update()
        .select_related("sitting", "sitting__application")
        .filter(state=ExamPaper.State.IN_PROGRESS)
    ):
        if _expired(p):
            _close(p, "system", auto=True)
            count += 1
    return count


@transaction.atomic(durable=True)
def record_paper_scores(
    sitting: ExamSitting, *, actor: Any, business_score: int, technical_score: int, reason: str
) -> ExamSitting:
    """Staff enter the scores of a paper (offline) sitting instead of the online papers."""
    permissions.require(actor, MANAGE)
    s = ExamSitting.objects.select_for_update().get(pk=sitting.pk)
    if s.state != ExamSitting.State.SCHEDULED:
        raise DomainError(AdmissionError.EXAM_PAPER_CLOSED, gettext("成绩已公布，不能再录入。"), status=409)
    reason = required_text(reason, AdmissionError.EXAM_REASON_REQUIRED, gettext("录入线下成绩须填写说明。"))
    for field, value in (("business_score", business_score), ("technical_score", technical_score)):
        problem = rules.score_problem(value)
        if problem:
            raise DomainError(AdmissionError.EXAM_INVALID_SCORE, problem, field=field)
    for paper in s.papers.select_for_update():
        before = {"state": paper.state, "score": paper.score}
        if paper.state != ExamPaper.State.RECORDED:
            fsm.transition(paper, "record", label=gettext("录入成绩"))
        paper.score = business_score if paper.category == rules.BUSINESS else technical_score
        paper.score_reason = reason.strip()
        paper.save()
        audit.record(
            actor=actor,
            action=AdmissionEvent.EXAM_SCORE_RECORDED,
            obj=paper,
            partner_id=s.application.partner_id,
            before=before,
            after={"state": paper.state, "score": paper.score},
            reason=reason,
        )
    return s


@transaction.atomic(durable=True)
def publish_exam_results(sitting: ExamSitting, *, actor: Any) -> ExamSitting:
    """Publish: both ≥ 80 → the application passes the exam, else it fails. Partner notified.
    A paper never opened scores 0; one still in progress is closed with its saved answers."""
    permissions.require(actor, MANAGE)
    from vasops.admission.models import Application

    s = ExamSitting.objects.select_for_update().get(pk=sitting.pk)
    app = Application.objects.select_for_update().get(pk=s.application_id)
    papers = {p.category: p for p in s.papers.select_for_update()}
    if clock.today() < s.date and any(p.state != ExamPaper.State.RECORDED for p in papers.values()):
        raise DomainError(AdmissionError.EXAM_NOT_GRADED, gettext("考核日尚未到，不能公布成绩。"), status=409)
    for p in papers.values():
        if p.state == ExamPaper.State.IN_PROGRESS:
            if not _expired(p):
                raise DomainError(
                    AdmissionError.EXAM_NOT_GRADED,
                    gettext("%(person_name)s 仍在作答，请待交卷后再公布。") % {"person_name": p.person_name},
                    status=409,
                )
            _close(p, "system", auto=True)
        elif p.state == ExamPaper.State.NOT_STARTED:
            fsm.transition(p, "record", label=gettext("缺考"))
            p.score, p.score_reason = 0, "缺考"
            p.save()
    business = papers[rules.BUSINESS].score or 0
    technical = papers[rules.TECHNICAL].score or 0
    passed = rules.is_pass(business, technical)
    before = {"state": s.state, "application_state": app.state}
    fsm.transition(s, "publish", label=gettext("公布成绩"))
    s.passed = passed
    s.published_at = clock.now()
    s.save()
    if passed:
        fsm.transition(app, "pass_exam", label=gettext("考核通过"))
    else:
        fsm.transition(app, "fail_exam", label=gettext("考核未通过"))
    app.save()
    audit.record(
        actor=actor,
        action=AdmissionEvent.EXAM_RESULTS_PUBLISHED,
        obj=s,
        partner_id=app.partner_id,
        before=before,
        after={"state": s.state, "passed": passed, "business": business, "technical": technical},
    )
    audit.record(
        actor=actor,
        action=AdmissionEvent.EXAM_PASSED if passed else AdmissionEvent.EXAM_FAILED,
        obj=app,
        partner_id=app.partner_id,
        before={"state": before["application_state"]},
        after={"state": app.state},
    )
    verdict = gettext_lazy("通过") if passed else gettext_lazy("未通过（业务和技术成绩均须达到 80 分）")
    notify.send(
        _partner_users(app),
        subject=notify.text(gettext_noop("接入考核结果：%(verdict)s"), verdict=verdict),
        body=notify.text(
            gettext_noop(
                "申请 %(app_number)s：业务 %(business)s 分，技术 %(technical)s 分，结果：%(verdict)s。"
            ),
            app_number=app.number,
            business=business,
            technical=technical,
            verdict=verdict,
        ),
        url=reverse("admission:exam_portal"),
    )
    return s
