"""Detection pages (staff): the hits with charts, one hit's figures, the thresholds, a run."""

from __future__ import annotations

import datetime as dt
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

from vasops.compliance.detection import actions, queries, rules, tasks
from vasops.compliance.detection.forms import RuleForm, RunForm
from vasops.compliance.detection.models import DetectionHit, DetectionRule, Metric
from vasops.compliance.detection.permissions import RULES_PERM, RUN_PERM, VIEW_PERM
from vasops.compliance.kpi import charts
from vasops.compliance.labels import evidence_lines
from vasops.core import clock
from vasops.core.errors import DomainError
from vasops.core.listing import Column, Filter, ListConfig, ObjectListView

CRUMB = "异常扣费检测"


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise DjangoPermissionDenied


@method_decorator(login_required, name="dispatch")
class HitListView(ObjectListView):
    permission = VIEW_PERM
    template_name = "compliance/detection/hits.html"
    title = gettext_lazy("异常扣费检测")
    export_name = "charging-detection-hits"
    empty_text = gettext_lazy("尚未发现疑点。检测每天由后台任务运行；也可在“检测阈值”页对某一日手动运行。")
    config = ListConfig(
        columns=[
            Column("day", gettext_lazy("数据日期"), link=True, sort="day"),
            Column("metric", gettext_lazy("检测项"), sort="metric"),
            Column("product__name", gettext_lazy("产品"), sort="product__name"),
            Column("partner__name", gettext_lazy("合作伙伴"), sort="partner__name"),
            Column("value", gettext_lazy("检测值"), accessor=lambda h: rules.format_value(h.metric, h.value)),
            Column(
                "threshold",
                gettext_lazy("阈值"),
                accessor=lambda h: rules.format_value(h.metric, h.threshold),
            ),
            Column("sample", gettext_lazy("样本量")),
            Column(
                "violation_id",
                gettext_lazy("违约草稿"),
                accessor=lambda h: _("已生成") if h.violation_id else "—",
            ),
        ],
        filters=[Filter("metric", gettext_lazy("检测项"), list(Metric.choices))],
        search_fields=["product__name", "partner__name", "product__product_code"],
        default_sort="-day",
    )

    def get_base_queryset(self) -> QuerySet[DetectionHit]:
        return queries.visible_hits(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        last = clock.today() - dt.timedelta(days=1)
        per_day = queries.hits_per_day(self.request.user, last)
        ctx["chart_days"] = charts.bar_chart(
            [(d.strftime("%m-%d"), n) for d, n in per_day], title=_("近 30 天每日疑点数")
        )
        labels = dict(Metric.choices)
        ctx["per_metric"] = [(labels.get(m, m), n) for m, n in queries.hits_per_metric(self.request.user)]
        ctx["breadcrumbs"] = [(CRUMB, None)]
        return ctx


@login_required
def hit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    hit = queries.visible_hits(request.user).filter(pk=pk).first()
    if hit is None:
        raise Http404
    history = queries.product_history(hit)
    chart = charts.line_chart(
        [(h.day.strftime("%m-%d"), float(h.value), False) for h in history],
        threshold=float(hit.threshold),
        title=str(hit.get_metric_display()),
        fmt=lambda v: rules.format_value(hit.metric, round(v)),
    )
    figures = evidence_lines(hit.figures)
    return render(
        request,
        "compliance/detection/hit.html",
        {
            "hit": hit,
            "value": rules.format_value(hit.metric, hit.value),
            "threshold": rules.format_value(hit.metric, hit.threshold),
            "figures": figures,
            "chart": chart,
            "title": f"{hit.get_metric_display()}：{hit.product.name}",
            "breadcrumbs": [(CRUMB, reverse("compliance:detection:hits")), (str(hit.day), None)],
        },
    )


def _threshold_text(rule: DetectionRule) -> str:
    return rules.format_value(rule.metric, rule.threshold)


@login_required
def rules_page(request: HttpRequest) -> HttpResponse:
    _require(request, "compliance.view_detectionrule")
    return render(
        request,
        "compliance/detection/rules.html",
        {
            "rows": [(r, _threshold_text(r)) for r in queries.rules_table()],
            "runs": queries.recent_runs(),
            "can_edit": request.user.has_perm(RULES_PERM),
            "run_form": RunForm(initial={"day": clock.today() - dt.timedelta(days=1)})
            if request.user.has_perm(RUN_PERM)
            else None,
            "title": _("检测阈值"),
            "breadcrumbs": [(CRUMB, reverse("compliance:detection:hits")), (_("检测阈值"), None)],
        },
    )


@login_required
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, RULES_PERM)
    rule = DetectionRule.objects.filter(pk=pk).first()
    if rule is None:
        raise Http404
    form = RuleForm(
        request.POST or None,
        current_code=rule.violation_code,
        initial={
            "threshold": rule.threshold,
            "min_sample": rule.min_sample,
            "violation_code": rule.violation_code,
            "is_active": rule.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.save_detection_rule(
                rule,
                actor=request.user,
                threshold=data["threshold"],
                min_sample=data["min_sample"],
                is_active=data["is_active"],
                violation_code=data["violation_code"],
                reason=data["reason"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.full_message)
        else:
            messages.success(request, _("检测阈值已保存。"))
            return redirect("compliance:detection:rules")
    return render(
        request,
        "compliance/detection/rule_form.html",
        {
            "form": form,
            "rule": rule,
            "title": _("修改检测阈值：%(metric)s") % {"metric": rule.get_metric_display()},
            "breadcrumbs": [(_("检测阈值"), reverse("compliance:detection:rules")), (str(rule), None)],
        },
    )


@login_required
@require_POST
def run_now(request: HttpRequest) -> HttpResponse:
    _require(request, RUN_PERM)
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写检测日期。"))
        return redirect("compliance:detection:rules")
    try:
        run = tasks.run_detection(form.cleaned_data["day"], actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.full_message)
    else:
        messages.success(request, _("%(day)s 已检测：%(n)d 个疑点。") % {"day": run.day, "n": run.hits})
    return redirect("compliance:detection:hits")
