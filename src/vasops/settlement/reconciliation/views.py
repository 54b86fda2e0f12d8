"""Reconciliation pages: the console's request list and dispute queue (finance), the portal's
requests, upload, results and disputes (partner). One detail page serves both sides; what it
offers depends on who looks (partner isolation: another partner's request is a 404)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vasops.core import imports
from vasops.core.errors import DomainError
from vasops.core.listing import Column, Filter, ListConfig, ObjectListView
from vasops.core.ui import register_states
from vasops.partners.queries import partner_of
from vasops.settlement.reconciliation import actions, diff, examples, queries, rules
from vasops.settlement.reconciliation.forms import (
    AcceptForm,
    CloseForm,
    DisputeForm,
    EvidenceForm,
    OpenForm,
    RejectForm,
    UploadForm,
)
from vasops.settlement.reconciliation.models import Dispute, Reconciliation, ReconciliationLine

register_states({"diffed": "done", "accepted": "done", "rejected": "refused"})


def _partner_side(request: HttpRequest) -> bool:
    return partner_of(request.user) is not None


def _fen(value: int) -> str:
    return f"{value / 100:,.2f}"


def _form_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.full_message)


REC_COLUMNS = [
    Column("number", gettext_lazy("对账编号"), link=True, sort="number"),
    Column("partner", gettext_lazy("合作伙伴"), sort="partner__name"),
    Column("month", gettext_lazy("月份"), accessor=lambda r: f"{r.month:%Y-%m}", sort="month"),
    Column("state", gettext_lazy("状态"), badge=True, sort="state"),
    Column("our_fee_fen", gettext_lazy("平台金额（元）"), accessor=lambda r: _fen(r.our_fee_fen)),
    Column("their_fee_fen", gettext_lazy("合作方金额（元）"), accessor=lambda r: _fen(r.their_fee_fen)),
    Column("diff", gettext_lazy("差额（元）"), accessor=lambda r: _fen(r.fee_difference_fen)),
    Column("created_at", gettext_lazy("申请时间"), sort="created_at"),
]
REC_FILTERS = [Filter("state", gettext_lazy("状态"), Reconciliation.State.choices)]


@method_decorator(login_required, name="dispatch")
class ReconciliationListView(ObjectListView):
    """Console: every partner's reconciliation requests (staff with the view permission)."""

    title = gettext_lazy("对账申请")
    export_name = "reconciliations"
    empty_text = gettext_lazy("还没有对账申请。合作伙伴在门户提交。")
    config = ListConfig(
        columns=REC_COLUMNS,
        filters=REC_FILTERS,
        search_fields=["number", "partner__name"],
        default_sort="-created_at",
    )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and _partner_side(request):
            return redirect("reconciliation:mine")
        if request.user.is_authenticated and not queries.is_staff_viewer(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[Reconciliation]:
        return queries.visible_reconciliations(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["breadcrumbs"] = [("对账申请", None)]
        return ctx


@method_decorator(login_required, name="dispatch")
class PortalReconciliationListView(ObjectListView):
    """Portal: the partner's own requests."""

    title = gettext_lazy("结算对账")
    export_name = "reconciliations"
    empty_text = gettext_lazy("还没有对账申请。月结束后可申请对账并上传本企业的对账文件。")
    config = ListConfig(
        columns=[c for c in REC_COLUMNS if c.name != "partner"],
        filters=REC_FILTERS,
        search_fields=["number"],
        default_sort="-created_at",
    )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not _partner_side(request):
            return redirect("reconciliation:list")
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[Reconciliation]:
        return queries.visible_reconciliations(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        url = reverse("reconciliation:new")
        self.create_url = ("申请对账", url)
        self.empty_action = ("申请对账", url)
        ctx = super().get_context_data(**kwargs)
        ctx["breadcrumbs"] = [("结算对账", None)]
        return ctx


DISPUTE_COLUMNS = [
    Column("number", gettext_lazy("争议编号"), link=True, sort="number"),
    Column("partner", gettext_lazy("合作伙伴"), sort="partner__name"),
    Column("reconciliation__number", gettext_lazy("对账编号")),
    Column(
        "line",
        gettext_lazy("日期 / 产品"),
        accessor=lambda d: f"{d.line.day} {d.line.product_code or d.line.product_id}",
    ),
    Column("claimed_fen", gettext_lazy("主张金额（元）"), accessor=lambda d: _fen(d.claimed_fen)),
    Column("state", gettext_lazy("状态"), badge=True, sort="state"),
    Column("due_at", gettext_lazy("处理时限"), sort="due_at"),
    Column("escalated_at", gettext_lazy("已升级"), accessor=lambda d: "是" if d.escalated_at else ""),
    Column("raised_at", gettext_lazy("提出时间"), sort="raised_at"),
]
DISPUTE_FILTERS = [Filter("state", gettext_lazy("状态"), Dispute.State.choices)]


@method_decorator(login_required, name="dispatch")
class DisputeQueueView(ObjectListView):
    """Console dispute queue 争议队列 (finance decides; pending first by deadline); the partner's
    own disputes in the portal."""

    title = gettext_lazy("对账争议")
    export_name = "disputes"
    empty_text = gettext_lazy("没有对账争议。")
    config = ListConfig(
        columns=DISPUTE_COLUMNS,
        filters=DISPUTE_FILTERS,
        search_fields=["number", "partner__name", "reconciliation__number"],
        default_sort="due_at",
    )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated and not _partner_side(request) and not user.has_perm(queries.VIEW_DISPUTES):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[Dispute]:
        return queries.visible_disputes(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        if _partner_side(self.request):
            self.config = ListConfig(
                columns=[c for c in DISPUTE_COLUMNS if c.name != "partner"],
                filters=DISPUTE_FILTERS,
                search_fields=["number", "reconciliation__number"],
                default_sort="-raised_at",
            )
        ctx = super().get_context_data(**kwargs)
        ctx["breadcrumbs"] = [("对账争议", None)]
        return ctx


@login_required
def new(request: HttpRequest) -> HttpResponse:
    if not _partner_side(request):
        raise Http404
    form = OpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rec = actions.open_reconciliation(
                actor=request.user, month=form.cleaned_data["month"], note=form.cleaned_data.get("note", "")
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, _("已提交对账申请 %(number)s，请上传对账文件。") % {"number": rec.number}
            )
            return redirect(rec)
    return render(
        request,
        "settlement/reconciliation/new.html",
        {
            "form": form,
            "title": _("申请对账"),
            "breadcrumbs": [(_("结算对账"), reverse("reconciliation:mine")), (_("申请对账"), None)],
        },
        status=400 if form.errors else 200,
    )


def _chart(rec: Reconciliation) -> diff.Chart | None:
    """Every day of the month (a day without lines is an empty slot), ours beside theirs."""
    if not rec.uploads:
        return None
    per_day: dict[dt.date, list[int]] = {day: [0, 0] for day in rules.month_days(rec.month)}
    for day, ours, theirs in rec.lines.values_list("day", "our_fee_fen", "their_fee_fen"):
        entry = per_day.setdefault(day, [0, 0])
        entry[0] += ours
        entry[1] += theirs
    return diff.day_chart([(d, v[0], v[1]) for d, v in sorted(per_day.items())])


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    rec = queries.get_reconciliation(user, pk)
    if rec is None:
        raise Http404
    partner_side = _partner_side(request)
    upload_form = UploadForm()
    close_form = CloseForm()
    refused: imports.ImportRefused | None = None
    status = 200
    if request.method == "POST":
        op = request.POST.get("op", "")
        try:
            if op == "upload" and partner_side:
                upload_form = UploadForm(request.POST, request.FILES)
                if upload_form.is_valid():
                    try:
                        actions.upload_records(
                            rec,
                            actor=user,
                            summary=upload_form.cleaned_data["summary"],
                            detail=upload_form.cleaned_data.get("detail"),
                        )
                    except imports.ImportRefused as exc:
                        refused = exc
                        imports.keep_error_report(exc, actor=user, name="reconciliation-errors.xlsx")
                        upload_form.add_error(None, exc.full_message)
                    else:
                        messages.success(request, _("对账文件已导入并完成比对。"))
                        return redirect(rec)
            elif op == "close":
                close_form = CloseForm(request.POST)
                if close_form.is_valid():
                    actions.close_reconciliation(
                        rec, actor=user, note=close_form.cleaned_data.get("note", "")
                    )
                    messages.success(request, _("对账申请已关闭。"))
                    return redirect(rec)
            else:
                messages.error(request, _("未知的操作。"))
                return redirect(rec)
        except DomainError as exc:
            form = upload_form if op == "upload" else close_form
            _form_error(form, exc)
            messages.error(request, exc.full_message)
        status = 400
        rec.refresh_from_db()
    status_filter = request.GET.get("status", "")
    if status_filter not in rules.STATUSES:
        status_filter = ""
    lines = list(queries.lines_of(rec, status_filter))
    by_line = queries.disputes_by_line(rec)
    rows = [
        {
            "line": line,
            "disputes": by_line.get(line.pk, []),
            "can_dispute": partner_side
            and rules.dispute_problem(
                state=rec.state,
                line_status=line.status,
                pending=any(d.state == Dispute.State.PENDING for d in by_line.get(line.pk, [])),
            )
            is None,
        }
        for line in lines
    ]
    can_upload = partner_side and rules.upload_problem(rec.state, rec.disputes.count()) is None
    can_close = rec.state != Reconciliation.State.CLOSED and (partner_side or queries.can_decide(user))
    counts = rec.status_counts or {}
    back = (
        (_("结算对账"), reverse("reconciliation:mine"))
        if partner_side
        else (_("对账申请"), reverse("reconciliation:list"))
    )
    ctx = {
        "rec": rec,
        "title": f"{rec.number} · {rec.month:%Y-%m}",
        "breadcrumbs": [back, (rec.number, None)],
        "partner_side": partner_side,
        "rows": rows,
        "status_filter": status_filter,
        "status_tabs": [
            {"key": key, "label": label, "count": counts.get(key, 0), "active": key == status_filter}
            for key, label in ReconciliationLine.Status.choices
        ],
        "chart": _chart(rec),
        "upload_form": upload_form if can_upload else None,
        "refused": refused,
        "close_form": close_form if can_close else None,
        "disputes": rec.disputes.select_related("line").order_by("-raised_at"),
        "days": sorted({line.day for line in lines}) if rec.detail_path else [],
    }
    return render(request, "settlement/reconciliation/detail.html", ctx, status=status)


@login_required
def raise_dispute(request: HttpRequest, pk: int, line_id: int) -> HttpResponse:
    rec = queries.get_reconciliation(request.user, pk)
    if rec is None or not _partner_side(request):
        raise Http404
    line = queries.line_of(rec, line_id)
    if line is None:
        raise Http404
    initial = {"claimed_fen": line.fee_difference_fen or None}
    form = DisputeForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dispute = actions.raise_dispute(
                line,
                actor=request.user,
                reason=data["reason"],
                claimed_fen=data.get("claimed_fen"),
                evidence=[data["evidence"]] if data.get("evidence") else [],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("已提出争议 %(number)s。") % {"number": dispute.number})
            return redirect(dispute)
    return render(
        request,
        "settlement/reconciliation/dispute_form.html",
        {
            "form": form,
            "rec": rec,
            "line": line,
            "title": _("提出争议"),
            "breadcrumbs": [
                (_("结算对账"), reverse("reconciliation:mine")),
                (rec.number, rec.get_absolute_url()),
                (_("提出争议"), None),
            ],
        },
        status=400 if form.errors else 200,
    )


DISPUTE_FORMS = {"accept": AcceptForm, "reject": RejectForm, "evidence": EvidenceForm}


@login_required
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    dispute = queries.get_dispute(user, pk)
    if dispute is None:
        raise Http404
    partner_side = _partner_side(request)
    pending = dispute.state == Dispute.State.PENDING
    allowed = []
    if pending and queries.can_decide(user):
        allowed = ["accept", "reject"]
    elif pending and partner_side:
        allowed = ["evidence"]
    bound: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        op = request.POST.get("op", "")
        if op not in allowed:
            messages.error(request, _("当前不能执行此操作。"))
            return redirect(dispute)
        form = DISPUTE_FORMS[op](request.POST, request.FILES, prefix=op)
        bound[op] = form
        if form.is_valid():
            data = form.cleaned_data
            try:
                if op == "accept":
                    actions.accept_dispute(
                        dispute, actor=user, reason=data["reason"], amount_fen=data.get("amount_fen")
                    )
                    messages.success(request, _("已接受争议，调整计入下月结算。"))
                elif op == "reject":
                    actions.reject_dispute(dispute, actor=user, reason=data["reason"])
                    messages.success(request, _("已驳回争议。"))
                else:
                    actions.add_evidence(dispute, actor=user, upload_file=data["evidence"])
                    messages.success(request, _("已补充证据。"))
            except DomainError as exc:
                _form_error(form, exc)
                messages.error(request, exc.full_message)
            else:
                return redirect(dispute)
        status = 400
    forms = {op: bound.get(op) or DISPUTE_FORMS[op](prefix=op) for op in allowed}
    labels = {"accept": _("接受争议"), "reject": _("驳回争议"), "evidence": _("补充证据")}
    rec = dispute.reconciliation
    back = (_("对账争议"), reverse("reconciliation:disputes"))
    ctx = {
        "dispute": dispute,
        "rec": rec,
        "line": dispute.line,
        "title": _("对账争议 %(number)s") % {"number": dispute.number},
        "breadcrumbs": [back, (dispute.number, None)],
        "ops": [{"op": op, "label": labels[op], "form": forms[op]} for op in allowed],
        "evidence": dispute.evidence.select_related("document"),
        "partner_side": partner_side,
        "adjustment": dispute.adjustment,
    }
    return render(request, "settlement/reconciliation/dispute.html", ctx, status=status)


@login_required
def cdr_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """The diff by cdr_id of one day (and optionally one product) of a request with detail."""
    rec = queries.get_reconciliation(request.user, pk)
    if rec is None:
        raise Http404
    day_text = request.GET.get("day", "")
    day, problem = rules.parse_day(day_text, rec.month)
    result = None
    error = ""
    product_id = request.GET.get("product", "")
    if problem:
        error = problem
    elif not rec.detail_path:
        error = _("该对账申请没有上传话单明细，不能按话单比对。")
    else:
        try:
            result = run_cdr_diff(rec, day, int(product_id) if product_id.isdigit() else None)
        except DomainError as exc:
            error = exc.full_message
    ctx = {
        "rec": rec,
        "day": day,
        "result": result,
        "error": error,
        "statuses": [(s, result.statuses[s]) for s in rules.CDR_STATUSES] if result else [],
        "title": f"{rec.number} · {_('话单比对')} {day_text}",
        "breadcrumbs": [(rec.number, rec.get_absolute_url()), (_("话单比对"), None)],
    }
    return render(request, "settlement/reconciliation/cdr_diff.html", ctx, status=400 if error else 200)


def run_cdr_diff(rec: Reconciliation, day: dt.date | None, product_id: int | None = None) -> diff.CdrDiff:
    """The CDR-level diff of ``rec`` (shared by the page and the API)."""
    from vasops.settlement.errors import SettlementError

    if not rec.detail_path:
        raise DomainError(
            SettlementError.RECONCILIATION_NO_DETAIL, _("该对账申请没有上传话单明细，不能按话单比对。")
        )
    days = [day] if day is not None else rules.month_days(rec.month)
    root = diff.cdr_root()
    files = [diff.day_file(d, root) for d in days if diff.day_file(d, root).exists()]
    if not files:
        raise DomainError(SettlementError.RECONCILIATION_CDR_MISSING, _("该日的话单尚未导出。"), status=400)
    return diff.cdr_diff(
        partner_id=rec.partner_id,
        our_files=files,
        their_file=Path(rec.detail_path),
        day=day,
        product_id=product_id,
    )


@login_required
def example(request: HttpRequest, name: str) -> HttpResponse:
    """The example files of the upload format (UTF-8 CSV with BOM, opens in Excel)."""
    body = examples.FILES.get(name)
    if body is None:
        raise Http404
    response = HttpResponse(body.encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
