"""Settlement pages. Console: runs (start, progress, diff, approve, publish), statements, ratio
tables, bad-debt rates, adjustments, the revenue dashboard. Portal: the partner's published
statements and its ratios. Every query a partner reaches is scoped in ``queries``."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from vasops.catalog.labels import line_label_of
from vasops.core.errors import DomainError, NotFound
from vasops.core.listing import Column, Filter, ListConfig, ObjectListView
from vasops.core.rules import format_fen
from vasops.partners import queries as partner_queries
from vasops.settlement import actions, charts, labels, queries, statements
from vasops.settlement.forms import AdjustmentForm, BadDebtForm, RatioForm, RunForm
from vasops.settlement.models import Adjustment, BadDebtRate, RatioVersion, SettlementRun, Statement

XLSX = statements.XLSX


def _require(request: HttpRequest, *perms: str) -> None:
    if not all(request.user.has_perm(p) for p in perms):
        raise DjangoPermissionDenied


def _form_error(form: Any, exc: DomainError, field_map: dict[str, str] | None = None) -> None:
    field = (field_map or {}).get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, exc.full_message)


def _is_partner(request: HttpRequest) -> bool:
    return partner_queries.partner_of(request.user) is not None


def _file(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- runs ------------------------------------------------------------------------------------

RUN_COLUMNS = [
    Column(
        "label",
        gettext_lazy("批次"),
        link=True,
        accessor=lambda r: f"{r.month:%Y-%m} V{r.version}",
        sort="month",
    ),
    Column("engine", gettext_lazy("引擎")),
    Column("state", gettext_lazy("状态"), badge=True),
    Column("partner_count", gettext_lazy("合作伙伴数")),
    Column("cdr_count", gettext_lazy("话单数")),
    Column("gross", gettext_lazy("应收（元）"), accessor=lambda r: format_fen(r.gross_fen)),
    Column("share", gettext_lazy("合作伙伴分成（元）"), accessor=lambda r: format_fen(r.partner_share_fen)),
    Column("started_by", gettext_lazy("发起人")),
    Column("started_at", gettext_lazy("发起时间"), sort="started_at"),
]


@method_decorator(login_required, name="dispatch")
class RunListView(ObjectListView):
    create_action = (gettext_lazy("发起结算"), "settlement:run_new", "settlement.run_settlement")
    permission = queries.VIEW_RUN
    title = gettext_lazy("结算批次")
    export_name = "settlement-runs"
    empty_text = gettext_lazy("还没有结算批次。点击“发起结算”选择已结束的月份。")
    config = ListConfig(
        columns=RUN_COLUMNS,
        filters=[Filter("state", gettext_lazy("状态"), list(SettlementRun.State.choices))],
        search_fields=[],
    )

    def get_base_queryset(self) -> QuerySet[SettlementRun]:
        return queries.visible_runs(self.request.user)


@login_required
def run_new(request: HttpRequest) -> HttpResponse:
    _require(request, "settlement.run_settlement")
    from vasops.core import clock
    from vasops.settlement import rules
    from vasops.settlement.actions.runs import default_engine

    last = rules.month_start(rules.month_start(clock.today()) - dt.timedelta(days=1))
    form = RunForm(request.POST or None, initial={"month": f"{last:%Y-%m}", "engine": default_engine()})
    if request.method == "POST" and form.is_valid():
        try:
            run = actions.start_run(
                actor=request.user,
                month=form.cleaned_data["month"],
                engine_name=form.cleaned_data["engine"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            _form_error(form, exc, {"engine": "engine"})
        else:
            messages.success(request, _("已发起计算，进度见本页。"))
            return redirect(run)
    return render(
        request,
        "settlement/form.html",
        {
            "form": form,
            "title": _("发起结算"),
            "submit": _("开始计算"),
            "breadcrumbs": [(_("结算批次"), reverse("settlement:runs")), (_("发起结算"), None)],
        },
    )


def _run_or_404(request: HttpRequest, pk: int) -> SettlementRun:
    try:
        return queries.get_run(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_or_404(request, pk)
    from vasops.partners.models import Partner

    statement_rows = list(Statement.objects.filter(run=run).order_by("-partner_share_fen")[:200])
    names = dict(
        Partner.objects.filter(pk__in=[s.partner_id for s in statement_rows]).values_list("pk", "name")
    )
    diff_rows = run.diff.get("partners", []) if isinstance(run.diff, dict) else []
    diff_names = dict(
        Partner.objects.filter(pk__in=[d["partner_id"] for d in diff_rows]).values_list("pk", "name")
    )
    return render(
        request,
        "settlement/run_detail.html",
        {
            "run": run,
            "durations": [
                (labels.DURATION_LABELS.get(step, step), ms) for step, ms in (run.durations_ms or {}).items()
            ],
            "title": _("%(month)s 结算 V%(version)s")
            % {"month": f"{run.month:%Y-%m}", "version": run.version},
            "statements": [(s, names.get(s.partner_id, s.partner_id)) for s in statement_rows],
            "diff": [{**d, "name": diff_names.get(d["partner_id"], d["partner_id"])} for d in diff_rows],
            "previous_version": run.diff.get("previous_version") if isinstance(run.diff, dict) else None,
            "can_run": request.user.has_perm("settlement.run_settlement"),
            "can_approve": request.user.has_perm("settlement.approve_settlementrun")
            and run.state == SettlementRun.State.COMPUTED,
            "can_publish": request.user.has_perm("settlement.publish_settlementrun")
            and run.state == SettlementRun.State.APPROVED,
            "breadcrumbs": [
                (_("结算批次"), reverse("settlement:runs")),
                (f"{run.month:%Y-%m} V{run.version}", None),
            ],
        },
    )


@login_required
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment the run page polls (htmx) while computing."""
    run = _run_or_404(request, pk)
    response = render(request, "settlement/_run_progress.html", {"run": run})
    if run.state != SettlementRun.State.DRAFT and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # computed or failed: reload the whole page once
    return response


def _run_act(request: HttpRequest, pk: int, act: Any, done: str, **kwargs: Any) -> HttpResponse:
    run = _run_or_404(request, pk)
    try:
        act(actor=request.user, run=run, **kwargs)
    except DomainError as exc:
        messages.error(request, exc.full_message)
    else:
        messages.success(request, done)
    return redirect(run)


@login_required
@require_POST
def run_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_act(
        request, pk, actions.approve_run, _("已审核。"), comment=request.POST.get("comment", "")[:500]
    )


@login_required
@require_POST
def run_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_act(request, pk, actions.publish_run, _("已发布，合作伙伴已收到通知。"))


@login_required
@require_POST
def run_restart(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_act(request, pk, actions.restart_run, _("已重新开始计算。"))


# --- statements --------------------------------------------------------------------------------

STATEMENT_COLUMNS = [
    Column("number", gettext_lazy("结算单号"), link=True, sort="number"),
    Column("partner__name", gettext_lazy("合作伙伴")),
    Column("month", gettext_lazy("月份"), accessor=lambda s: f"{s.run.month:%Y-%m}"),
    Column("version", gettext_lazy("版本"), accessor=lambda s: f"V{s.run.version}"),
    Column("run__state", gettext_lazy("批次状态"), badge=True, accessor=lambda s: s.run.get_state_display()),
    Column("gross", gettext_lazy("应收（元）"), accessor=lambda s: format_fen(s.gross_fen)),
    Column("net", gettext_lazy("净额（元）"), accessor=lambda s: format_fen(s.net_fen)),
    Column("share", gettext_lazy("合作伙伴分成（元）"), accessor=lambda s: format_fen(s.partner_share_fen)),
]


@method_decorator(login_required, name="dispatch")
class StatementListView(ObjectListView):
    permission = queries.VIEW_STATEMENT
    partner_rows = True
    title = gettext_lazy("结算单")
    export_name = "statements"
    empty_text = gettext_lazy("暂无结算单。结算批次发布后，合作伙伴可在此下载结算单。")
    config = ListConfig(columns=STATEMENT_COLUMNS, filters=[], search_fields=["number", "partner__name"])

    def get_base_queryset(self) -> QuerySet[Statement]:
        return queries.visible_statements(self.request.user).order_by(
            "-run__month", "-run__version", "partner_id"
        )


def _statement_or_404(request: HttpRequest, pk: int) -> Statement:
    try:
        return queries.get_statement(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    statement = _statement_or_404(request, pk)
    ctx = statements.context(statement)
    list_url = (
        reverse("settlement:my_statements") if _is_partner(request) else reverse("settlement:statements")
    )
    ctx.update(
        title=_("%(partner)s %(month)s 结算单")
        % {"partner": statement.partner.name, "month": f"{statement.run.month:%Y-%m}"},
        breadcrumbs=[(_("结算单"), list_url), (statement.number, None)],
    )
    return render(request, "settlement/statement_detail.html", ctx)


@login_required
def statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    statement = _statement_or_404(request, pk)
    return _file(statements.pdf(statement), "application/pdf", statements.filename(statement, "pdf"))


@login_required
def statement_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    statement = _statement_or_404(request, pk)
    return _file(statements.xlsx(statement), XLSX, statements.filename(statement, "xlsx"))


# --- ratios, bad-debt rates, adjustments ------------------------------------------------------

RATIO_COLUMNS = [
    Column("level", gettext_lazy("层级")),
    Column(
        "partner__name",
        gettext_lazy("合作伙伴"),
        accessor=lambda v: v.partner.name if v.partner else _("全部"),
    ),
    Column(
        "business_line__name",
        gettext_lazy("业务线"),
        accessor=lambda v: line_label_of(v) or "—",
    ),
    Column("product__name", gettext_lazy("产品"), accessor=lambda v: v.product.name if v.product else "—"),
    Column("percent", gettext_lazy("分成比例"), sort="ratio_bp"),
    Column("valid_from", gettext_lazy("生效日"), sort="valid_from"),
    Column("valid_to", gettext_lazy("失效日（不含）"), accessor=lambda v: v.valid_to or "—"),
    Column("reason", gettext_lazy("原因")),
]


@method_decorator(login_required, name="dispatch")
class RatioListView(ObjectListView):
    create_action = (gettext_lazy("新增比例版本"), "settlement:ratio_new", "settlement.manage_ratios")
    permission = queries.VIEW_RATIO
    partner_rows = True
    title = gettext_lazy("分成比例")
    export_name = "ratios"
    empty_text = gettext_lazy("暂无分成比例。合同签订后其约定比例自动登记为合同层级版本。")
    config = ListConfig(
        columns=RATIO_COLUMNS,
        filters=[Filter("level", gettext_lazy("层级"), list(RatioVersion.Level.choices))],
        search_fields=["partner__name", "product__name", "reason"],
    )

    def get_base_queryset(self) -> QuerySet[RatioVersion]:
        return queries.visible_ratios(self.request.user)


@login_required
def ratio_new(request: HttpRequest) -> HttpResponse:
    _require(request, "settlement.manage_ratios")
    form = RatioForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.create_ratio_version(
                actor=request.user,
                level=data["level"],
                ratio_bp=int(Decimal(data["ratio_percent"]) * 100),
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                reason=data["reason"],
                partner=data["partner"],
                business_line=data["business_line"],
                product=data["product"],
            )
        except DomainError as exc:
            _form_error(form, exc, {"ratio_bp": "ratio_percent"})
        else:
            messages.success(request, _("已登记新的分成比例版本。"))
            return redirect("settlement:ratios")
    return render(
        request,
        "settlement/form.html",
        {
            "form": form,
            "title": _("新增分成比例版本"),
            "submit": _("登记"),
            "intro": _(
                "比例版本从不改写：新版本从生效日起取代同一范围内正在生效的版本；已发布月份的日期不能再改。"
            ),
            "breadcrumbs": [(_("分成比例"), reverse("settlement:ratios")), (_("新增"), None)],
        },
    )


@login_required
@require_POST
def ratio_sync(request: HttpRequest) -> HttpResponse:
    _require(request, "settlement.manage_ratios")
    created = actions.sync_contract_ratios(actor=request.user)
    messages.success(request, _("已从合同同步 %(n)d 个比例版本。") % {"n": len(created)})
    return redirect("settlement:ratios")


BAD_DEBT_COLUMNS = [
    Column("month", gettext_lazy("月份"), accessor=lambda r: f"{r.month:%Y-%m}", sort="month"),
    Column(
        "business_line__name",
        gettext_lazy("业务线"),
        accessor=line_label_of,
    ),
    Column("percent", gettext_lazy("坏账率"), sort="rate_bp"),
    Column("reason", gettext_lazy("原因")),
    Column("updated_at", gettext_lazy("更新时间")),
]


@method_decorator(login_required, name="dispatch")
class BadDebtListView(ObjectListView):
    create_action = (gettext_lazy("设置坏账率"), "settlement:bad_debt_new", "settlement.manage_ratios")
    permission = "settlement.view_baddebtrate"
    title = gettext_lazy("坏账率")
    export_name = "bad-debt-rates"
    empty_text = gettext_lazy("暂无坏账率：未设置的业务线和月份按 0 计算。")
    config = ListConfig(columns=BAD_DEBT_COLUMNS, filters=[], search_fields=["business_line__name"])

    def get_base_queryset(self) -> QuerySet[BadDebtRate]:
        return queries.bad_debt_rates()


@login_required
def bad_debt_new(request: HttpRequest) -> HttpResponse:
    _require(request, "settlement.manage_ratios")
    form = BadDebtForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.set_bad_debt_rate(
                actor=request.user,
                business_line=data["business_line"],
                month=data["month"],
                rate_bp=int(Decimal(data["rate_percent"]) * 100),
                reason=data["reason"],
            )
        except DomainError as exc:
            _form_error(form, exc, {"rate_bp": "rate_percent"})
        else:
            messages.success(request, _("已设置坏账率。"))
            return redirect("settlement:bad_debt")
    return render(
        request,
        "settlement/form.html",
        {
            "form": form,
            "title": _("设置坏账率"),
            "submit": _("保存"),
            "breadcrumbs": [(_("坏账率"), reverse("settlement:bad_debt")), (_("设置"), None)],
        },
    )


ADJUSTMENT_COLUMNS = [
    Column("month", gettext_lazy("结算月份"), accessor=lambda a: f"{a.month:%Y-%m}", sort="month"),
    Column("partner__name", gettext_lazy("合作伙伴")),
    Column("product__name", gettext_lazy("产品"), accessor=lambda a: a.product.name if a.product else "—"),
    Column("kind", gettext_lazy("类型")),
    Column(
        "amount", gettext_lazy("金额（元）"), accessor=lambda a: format_fen(a.amount_fen), sort="amount_fen"
    ),
    Column("reason", gettext_lazy("原因"), accessor=lambda a: a.reason_text),
    Column("created_at", gettext_lazy("登记时间"), sort="created_at"),
]


@method_decorator(login_required, name="dispatch")
class AdjustmentListView(ObjectListView):
    create_action = (gettext_lazy("手工调整"), "settlement:adjustment_new", "settlement.add_adjustment")
    permission = queries.VIEW_ADJUSTMENT
    partner_rows = True
    title = gettext_lazy("结算调整")
    export_name = "adjustments"
    empty_text = gettext_lazy("暂无调整。退费、违约扣款、争议和手工调整会出现在这里。")
    config = ListConfig(
        columns=ADJUSTMENT_COLUMNS,
        filters=[Filter("kind", gettext_lazy("类型"), list(Adjustment.Kind.choices))],
        search_fields=["partner__name", "reason"],
    )

    def get_base_queryset(self) -> QuerySet[Adjustment]:
        return queries.visible_adjustments(self.request.user)


@login_required
def adjustment_new(request: HttpRequest) -> HttpResponse:
    _require(request, "settlement.add_adjustment")
    form = AdjustmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            adj = actions.add_manual_adjustment(
                actor=request.user,
                partner=data["partner"],
                product=data["product"],
                month=data["month"],
                amount_fen=data["amount"],
                reason=data["reason"],
            )
        except DomainError as exc:
            _form_error(form, exc, {"amount_fen": "amount"})
        else:
            messages.success(request, _("已登记，计入 %(m)s 的结算。") % {"m": f"{adj.month:%Y-%m}"})
            return redirect("settlement:adjustments")
    return render(
        request,
        "settlement/form.html",
        {
            "form": form,
            "title": _("手工调整"),
            "submit": _("登记"),
            "breadcrumbs": [(_("结算调整"), reverse("settlement:adjustments")), (_("手工调整"), None)],
        },
    )


# --- revenue dashboard -----------------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _require(request, queries.VIEW_RUN)
    data = queries.revenue()
    if request.GET.get("export") == "xlsx":
        return _file(_dashboard_xlsx(data), XLSX, "revenue.xlsx")
    month_chart = charts.bars(
        [f"{m['month']:%Y-%m}" for m in data["by_month"]],
        [
            (_("合作伙伴分成"), [m["partner_share_fen"] for m in data["by_month"]]),
            (_("运营商留存"), [m["carrier_share_fen"] for m in data["by_month"]]),
        ],
        title=_("按月收入（元）"),
    )
    line_chart = charts.bars(
        [r["name"] for r in data["by_line"]],
        [
            (_("应收"), [r["gross_fen"] for r in data["by_line"]]),
            (_("净额"), [r["net_fen"] for r in data["by_line"]]),
        ],
        title=_("按业务线（元）"),
    )
    return render(
        request,
        "settlement/dashboard.html",
        {**data, "title": _("收入看板"), "month_chart": month_chart, "line_chart": line_chart},
    )


def _dashboard_xlsx(data: dict[str, Any]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = _("按月")
    ws.append(
        [
            _("月份"),
            _("版本"),
            _("状态"),
            _("应收（元）"),
            _("净额（元）"),
            _("合作伙伴分成（元）"),
            _("运营商留存（元）"),
        ]
    )
    for m in data["by_month"]:
        run = m["run"]
        ws.append(
            [
                f"{m['month']:%Y-%m}",
                run.version,
                str(run.get_state_display()),
                m["gross_fen"] / 100,
                m["net_fen"] / 100,
                m["partner_share_fen"] / 100,
                m["carrier_share_fen"] / 100,
            ]
        )
    ws = wb.create_sheet(_("按业务线"))
    ws.append([_("业务线"), _("应收（元）"), _("净额（元）"), _("合作伙伴分成（元）"), _("运营商留存（元）")])
    for r in data["by_line"]:
        ws.append(
            [
                r["name"],
                r["gross_fen"] / 100,
                r["net_fen"] / 100,
                r["partner_share_fen"] / 100,
                r["carrier_share_fen"] / 100,
            ]
        )
    ws = wb.create_sheet(_("按合作伙伴"))
    ws.append(
        [_("合作伙伴"), _("应收（元）"), _("净额（元）"), _("合作伙伴分成（元）"), _("运营商留存（元）")]
    )
    for r in data["by_partner"]:
        ws.append(
            [
                r["partner"],
                r["gross_fen"] / 100,
                r["net_fen"] / 100,
                r["partner_share_fen"] / 100,
                r["carrier_share_fen"] / 100,
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
