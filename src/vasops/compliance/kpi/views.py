"""KPI pages: the records and the below-threshold list (staff), a partner's results with charts
(staff, and the partner itself in the portal), the import, the indicator definitions."""

from __future__ import annotations

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

from vasops.compliance.kpi import actions, charts, importing, queries, rules
from vasops.compliance.kpi.forms import DefinitionForm, ImportForm
from vasops.compliance.kpi.models import KpiDefinition, KpiRecord
from vasops.compliance.kpi.permissions import DEFINE_PERM, RECORD_PERM, VIEW_PERM
from vasops.core import imports
from vasops.core.errors import DomainError
from vasops.core.listing import Column, Filter, ListConfig, ObjectListView
from vasops.partners import queries as partner_queries
from vasops.partners.models import Partner

CRUMB = "KPI 记录"


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise DjangoPermissionDenied


def _value(r: KpiRecord) -> str:
    return rules.format_value(r.definition.unit, r.value)


def _threshold(r: KpiRecord) -> str:
    return f"{r.get_direction_display()} {rules.format_value(r.definition.unit, r.threshold)}"


def _definition_choices() -> list[tuple[str, str]]:
    return [(d.code, d.name) for d in queries.definitions()]


RECORD_COLUMNS = [
    Column("partner__name", gettext_lazy("合作伙伴"), link=True, sort="partner__name"),
    Column("definition__name", gettext_lazy("指标"), sort="definition__sort_order"),
    Column("period", gettext_lazy("周期"), sort="period_start"),
    Column("value", gettext_lazy("结果值"), accessor=_value),
    Column("threshold", gettext_lazy("门限"), accessor=_threshold),
    Column("met", gettext_lazy("结论"), accessor=lambda r: _("达标") if r.met else _("未达标")),
    Column("source", gettext_lazy("来源")),
    Column("recorded_at", gettext_lazy("登记时间"), sort="recorded_at"),
]


@method_decorator(login_required, name="dispatch")
class RecordListView(ObjectListView):
    permission = VIEW_PERM
    title = gettext_lazy("KPI 记录")
    export_name = "kpi-records"
    empty_text = gettext_lazy(
        "还没有 KPI 记录。运维人员可在“KPI 导入”上传 CSV 或 Excel 文件，或通过接口登记。"
    )
    config = ListConfig(
        columns=RECORD_COLUMNS,
        filters=[
            Filter("kpi", gettext_lazy("指标"), _definition_choices, lookup="definition__code"),
            Filter("met", gettext_lazy("结论"), [("1", gettext_lazy("达标")), ("0", gettext_lazy("未达标"))]),
        ],
        search_fields=["partner__name", "partner__enterprise_code", "period"],
        default_sort="-period_start",
    )

    def get_base_queryset(self) -> QuerySet[KpiRecord]:
        return queries.visible_records(self.request.user)

    def detail_url(self, obj: Any) -> str | None:
        return reverse("compliance:kpi:partner", args=[obj.partner_id])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        if self.request.user.has_perm(RECORD_PERM):
            ctx["create_url"] = (_("导入 KPI 记录"), reverse("compliance:kpi:import"))
            ctx["empty_action"] = ctx["create_url"]
        ctx["breadcrumbs"] = [(CRUMB, None)]
        return ctx


class BelowListView(RecordListView):
    title = gettext_lazy("KPI 未达标记录")
    export_name = "kpi-below-threshold"
    empty_text = gettext_lazy("没有未达标的 KPI 记录。")
    config = ListConfig(
        columns=RECORD_COLUMNS,
        filters=[Filter("kpi", gettext_lazy("指标"), _definition_choices, lookup="definition__code")],
        search_fields=["partner__name", "partner__enterprise_code", "period"],
        default_sort="-period_start",
    )

    def get_base_queryset(self) -> QuerySet[KpiRecord]:
        return queries.below_threshold(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["breadcrumbs"] = [(CRUMB, reverse("compliance:kpi:records")), ("未达标", None)]
        return ctx


def _charts(partner: Partner) -> list[dict[str, Any]]:
    out = []
    for item in queries.partner_series(partner):
        d: KpiDefinition = item["definition"]
        records: list[KpiRecord] = item["records"]

        def fmt(v: float, unit: str = d.unit) -> str:
            return rules.format_value(unit, round(v))

        svg = charts.line_chart(
            [(r.period, float(r.value), r.met) for r in records],
            threshold=float(records[-1].threshold if records else d.threshold),
            title=d.name,
            fmt=fmt,
            ceiling=10000.0 if d.unit == rules.BP else None,
        )
        out.append(
            {
                "definition": d,
                "records": list(reversed(records)),
                "below": item["below"],
                "svg": svg,
                "threshold": f"{d.get_direction_display()} {rules.format_value(d.unit, d.threshold)}",
                "rows": [(r, _value(r), _threshold(r)) for r in reversed(records)],
            }
        )
    return out


def _render_partner(request: HttpRequest, partner: Partner, *, portal: bool) -> HttpResponse:
    items = _charts(partner)
    crumbs: list[tuple[str, str | None]] = (
        [("KPI 考核", None)] if portal else [(CRUMB, reverse("compliance:kpi:records")), (partner.name, None)]
    )
    return render(
        request,
        "compliance/kpi/partner.html",
        {
            "partner": partner,
            "items": items,
            "below_total": sum(i["below"] for i in items),
            "portal": portal,
            "title": _("KPI 考核：%(partner)s") % {"partner": partner.name},
            "breadcrumbs": crumbs,
        },
    )


@login_required
def partner_kpis(request: HttpRequest, partner_id: int) -> HttpResponse:
    partner = queries.visible_partner(request.user, partner_id)
    if partner is None:
        raise Http404
    return _render_partner(request, partner, portal=not request.user.has_perm(VIEW_PERM))


@login_required
def my_kpis(request: HttpRequest) -> HttpResponse:
    partner = partner_queries.partner_of(request.user)
    if partner is None:
        raise Http404("仅合作伙伴用户可使用此页面。")
    return _render_partner(request, partner, portal=True)


@login_required
def kpi_import(request: HttpRequest) -> HttpResponse:
    _require(request, RECORD_PERM)
    form = ImportForm(request.POST or None, request.FILES or None)
    refused: actions.ImportRefused | None = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.import_kpi_records(actor=request.user, upload=form.cleaned_data["file"])
        except actions.ImportRefused as exc:
            refused = exc
            imports.keep_error_report(exc, actor=request.user, name="kpi-import-errors.xlsx")
            form.add_error(None, exc.full_message)
        except DomainError as exc:
            form.add_error("file", exc.full_message)
        else:
            below = sum(1 for r in saved if not r.met)
            messages.success(
                request, _("已导入 %(n)d 条 KPI 记录，其中未达标 %(b)d 条。") % {"n": len(saved), "b": below}
            )
            return redirect("compliance:kpi:records")
    return render(
        request,
        "compliance/kpi/import.html",
        {
            "form": form,
            "refused": refused,
            "definitions": queries.definitions(active_only=True),
            "title": _("KPI 导入"),
            "breadcrumbs": [(CRUMB, reverse("compliance:kpi:records")), (_("导入"), None)],
        },
        status=400 if refused is not None or form.errors else 200,
    )


@login_required
def kpi_import_template(request: HttpRequest) -> HttpResponse:
    _require(request, RECORD_PERM)
    response = HttpResponse(importing.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kpi-import-template.csv"'
    return response


@login_required
def definitions(request: HttpRequest) -> HttpResponse:
    _require(request, "compliance.view_kpidefinition")
    rows = [
        (d, f"{d.get_direction_display()} {rules.format_value(d.unit, d.threshold)}")
        for d in queries.definitions()
    ]
    return render(
        request,
        "compliance/kpi/definitions.html",
        {
            "rows": rows,
            "can_edit": request.user.has_perm(DEFINE_PERM),
            "title": _("KPI 指标"),
            "breadcrumbs": [(_("KPI 指标"), None)],
        },
    )


def _threshold_text(d: KpiDefinition) -> str:
    if d.unit == rules.BP:
        return f"{d.threshold / 100:g}"
    return str(d.threshold)


@login_required
def definition_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, DEFINE_PERM)
    definition = KpiDefinition.objects.filter(pk=pk).first()
    if definition is None:
        raise Http404
    form = DefinitionForm(
        request.POST or None,
        initial={
            "name": definition.name,
            "direction": definition.direction,
            "threshold_text": _threshold_text(definition),
            "period": definition.period,
            "description": definition.description,
            "is_active": definition.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            threshold = rules.parse_value(definition.unit, data["threshold_text"])
        except ValueError as exc:
            form.add_error("threshold_text", f"门限值{exc}。")
        else:
            try:
                actions.save_kpi_definition(
                    definition,
                    actor=request.user,
                    name=data["name"],
                    threshold=threshold,
                    direction=data["direction"],
                    period=data["period"],
                    is_active=data["is_active"],
                    description=data["description"],
                    reason=data["reason"],
                )
            except DomainError as exc:
                form.add_error("threshold_text" if exc.field == "threshold" else None, exc.full_message)
            else:
                messages.success(request, _("指标已保存；已登记的记录保持原判定。"))
                return redirect("compliance:kpi:definitions")
    return render(
        request,
        "compliance/kpi/definition_form.html",
        {
            "form": form,
            "definition": definition,
            "title": _("修改 KPI 指标：%(name)s") % {"name": definition.name},
            "breadcrumbs": [(_("KPI 指标"), reverse("compliance:kpi:definitions")), (definition.name, None)],
        },
    )
