"""Expert review pages: expert pool, indicators, meetings (console); the expert's own pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from vasops.admission.exam.views import staff_perm
from vasops.admission.review import actions, queries
from vasops.admission.review.forms import (
    AttendanceForm,
    CloseForm,
    ConflictForm,
    ExpertForm,
    MeetingForm,
    ScoreSheetForm,
    WeightsForm,
)
from vasops.admission.review.models import Expert, ReviewIndicator, ReviewMeeting, ScoreSheet
from vasops.core.errors import DomainError, NotFound
from vasops.core.listing import Column, Filter, ListConfig, ObjectListView
from vasops.core.models import Document

VIEW_EXPERTS = ("admission.manage_review", "admission.view_expert")
VIEW_MEETINGS = ("admission.manage_review", "admission.view_reviewmeeting")


def _form_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.full_message)


# --- expert pool ------------------------------------------------------------------------------


@method_decorator(staff_perm(*VIEW_EXPERTS), name="dispatch")
class ExpertListView(ObjectListView):
    title = gettext_lazy("专家库")
    export_name = "experts"
    empty_text = gettext_lazy("专家库为空。先为专家开通“评审专家”角色的账号，再在此加入专家库。")
    config = ListConfig(
        columns=[
            Column("name", gettext_lazy("姓名"), sort="name", link=True),
            Column("affiliation", gettext_lazy("所在单位"), sort="affiliation"),
            Column(
                "specialities", gettext_lazy("专业领域"), accessor=lambda e: "、".join(e.speciality_labels)
            ),
            Column("active", gettext_lazy("在库"), sort="active"),
            Column("user", gettext_lazy("账号"), accessor=lambda e: e.user.username),
        ],
        filters=[
            Filter(
                "active",
                gettext_lazy("状态"),
                [("True", gettext_lazy("在库")), ("False", gettext_lazy("已停用"))],
            )
        ],
        search_fields=["name", "affiliation", "user__username"],
        default_sort="name",
    )

    def get_base_queryset(self) -> QuerySet[Expert]:
        return queries.experts(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["breadcrumbs"] = [("专家库", None)]
        return ctx

    @property
    def create_url(self) -> tuple[str, str] | None:  # type: ignore[override]
        if self.request.user.has_perm("admission.manage_review"):
            return ("加入专家", reverse("admission:review_expert_create"))
        return None


@staff_perm("admission.manage_review")
def expert_create(request: HttpRequest) -> HttpResponse:
    form = ExpertForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            expert = actions.create_expert(
                actor=request.user,
                user=d["user"],
                name=d["name"],
                specialities=form.speciality_list(),
                affiliation=d["affiliation"],
                active=d["active"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, gettext("已将 %(name)s 加入专家库。") % {"name": expert.name})
            return redirect(expert.get_absolute_url())
    return render(
        request,
        "admission/review/expert_form.html",
        {
            "form": form,
            "title": gettext("加入专家"),
            "breadcrumbs": [
                (gettext("专家库"), reverse("admission:review_expert_list")),
                (gettext("加入专家"), None),
            ],
        },
    )


@staff_perm(*VIEW_EXPERTS)
def expert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    expert = get_object_or_404(queries.experts(request.user), pk=pk)
    can_manage = request.user.has_perm("admission.manage_review")
    initial = {
        "name": expert.name,
        "specialities": ", ".join(expert.specialities),
        "affiliation": expert.affiliation,
        "active": expert.active,
    }
    form = ExpertForm(request.POST if "save" in request.POST else None, initial=initial, editing=True)
    conflict_form = ConflictForm(request.POST if "conflict" in request.POST else None)
    if request.method == "POST":
        if not can_manage:
            raise DjangoPermissionDenied
        try:
            if "save" in request.POST and form.is_valid():
                d = form.cleaned_data
                actions.update_expert(
                    expert,
                    actor=request.user,
                    name=d["name"],
                    specialities=form.speciality_list(),
                    affiliation=d["affiliation"],
                    active=d["active"],
                )
                messages.success(request, gettext("专家信息已保存。"))
                return redirect(expert.get_absolute_url())
            if "conflict" in request.POST and conflict_form.is_valid():
                actions.add_conflict(
                    expert,
                    conflict_form.cleaned_data["partner"],
                    actor=request.user,
                    reason=conflict_form.cleaned_data["reason"],
                )
                messages.success(request, gettext("已登记回避。"))
                return redirect(expert.get_absolute_url())
        except DomainError as exc:
            _form_error(conflict_form if "conflict" in request.POST else form, exc)
    return render(
        request,
        "admission/review/expert_detail.html",
        {
            "expert": expert,
            "form": form,
            "conflict_form": conflict_form,
            "conflicts": expert.conflicts.select_related("partner"),
            "can_manage": can_manage,
            "title": gettext("专家 · %(expert)s") % {"expert": expert.name},
            "breadcrumbs": [
                (gettext("专家库"), reverse("admission:review_expert_list")),
                (expert.name, None),
            ],
        },
    )


@staff_perm("admission.manage_review", "admission.view_reviewindicator")
def indicators(request: HttpRequest) -> HttpResponse:
    actions.ensure_default_indicators()
    rows = list(ReviewIndicator.objects.all())
    can_manage = request.user.has_perm("admission.manage_review")
    form = WeightsForm(request.POST or None, indicators=rows)
    if request.method == "POST":
        if not can_manage:
            raise DjangoPermissionDenied
        if form.is_valid():
            try:
                actions.set_indicator_weights(
                    form.weights(), actor=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as exc:
                form.add_error(None, exc.full_message)
            else:
                messages.success(request, gettext("权重已保存；已安排的评审会沿用安排时的权重。"))
                return redirect("admission:review_indicators")
    return render(
        request,
        "admission/review/indicators.html",
        {
            "form": form,
            "rows": rows,
            "total": sum(r.weight_bp for r in rows),
            "can_manage": can_manage,
            "first": rows[0] if rows else None,
            "title": gettext("评审指标与权重"),
            "breadcrumbs": [
                (gettext("评审会"), reverse("admission:review_meeting_list")),
                (gettext("评审指标与权重"), None),
            ],
        },
    )


# --- meetings (console) -----------------------------------------------------------------------


@method_decorator(staff_perm(*VIEW_MEETINGS), name="dispatch")
class MeetingListView(ObjectListView):
    title = gettext_lazy("评审会")
    export_name = "review-meetings"
    empty_text = gettext_lazy("还没有评审会。考核通过的申请可在此安排评审会并随机抽取专家。")
    config = ListConfig(
        columns=[
            Column(
                "application__number",
                gettext_lazy("申请编号"),
                accessor=lambda m: m.application.number,
                link=True,
            ),
            Column("partner", gettext_lazy("合作伙伴"), accessor=lambda m: m.application.partner.name),
            Column("date", gettext_lazy("评审日期"), sort="date"),
            Column("place", gettext_lazy("地点")),
            Column("panel_size", gettext_lazy("人数")),
            Column("state", gettext_lazy("状态"), badge=True, sort="state"),
            Column("aggregate_score", gettext_lazy("综合得分"), sort="aggregate_score"),
        ],
        filters=[Filter("state", gettext_lazy("状态"), list(ReviewMeeting.State.choices))],
        search_fields=["application__number", "application__partner__name", "place"],
        default_sort="-date",
    )

    def get_base_queryset(self) -> QuerySet[ReviewMeeting]:
        return queries.meetings(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["breadcrumbs"] = [("评审会", None)]
        return ctx

    @property
    def create_url(self) -> tuple[str, str] | None:  # type: ignore[override]
        if self.request.user.has_perm("admission.manage_review"):
            return ("安排评审会", reverse("admission:review_meeting_create"))
        return None


@staff_perm("admission.manage_review")
def meeting_create(request: HttpRequest) -> HttpResponse:
    """Preview the draw for a seed ("抽取预览"), then schedule with that seed."""
    initial: dict[str, Any] = {"seed": actions.new_seed()}
    if request.GET.get("application"):
        initial["application"] = request.GET["application"]
    form = MeetingForm(request.POST or None, initial=initial)
    preview: list[Expert] = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if "preview" in request.POST:
                preview = actions.draw(
                    d["application"].partner, size=d["panel_size"], seed=d["seed"] or initial["seed"]
                )
            else:
                meeting = actions.schedule_review_meeting(
                    d["application"],
                    actor=request.user,
                    date=d["date"],
                    place=d["place"],
                    panel_size=d["panel_size"],
                    seed=d["seed"] or None,
                )
                messages.success(request, gettext("评审会已安排，评审组已抽取，已通知合作伙伴与专家。"))
                return redirect(meeting.get_absolute_url())
        except DomainError as exc:
            _form_error(form, exc)
    return render(
        request,
        "admission/review/meeting_form.html",
        {
            "form": form,
            "preview": preview,
            "title": gettext("安排评审会"),
            "breadcrumbs": [
                (gettext("评审会"), reverse("admission:review_meeting_list")),
                (gettext("安排评审会"), None),
            ],
        },
    )


def _meeting_or_404(request: HttpRequest, pk: int) -> ReviewMeeting:
    try:
        return queries.meeting_for(request.user, pk)
    except NotFound:
        raise Http404("评审会不存在或您无权查看。")


def _meeting_context(request: HttpRequest, meeting: ReviewMeeting, **extra: Any) -> dict[str, Any]:
    sheets = list(meeting.sheets.select_related("expert"))
    codes = list(meeting.weights)
    ctx = {
        "meeting": meeting,
        "members": meeting.members.select_related("expert"),
        "sheets": [{"sheet": s, "scores": [s.scores.get(c, "—") for c in codes]} for s in sheets],
        "indicator_heads": [(meeting.indicator_names.get(c, c), meeting.weights[c]) for c in codes],
        "can_manage": request.user.has_perm("admission.manage_review"),
        "is_open": meeting.state == ReviewMeeting.State.SCHEDULED,
        "attendance_form": AttendanceForm(),
        "close_form": CloseForm(),
        "title": gettext("评审会 · %(number)s") % {"number": meeting.application.number},
        "breadcrumbs": [
            (gettext("评审会"), reverse("admission:review_meeting_list")),
            (meeting.application.number, None),
        ],
    }
    ctx.update(extra)
    return ctx


@staff_perm(*VIEW_MEETINGS)
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_or_404(request, pk)
    return render(request, "admission/review/meeting_detail.html", _meeting_context(request, meeting))


@require_POST
@staff_perm("admission.manage_review")
def meeting_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_or_404(request, pk)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        try:
            meeting = actions.record_attendance(
                meeting,
                actor=request.user,
                attended=form.cleaned_data["attended"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            if meeting.state == ReviewMeeting.State.ABSENT:
                messages.warning(
                    request, gettext("已登记申请方缺席：申请标记为“未参加评审”，合作伙伴禁入 1 年。")
                )
            else:
                messages.success(request, gettext("已登记到场。"))
            return redirect(meeting.get_absolute_url())
    return render(
        request,
        "admission/review/meeting_detail.html",
        _meeting_context(request, meeting, attendance_form=form),
        status=400,
    )


@require_POST
@staff_perm("admission.manage_review")
def meeting_close(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_or_404(request, pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            actions.close_review(meeting, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, gettext("评审已结束，综合得分已按已提交的评分表计算。"))
            return redirect(meeting.get_absolute_url())
    return render(
        request,
        "admission/review/meeting_detail.html",
        _meeting_context(request, meeting, close_form=form),
        status=400,
    )


# --- expert pages -----------------------------------------------------------------------------


@login_required
def expert_home(request: HttpRequest) -> HttpResponse:
    """The expert's home: only the meetings they were drawn for, with their own sheet."""
    expert = queries.expert_of(request.user)
    rows = []
    if expert is not None:
        sheets = {s.meeting_id: s for s in ScoreSheet.objects.filter(expert=expert)}
        rows = [{"meeting": m, "sheet": sheets.get(m.pk)} for m in queries.expert_meetings(request.user)]
    return render(
        request,
        "admission/review/expert_home.html",
        {
            "expert": expert,
            "rows": rows,
            "title": gettext("我的评审"),
            "breadcrumbs": [(gettext("我的评审"), None)],
        },
    )


def _expert_meeting_or_404(request: HttpRequest, pk: int) -> ReviewMeeting:
    try:
        return queries.expert_meeting_for(request.user, pk)
    except NotFound:
        raise Http404("评审会不存在或您无权查看。")


def _sheet_form(meeting: ReviewMeeting, sheet: ScoreSheet, data: Any = None) -> ScoreSheetForm:
    indicators = [(c, meeting.indicator_names.get(c, c), w) for c, w in meeting.weights.items()]
    return ScoreSheetForm(
        data, indicators=indicators, initial_scores=sheet.scores, initial={"comment": sheet.comment}
    )


@login_required
def expert_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _expert_meeting_or_404(request, pk)
    expert = queries.expert_of(request.user)
    sheet = get_object_or_404(ScoreSheet, meeting=meeting, expert=expert)
    return _render_expert_meeting(request, meeting, sheet, _sheet_form(meeting, sheet))


def _render_expert_meeting(
    request: HttpRequest, meeting: ReviewMeeting, sheet: ScoreSheet, form: ScoreSheetForm, status: int = 200
) -> HttpResponse:
    app = meeting.application
    documents = Document.objects.filter(partner_id=app.partner_id).order_by("-pk")[:200]
    return render(
        request,
        "admission/review/expert_meeting.html",
        {
            "meeting": meeting,
            "application": app,
            "documents": documents,
            "sheet": sheet,
            "form": form,
            "editable": sheet.state == ScoreSheet.State.DRAFT
            and meeting.state == ReviewMeeting.State.SCHEDULED,
            "score_rows": [
                (meeting.indicator_names.get(c, c), w, sheet.scores.get(c, "—"))
                for c, w in meeting.weights.items()
            ],
            "title": gettext("评审 · %(partner)s") % {"partner": app.partner.name},
            "breadcrumbs": [
                (gettext("我的评审"), reverse("admission:expert_home")),
                (app.partner.name, None),
            ],
        },
        status=status,
    )


@require_POST
@login_required
def expert_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """Save (draft) or submit (locks) the expert's own sheet."""
    try:
        sheet = queries.own_sheet(request.user, pk)
    except NotFound:
        raise Http404("评分表不存在或您无权查看。")
    meeting = sheet.meeting
    form = _sheet_form(meeting, sheet, request.POST)
    if form.is_valid():
        try:
            if "submit" in request.POST:
                actions.submit_score_sheet(
                    sheet, actor=request.user, scores=form.scores(), comment=form.cleaned_data["comment"]
                )
                messages.success(request, gettext("评分表已提交并锁定。"))
            else:
                actions.save_score_sheet(
                    sheet, actor=request.user, scores=form.scores(), comment=form.cleaned_data["comment"]
                )
                messages.success(request, gettext("评分已保存（草稿），提交前仍可修改。"))
            return redirect("admission:expert_meeting", pk=meeting.pk)
        except DomainError as exc:
            form.add_error(None, exc.full_message)
    return _render_expert_meeting(request, meeting, sheet, form, status=400)
