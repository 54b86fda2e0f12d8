"""Exam pages: question bank and sittings (console), the online paper (portal)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from vasops.admission.exam import actions, queries
from vasops.admission.exam import rules as exam_rules
from vasops.admission.exam.forms import (
    QuestionForm,
    QuestionImportForm,
    RecordScoresForm,
    RetireForm,
    SittingForm,
)
from vasops.admission.exam.models import ExamPaper, ExamSitting, Question, QuestionCategory, QuestionType
from vasops.core import clock, imports
from vasops.core.errors import DomainError, NotFound
from vasops.core.listing import Column, Filter, ListConfig, ObjectListView
from vasops.partners import queries as partner_queries

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def staff_perm(*perms: str) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Login plus any one of ``perms``; otherwise 403."""

    def deco(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not any(request.user.has_perm(p) for p in perms):
                raise DjangoPermissionDenied(*perms)  # the 403 page names the roles holding them
            return view(request, *args, **kwargs)

        return wrapper

    return deco


def _form_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.full_message)


BANK_CRUMB = ("题库", "admission:exam_question_list")
SITTING_CRUMB = ("考核场次", "admission:exam_sitting_list")


def _crumb(item: tuple[str, str]) -> tuple[str, str]:
    return item[0], reverse(item[1])


# --- question bank ------------------------------------------------------------------------------


def _answer_words(question: Question) -> str:
    """A true-false answer key in words (对/错), a choice question's as its letters."""
    if question.qtype == QuestionType.TRUE_FALSE:
        return gettext("对") if question.answer == "T" else gettext("错")
    return question.answer


@method_decorator(staff_perm("admission.manage_exam", "admission.view_question"), name="dispatch")
class QuestionListView(ObjectListView):
    title = gettext_lazy("题库")
    export_name = "exam-questions"
    empty_text = gettext_lazy("题库还没有题目。先新增题目，或下载模板后用 Excel 批量导入。")
    config = ListConfig(
        columns=[
            Column("pk", gettext_lazy("编号"), sort="id", link=True),
            Column("category", gettext_lazy("类别"), sort="category"),
            Column("qtype", gettext_lazy("题型"), sort="qtype"),
            Column("text", gettext_lazy("题目"), accessor=lambda q: q.text[:60]),
            Column("answer", gettext_lazy("答案"), accessor=_answer_words),
            Column("retired", gettext_lazy("已停用"), sort="retired"),
            Column("updated_at", gettext_lazy("更新时间"), sort="updated_at"),
        ],
        filters=[
            Filter("category", gettext_lazy("类别"), list(QuestionCategory.choices)),
            Filter("qtype", gettext_lazy("题型"), list(QuestionType.choices)),
            Filter(
                "retired",
                gettext_lazy("状态"),
                [("False", gettext_lazy("在用")), ("True", gettext_lazy("已停用"))],
            ),
        ],
        search_fields=["text"],
        default_sort="-id",
    )

    def get_base_queryset(self) -> QuerySet[Question]:
        return queries.questions(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["breadcrumbs"] = [("题库", None)]
        return ctx

    @property
    def create_url(self) -> tuple[str, str] | None:  # type: ignore[override]
        if self.request.user.has_perm("admission.manage_exam"):
            return (gettext("新增题目"), reverse("admission:exam_question_create"))
        return None

    @property
    def empty_action(self) -> tuple[str, str] | None:  # type: ignore[override]
        if self.request.user.has_perm("admission.manage_exam"):
            return (gettext("Excel 导入题目"), reverse("admission:exam_question_import"))
        return None


@staff_perm("admission.manage_exam")
def question_create(request: HttpRequest) -> HttpResponse:
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            q = actions.create_question(
                actor=request.user,
                category=d["category"],
                qtype=d["qtype"],
                text=d["text"],
                options=form.options(),
                answer=d["answer"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, gettext("已新增题目 #%(pk)s。") % {"pk": q.pk})
            return redirect("admission:exam_question_list")
    return render(
        request,
        "admission/exam/question_form.html",
        {
            "form": form,
            "title": gettext("新增题目"),
            "breadcrumbs": [_crumb(BANK_CRUMB), (gettext("新增题目"), None)],
        },
    )


@staff_perm("admission.manage_exam", "admission.view_question")
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(queries.questions(request.user), pk=pk)
    can_manage = request.user.has_perm("admission.manage_exam")
    form = QuestionForm(request.POST or None, initial=QuestionForm.initial_for(question))
    if request.method == "POST":
        if not can_manage:
            raise DjangoPermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                actions.update_question(
                    question,
                    actor=request.user,
                    category=d["category"],
                    qtype=d["qtype"],
                    text=d["text"],
                    options=form.options(),
                    answer=d["answer"],
                )
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, gettext("题目已保存；已抽出的试卷不受影响。"))
                return redirect("admission:exam_question_edit", pk=question.pk)
    return render(
        request,
        "admission/exam/question_form.html",
        {
            "form": form,
            "question": question,
            "retire_form": RetireForm(),
            "can_manage": can_manage,
            "used_in": question.papers.count(),
            "title": gettext("题目 #%(pk)s") % {"pk": question.pk},
            "breadcrumbs": [_crumb(BANK_CRUMB), (gettext("题目 #%(pk)s") % {"pk": question.pk}, None)],
        },
    )


@require_POST
@staff_perm("admission.manage_exam")
def question_retire(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(Question, pk=pk)
    form = RetireForm(request.POST)
    if form.is_valid():
        try:
            actions.retire_question(question, actor=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, gettext("题目已停用，不会再被抽中。"))
        except DomainError as exc:
            messages.error(request, exc.full_message)
    else:
        messages.error(request, gettext("停用题目须填写原因。"))
    return redirect("admission:exam_question_edit", pk=pk)


@staff_perm("admission.manage_exam")
def question_import(request: HttpRequest) -> HttpResponse:
    form = QuestionImportForm(request.POST or None, request.FILES or None)
    refused: actions.QuestionImportError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            created = actions.import_questions(form.cleaned_data["file"], actor=request.user)
        except actions.QuestionImportError as exc:
            refused = exc
            imports.keep_error_report(exc, actor=request.user, name="exam-question-import-errors.xlsx")
            form.add_error("file", exc.full_message)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, gettext("已导入 %(count)s 道题目。") % {"count": len(created)})
            return redirect("admission:exam_question_list")
    return render(
        request,
        "admission/exam/question_import.html",
        {
            "form": form,
            "refused": refused,
            "row_errors": refused.shown if refused else [],
            "title": gettext("Excel 导入题目"),
            "breadcrumbs": [_crumb(BANK_CRUMB), (gettext("Excel 导入"), None)],
        },
        status=400 if refused is not None or form.errors else 200,
    )


@staff_perm("admission.manage_exam", "admission.view_question")
def question_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(actions.import_template(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="exam-questions-template.xlsx"'
    return response


# --- sittings (console) -------------------------------------------------------------------------


@method_decorator(staff_perm("admission.manage_exam", "admission.view_examsitting"), name="dispatch")
class SittingListView(ObjectListView):
    title = gettext_lazy("考核场次")
    export_name = "exam-sittings"
    empty_text = gettext_lazy("还没有考核场次。初审通过的申请可在受理月 11–15 日安排考核。")
    config = ListConfig(
        columns=[
            Column(
                "application__number",
                gettext_lazy("申请编号"),
                accessor=lambda s: s.application.number,
                link=True,
            ),
            Column("partner", gettext_lazy("合作伙伴"), accessor=lambda s: s.application.partner.name),
            Column("date", gettext_lazy("考核日期"), sort="date"),
            Column("business_person", gettext_lazy("业务考生")),
            Column("technical_person", gettext_lazy("技术考生")),
            Column("state", gettext_lazy("状态"), badge=True, sort="state"),
            Column("passed", gettext_lazy("通过")),
        ],
        filters=[Filter("state", gettext_lazy("状态"), list(ExamSitting.State.choices))],
        search_fields=[
            "application__number",
            "application__partner__name",
            "business_person",
            "technical_person",
        ],
        default_sort="-date",
    )

    def get_base_queryset(self) -> QuerySet[ExamSitting]:
        return queries.sittings(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["breadcrumbs"] = [("考核场次", None)]
        return ctx

    @property
    def create_url(self) -> tuple[str, str] | None:  # type: ignore[override]
        if self.request.user.has_perm("admission.manage_exam"):
            return ("安排考核", reverse("admission:exam_sitting_create"))
        return None


@staff_perm("admission.manage_exam")
def sitting_create(request: HttpRequest) -> HttpResponse:
    initial = {}
    if request.GET.get("application"):
        initial["application"] = request.GET["application"]
    form = SittingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            sitting = actions.schedule_exam(
                d["application"],
                actor=request.user,
                date=d["date"],
                duration_minutes=d["duration_minutes"],
                questions_per_paper=d["questions_per_paper"],
                business_person=d["business_person"],
                technical_person=d["technical_person"],
                seed=d["seed"] or None,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, gettext("考核已安排，试卷已抽取，已通知合作伙伴。"))
            return redirect(sitting.get_absolute_url())
    return render(
        request,
        "admission/exam/sitting_form.html",
        {
            "form": form,
            "title": gettext("安排考核"),
            "breadcrumbs": [_crumb(SITTING_CRUMB), (gettext("安排考核"), None)],
        },
    )


def _sitting_or_404(request: HttpRequest, pk: int) -> ExamSitting:
    try:
        return queries.sitting_for(request.user, pk)
    except NotFound:
        raise Http404("考核场次不存在或您无权查看。")


@staff_perm("admission.manage_exam", "admission.view_examsitting")
def sitting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sitting = _sitting_or_404(request, pk)
    papers = list(sitting.papers.all())
    return render(
        request,
        "admission/exam/sitting_detail.html",
        {
            "sitting": sitting,
            "papers": papers,
            "record_form": RecordScoresForm(),
            "can_manage": request.user.has_perm("admission.manage_exam"),
            "is_open": sitting.state == ExamSitting.State.SCHEDULED,
            "pass_mark": exam_rules.PASS_MARK,
            "title": gettext("考核场次 · %(number)s") % {"number": sitting.application.number},
            "breadcrumbs": [_crumb(SITTING_CRUMB), (sitting.application.number, None)],
        },
    )


@require_POST
@staff_perm("admission.manage_exam")
def sitting_record(request: HttpRequest, pk: int) -> HttpResponse:
    sitting = _sitting_or_404(request, pk)
    form = RecordScoresForm(request.POST)
    if form.is_valid():
        try:
            actions.record_paper_scores(sitting, actor=request.user, **form.cleaned_data)
            messages.success(request, gettext("线下考试成绩已录入。"))
            return redirect(sitting.get_absolute_url())
        except DomainError as exc:
            _form_error(form, exc)
    return render(
        request,
        "admission/exam/sitting_detail.html",
        {
            "sitting": sitting,
            "papers": list(sitting.papers.all()),
            "record_form": form,
            "can_manage": True,
            "is_open": sitting.state == ExamSitting.State.SCHEDULED,
            "pass_mark": exam_rules.PASS_MARK,
            "title": gettext("考核场次 · %(number)s") % {"number": sitting.application.number},
            "breadcrumbs": [_crumb(SITTING_CRUMB), (sitting.application.number, None)],
        },
        status=400,
    )


@require_POST
@staff_perm("admission.manage_exam")
def sitting_publish(request: HttpRequest, pk: int) -> HttpResponse:
    sitting = _sitting_or_404(request, pk)
    try:
        sitting = actions.publish_exam_results(sitting, actor=request.user)
        messages.success(request, "成绩已公布：" + ("考核通过。" if sitting.passed else "考核未通过。"))
    except DomainError as exc:
        messages.error(request, exc.full_message)
    return redirect(sitting.get_absolute_url())


# --- portal: the online paper -------------------------------------------------------------------


def _partner_required(request: HttpRequest) -> None:
    if partner_queries.partner_of(request.user) is None:
        raise Http404("只有合作伙伴用户可以参加在线考核。")


@login_required
def exam_portal(request: HttpRequest) -> HttpResponse:
    _partner_required(request)
    sittings = list(
        queries.sittings(request.user).filter(application__partner=partner_queries.partner_of(request.user))
    )
    rows = [{"sitting": s, "papers": list(s.papers.all())} for s in sittings]
    return render(
        request,
        "admission/exam/portal_list.html",
        {
            "rows": rows,
            "today": clock.today(),
            "title": gettext("在线考核"),
            "breadcrumbs": [(gettext("在线考核"), None)],
        },
    )


def _paper_or_404(request: HttpRequest, pk: int) -> ExamPaper:
    try:
        return queries.paper_for_partner(request.user, pk)
    except NotFound:
        raise Http404("试卷不存在或您无权查看。")


def _paper_context(paper: ExamPaper) -> dict[str, Any]:
    sitting = paper.sitting
    published = sitting.state == ExamSitting.State.PUBLISHED
    deadline = exam_rules.deadline(paper.started_at, sitting.duration_minutes) if paper.started_at else None
    # The countdown runs from the seconds left by the business clock, sent by the server: the
    # browser's own clock (wrong on a PC, or beside a moved demo clock) is never compared with
    # the deadline. At zero the page sends the answers; the server closes the paper anyway.
    remaining = max(0, int((deadline - clock.now()).total_seconds())) if deadline else None
    items = []
    for index, q in enumerate(paper.questions, start=1):
        given = paper.answers.get(str(q["id"]), "")
        if q["qtype"] == "truefalse":
            choices = [("T", gettext("对")), ("F", gettext("错"))]
        else:
            choices = list(zip(exam_rules.OPTION_LETTERS, q["options"], strict=False))
        items.append(
            {
                "n": index,
                "id": q["id"],
                "text": q["text"],
                "qtype": q["qtype"],
                "qtype_label": QuestionType(q["qtype"]).label,
                "choices": [{"value": v, "label": label, "checked": v in given} for v, label in choices],
            }
        )
    return {
        "paper": paper,
        "sitting": sitting,
        "items": items,
        "published": published,
        "deadline": deadline,
        "remaining_seconds": remaining,
        "title": gettext("%(category)s试卷") % {"category": paper.get_category_display()},
        "breadcrumbs": [
            (gettext("在线考核"), reverse("admission:exam_portal")),
            (gettext("%(category)s试卷") % {"category": paper.get_category_display()}, None),
        ],
    }


def _answers_from(request: HttpRequest, paper: ExamPaper) -> dict[str, str]:
    return {str(q["id"]): "".join(request.POST.getlist(f"q_{q['id']}")) for q in paper.questions}


@login_required
def exam_paper(request: HttpRequest, pk: int) -> HttpResponse:
    paper = _paper_or_404(request, pk)
    if paper.state == ExamPaper.State.IN_PROGRESS:
        try:
            paper = actions.start_paper(paper, actor=request.user)  # auto-closes when the time is over
        except DomainError as exc:
            messages.error(request, exc.full_message)
    ctx = _paper_context(paper)
    ctx["is_sitting_day"] = clock.today() == paper.sitting.date
    return render(request, "admission/exam/paper.html", ctx)


@require_POST
@login_required
def exam_paper_start(request: HttpRequest, pk: int) -> HttpResponse:
    paper = _paper_or_404(request, pk)
    try:
        actions.start_paper(paper, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.full_message)
    return redirect("admission:exam_paper", pk=pk)


@require_POST
@login_required
def exam_paper_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Autosave (htmx) or the plain 'save' button."""
    paper = _paper_or_404(request, pk)
    try:
        actions.save_answers(paper, actor=request.user, answers=_answers_from(request, paper))
        text = gettext("已自动保存 %(time)s") % {"time": f"{clock.now().astimezone(clock.SHANGHAI):%H:%M:%S}"}
        ok = True
    except DomainError as exc:
        text, ok = exc.full_message, False
    if request.headers.get("HX-Request"):
        css = "text-success" if ok else "text-danger"
        return HttpResponse(f'<span class="{css}">{text}</span>', status=200 if ok else 409)
    (messages.success if ok else messages.error)(request, text)
    return redirect("admission:exam_paper", pk=pk)


@require_POST
@login_required
def exam_paper_submit(request: HttpRequest, pk: int) -> HttpResponse:
    paper = _paper_or_404(request, pk)
    try:
        actions.submit_paper(paper, actor=request.user, answers=_answers_from(request, paper))
        messages.success(request, gettext("已交卷。成绩将在考核结果公布后显示。"))
    except DomainError as exc:
        messages.error(request, exc.full_message)
    return redirect("admission:exam_paper", pk=pk)
