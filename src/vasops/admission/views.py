"""Admission pages: portal (partner users) and console (staff). Thin: parse → action/query → render."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms as dj_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from vasops.admission import actions, forms, next_steps, queries, rules
from vasops.admission.models import Application
from vasops.core import clock
from vasops.core.errors import DomainError, NotFound
from vasops.core.listing import Column, Filter, ListConfig, ObjectListView
from vasops.partners import queries as partner_queries
from vasops.partners.models import PartnerKind

LIST_CRUMB = ("准入申请", None)


def _app(request: HttpRequest, pk: int) -> Application:
    try:
        return queries.application_for(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _partner_app(request: HttpRequest, pk: int) -> Application:
    app = _app(request, pk)
    if not queries.is_partner_side(request.user, app):
        raise DjangoPermissionDenied
    return app


def _int(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0


def _need(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise DjangoPermissionDenied(perm)  # the 403 page names the roles holding it


def _crumbs(request: HttpRequest, app: Application | None = None, leaf: str | None = None) -> list[Any]:
    if request.user.has_perm(queries.VIEW_PERM):
        crumbs: list[Any] = [("准入申请", reverse("admission:application_list"))]
    else:
        crumbs = [("我的准入申请", reverse("admission:my_applications"))]
    if app is not None:
        crumbs.append((app.number, app.get_absolute_url() if leaf else None))
    if leaf:
        crumbs.append((leaf, None))
    return crumbs


def _fail(form: dj_forms.Form | None, request: HttpRequest, exc: DomainError) -> None:
    if form is not None and exc.field and exc.field in form.fields:
        form.add_error(exc.field, exc.full_message)
    elif form is not None:
        form.add_error(None, exc.full_message)
    else:
        messages.error(request, exc.full_message)


def _action_page(
    request: HttpRequest, app: Application | None, form: dj_forms.Form, title: str, submit: str, **extra: Any
) -> HttpResponse:
    ctx = {
        "title": title,
        "app": app,
        "form": form,
        "submit_label": submit,
        "breadcrumbs": _crumbs(request, app, title),
        **extra,
    }
    return render(request, "admission/action_form.html", ctx)


def _material_rows(app: Application) -> list[tuple[str, Any]]:
    current = queries.current_materials(app)
    return [(label, current.get(kind)) for kind, label in rules.MATERIALS]


# --- lists ---------------------------------------------------------------------------------------

_STATE_FILTER = Filter("state", gettext_lazy("状态"), Application.State.choices)


_MONTHS_SQL = """
    WITH RECURSIVE m(d) AS (
        SELECT date_trunc('month', min(window_month))::date FROM admission_application
        UNION ALL
        SELECT (SELECT date_trunc('month', min(a.window_month))::date FROM admission_application a
                WHERE a.window_month >= (m.d + interval '1 month')::date)
        FROM m WHERE m.d IS NOT NULL
    )
    SELECT d FROM m WHERE d IS NOT NULL ORDER BY d DESC
"""


def _window_choices() -> list[tuple[str, str]]:
    """The distinct acceptance months, newest first. On PostgreSQL a loose index scan (one index
    probe per month) instead of a DISTINCT over every application."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(_MONTHS_SQL)
            months = [row[0] for row in cur.fetchall()]
    else:
        months = list(Application.objects.dates("window_month", "month", order="DESC"))
    return [(m.isoformat(), format(m, gettext("%Y年%m月"))) for m in months]


class ApplicationListView(ObjectListView):
    """Console: every application, with filters and export."""

    title = gettext_lazy("准入申请")
    export_name = "admission-applications"
    empty_text = gettext_lazy("暂无准入申请。受理期（受理月 1–10 日）内合作伙伴提交后会出现在这里。")
    config = ListConfig(
        columns=[
            Column("number", gettext_lazy("申请编号"), link=True, sort="number"),
            Column(
                "partner", gettext_lazy("合作伙伴"), accessor=lambda a: a.partner.name, sort="partner__name"
            ),
            Column("kind", gettext_lazy("类型"), accessor=lambda a: a.partner.get_kind_display()),
            Column(
                "window_month",
                gettext_lazy("受理月份"),
                accessor=lambda a: f"{a.window_month:%Y-%m}",
                sort="window_month",
            ),
            Column("business_lines", gettext_lazy("业务类别"), accessor=lambda a: "、".join(a.line_names())),
            Column("state", gettext_lazy("状态"), badge=True, sort="state"),
            Column("submitted_at", gettext_lazy("提交时间"), sort="submitted_at"),
        ],
        filters=[
            _STATE_FILTER,
            Filter("window_month", gettext_lazy("受理月份"), _window_choices),
            Filter("kind", gettext_lazy("类型"), PartnerKind.choices, lookup="partner__kind"),
        ],
        search_fields=["number", "partner__name", "enterprise_code"],
        default_sort="-created_at",
    )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('core:login')}?next={request.path}")
        _need(request, queries.VIEW_PERM)
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[Application]:
        return queries.applications_for(self.request.user)


class MyApplicationsView(ObjectListView):
    """Portal: the partner's own applications only."""

    title = gettext_lazy("我的准入申请")
    export_name = "my-admission-applications"
    empty_text = gettext_lazy("您还没有准入申请。受理期为受理月的 1–10 日。")
    config = ListConfig(
        columns=[
            Column("number", gettext_lazy("申请编号"), link=True, sort="number"),
            Column(
                "window_month",
                gettext_lazy("受理月份"),
                accessor=lambda a: f"{a.window_month:%Y-%m}",
                sort="window_month",
            ),
            Column("business_lines", gettext_lazy("业务类别"), accessor=lambda a: "、".join(a.line_names())),
            Column("state", gettext_lazy("状态"), badge=True, sort="state"),
            Column("created_at", gettext_lazy("创建时间"), sort="created_at"),
        ],
        filters=[_STATE_FILTER],
        search_fields=["number"],
        default_sort="-created_at",
    )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('core:login')}?next={request.path}")
        if partner_queries.partner_of(request.user) is None:
            raise DjangoPermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[Application]:
        return (
            Application.objects.filter(partner=partner_queries.partner_of(self.request.user))
            .select_related("partner")
            .prefetch_related("business_lines")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        status = queries.window_status()
        ctx["create_url"] = (gettext("新建准入申请"), reverse("admission:application_new"))
        ctx["empty_text"] = str(self.empty_text) + (
            gettext("当前受理期开放中，可新建申请。")
            if status.is_open
            else gettext("下一受理期自 %(next_opening)s 开始。")
            % {"next_opening": format(status.next_opening, gettext("%Y年%m月%d日"))}
        )
        return ctx


# --- portal --------------------------------------------------------------------------------------


def _capability_initial(app: Application) -> dict[str, Any]:
    initial = {name: getattr(app, name) for name in actions.CAPABILITY_FIELDS}
    return {**initial, "business_lines": app.line_codes()}


@login_required
def application_new(request: HttpRequest) -> HttpResponse:
    partner = partner_queries.partner_of(request.user)
    if partner is None:
        raise DjangoPermissionDenied
    status = queries.window_status()
    existing = queries.open_application_of(partner)
    form = forms.ApplicationForm(
        request.POST or None, initial={"cs_hotline": partner.cs_hotline}, partner_kind=partner.kind
    )
    if request.method == "POST" and form.is_valid():
        try:
            app = actions.create_application(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _fail(form, request, exc)
        else:
            messages.success(
                request,
                gettext("已创建准入申请 %(number)s，请上传申请资料并填写产品申请表。")
                % {"number": app.number},
            )
            return redirect(app.get_absolute_url())
    ctx = {
        "title": gettext("新建准入申请"),
        "form": form,
        "status": status,
        "existing": existing,
        "breadcrumbs": [
            (gettext("我的准入申请"), reverse("admission:my_applications")),
            (gettext("新建"), None),
        ],
    }
    return render(request, "admission/application_new.html", ctx)


@login_required
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    app = _partner_app(request, pk)
    form = forms.ApplicationForm(
        request.POST or None, initial=_capability_initial(app), partner_kind=app.partner.kind
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_application(app, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _fail(form, request, exc)
        else:
            messages.success(request, gettext("已保存。"))
            return redirect(app.get_absolute_url())
    return _action_page(request, app, form, gettext("修改申请信息"), gettext("保存"))


@login_required
def application_materials(request: HttpRequest, pk: int) -> HttpResponse:
    app = _partner_app(request, pk)
    form = forms.MaterialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.upload_material(
                app, actor=request.user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
            )
        except DomainError as exc:
            _fail(form, request, exc)
        else:
            messages.success(request, gettext("资料已上传。"))
            return redirect("admission:application_materials", pk=app.pk)
    return _action_page(
        request,
        app,
        form,
        gettext("上传申请资料（附件1）"),
        gettext("上传"),
        multipart=True,
        material_rows=_material_rows(app),
    )


@login_required
def application_products(request: HttpRequest, pk: int) -> HttpResponse:
    app = _partner_app(request, pk)
    form = forms.ProductForm(request.POST or None, lines=[(x.code, x.name) for x in app.lines()])
    if request.method == "POST" and "delete" in request.POST:
        product = app.products.filter(pk=_int(request.POST.get("delete"))).first()
        if product is None:
            raise Http404
        try:
            actions.remove_product(product, actor=request.user)
            messages.success(request, gettext("已删除产品。"))
        except DomainError as exc:
            messages.error(request, exc.full_message)
        return redirect("admission:application_products", pk=app.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.add_product(
                app,
                actor=request.user,
                business_line=data["business_line"],
                name=data["name"],
                description=data["description"],
                fee_fen=int((Decimal(data["fee_yuan"]) * 100).to_integral_value()),
                billing_mode=data["billing_mode"],
            )
        except DomainError as exc:
            _fail(form, request, exc)
        else:
            messages.success(request, gettext("产品已添加。"))
            return redirect("admission:application_products", pk=app.pk)
    return _action_page(
        request,
        app,
        form,
        gettext("新增产品申请表（附件2）"),
        gettext("添加产品"),
        products=list(app.products.select_related("business_line")),
        show_products=True,
    )


@login_required
def application_check(request: HttpRequest, pk: int) -> HttpResponse:
    app = _app(request, pk)
    problems = queries.eligibility_problems(app)
    ctx = {
        "title": gettext("受理条件检查"),
        "app": app,
        "problems": problems,
        "can_submit": "submit" in queries.available_actions(request.user, app),
        "breadcrumbs": _crumbs(request, app, "受理条件检查"),
    }
    return render(request, "admission/application_check.html", ctx)


@login_required
@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    app = _partner_app(request, pk)
    try:
        actions.submit_application(app, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.full_message)
        return redirect("admission:application_check", pk=app.pk)
    messages.success(request, gettext("申请已提交，等待初审。"))
    return redirect(app.get_absolute_url())


@login_required
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    app = _partner_app(request, pk)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.withdraw_application(app, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            _fail(form, request, exc)
        else:
            messages.success(request, gettext("申请已撤回。"))
            return redirect(app.get_absolute_url())
    return _action_page(request, app, form, gettext("撤回申请"), gettext("确认撤回"), danger=True)


@login_required
def application_access_data(request: HttpRequest, pk: int) -> HttpResponse:
    app = _partner_app(request, pk)
    form = forms.AccessDataForm(request.POST or None, initial=app.access_data or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.submit_access_data(app, actor=request.user, data=form.cleaned_data)
        except DomainError as exc:
            _fail(form, request, exc)
        else:
            messages.success(request, gettext("接入资料已提交，进入系统准备。"))
            return redirect(app.get_absolute_url())
    return _action_page(
        request, app, form, gettext("提交接入资料"), gettext("提交"), deadline=app.access_data_due_at
    )


# --- shared detail ---------------------------------------------------------------------------------


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = _app(request, pk)
    allowed = queries.available_actions(request.user, app)
    try:
        orders = queries.work_orders_of(app, request.user)
    except (ImportError, AttributeError):
        orders = []
    deadlines = list(queries.deadlines_of(app))
    partner_side = queries.is_partner_side(request.user, app)
    ctx = {
        "title": gettext("准入申请 %(number)s") % {"number": app.number},
        "app": app,
        "allowed": allowed,
        "is_partner": partner_side,
        "next_steps": next_steps.steps_for(request.user, app, partner_side=partner_side),
        "partner_next_step": rules.next_step(app.state) if partner_side else "",
        "lines": app.line_names(),
        "material_rows": _material_rows(app),
        "products": list(app.products.select_related("business_line")),
        "timeline": queries.timeline(app, work_orders=orders, deadlines=deadlines),
        "deadline": queries.open_deadline_in(deadlines),
        "work_orders": orders,
        "checklist": queries.access_checklist(app) if app.state in rules.ACCESS_CHECKLIST_STATES else [],
        "contract": getattr(app, "contract", None) if hasattr(app, "contract") else None,
        "breadcrumbs": _crumbs(request, app),
    }
    return render(request, "admission/application_detail.html", ctx)


# --- console -------------------------------------------------------------------------------------


@login_required
def application_review(request: HttpRequest, pk: int) -> HttpResponse:
    app = _app(request, pk)
    _need(request, "admission.review_application")
    form = forms.ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.review_application(app, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _fail(form, request, exc)
        else:
            messages.success(request, gettext("初审结果已记录并通知合作伙伴。"))
            return redirect(app.get_absolute_url())
    return _action_page(request, app, form, gettext("初审"), gettext("提交初审结论"))


@login_required
def application_decide(request: HttpRequest, pk: int) -> HttpResponse:
    app = _app(request, pk)
    _need(request, "admission.decide_application")
    form = forms.DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.decide_application(app, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _fail(form, request, exc)
        else:
            messages.success(request, gettext("准入决定已记录并通知合作伙伴。"))
            return redirect(app.get_absolute_url())
    return _action_page(
        request,
        app,
        form,
        gettext("准入决定"),
        gettext("提交决定"),
        review=_review_summary(app),
        deciding=True,
    )


def _review_summary(app: Application) -> Any:
    """The completed review meeting the decision rests on (its aggregate score), if any."""
    meetings = getattr(app, "review_meetings", None)
    if meetings is None:
        return None
    return meetings.filter(state="meeting_completed").order_by("-date", "-pk").first()


def _system_choices() -> list[tuple[str, str]]:
    try:
        from vasops.workorders.models import VAS_SYSTEMS
    except ImportError:
        return []
    return [(str(c), str(lbl)) for c, lbl in VAS_SYSTEMS]


@login_required
def application_work_orders(request: HttpRequest, pk: int) -> HttpResponse:
    app = _app(request, pk)
    _need(request, "admission.manage_preparation")
    form = forms.WorkOrderForm(request.POST or None, systems=_system_choices())
    if request.method == "POST" and form.is_valid():
        try:
            orders = actions.raise_data_change_orders(
                app, actor=request.user, systems=form.cleaned_data["systems"]
            )
        except DomainError as exc:
            _fail(form, request, exc)
        else:
            messages.success(
                request,
                gettext("已发起 %(count)s 张数据修改工单（7 个工作日内反馈）。") % {"count": len(orders)},
            )
            return redirect(app.get_absolute_url())
    orders = queries.work_orders_of(app, request.user)
    return _action_page(
        request, app, form, gettext("发起数据修改工单"), gettext("发起工单"), work_orders=orders
    )


@login_required
@require_POST
def application_start_testing(request: HttpRequest, pk: int) -> HttpResponse:
    app = _app(request, pk)
    _need(request, "admission.manage_preparation")
    try:
        actions.start_access_testing(app, actor=request.user)
        messages.success(request, gettext("已进入接入测试。"))
    except DomainError as exc:
        messages.error(request, exc.full_message)
    return redirect(app.get_absolute_url())


@login_required
def application_tests(request: HttpRequest, pk: int) -> HttpResponse:
    app = _app(request, pk)
    _need(request, "admission.manage_preparation")
    names = {line.code: line.label for line in app.lines()}
    cases = [
        (f"{line}:{code}", f"{names.get(line, line)} · {title}")
        for line, code, title in rules.access_cases_for(list(names))
    ]
    form = forms.ResultForm(request.POST or None, cases=cases)
    if request.method == "POST" and form.is_valid():
        line, code = form.cleaned_data["case"].split(":", 1)
        try:
            actions.record_test_result(
                app,
                actor=request.user,
                business_line=line,
                case_code=code,
                passed=form.cleaned_data["passed"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            _fail(form, request, exc)
        else:
            messages.success(request, gettext("测试结果已记录。"))
            return redirect("admission:application_tests", pk=app.pk)
    return _action_page(
        request,
        app,
        form,
        gettext("接入测试（附件4）"),
        gettext("记录结果"),
        checklist=queries.access_checklist(app),
    )


@login_required
def application_paper(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the formal paper application (正式书面申请) as received: date and receiver."""
    app = _app(request, pk)
    _need(request, "admission.review_application")
    initial = {
        "received_on": app.paper_received_on or clock.today(),
        "receiver": app.paper_receiver or getattr(request.user, "display_name", "") or str(request.user),
    }
    form = forms.PaperApplicationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_paper_application(app, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _fail(form, request, exc)
        else:
            messages.success(request, gettext("书面申请已登记。"))
            return redirect(app.get_absolute_url())
    return _action_page(request, app, form, gettext("登记正式书面申请（第三章 一、1）"), gettext("登记"))


def _opening_initial(app: Application) -> dict[str, Any]:
    """The opening form pre-filled from what the application already says."""
    if app.opening_data:
        return dict(app.opening_data)
    products = list(app.products.all())
    return {
        "opened_on": clock.today(),
        "service_name": "、".join(p.name for p in products),
        "service_content": "；".join(p.description for p in products if p.description),
        "tariff": "；".join(
            f"{p.name} {p.fee_fen / 100:.2f} 元（{p.get_billing_mode_display()}）" for p in products
        ),
        "cs_hotline": app.cs_hotline or app.partner.cs_hotline,
    }


@login_required
def application_open(request: HttpRequest, pk: int) -> HttpResponse:
    """开通: the opening data of 附件5, then the state change."""
    app = _app(request, pk)
    _need(request, "admission.manage_preparation")
    form = forms.OpeningForm(request.POST or None, initial=_opening_initial(app))
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "opened_on": form.cleaned_data["opened_on"].isoformat()}
        try:
            actions.open_access(app, actor=request.user, data=data)
        except DomainError as exc:
            _fail(form, request, exc)
        else:
            messages.success(request, gettext("已开通。"))
            return redirect(app.get_absolute_url())
    return _action_page(request, app, form, gettext("开通（附件5 开通资料）"), gettext("开通"))


@login_required
def application_contract(request: HttpRequest, pk: int) -> HttpResponse:
    app = _app(request, pk)
    _need(request, "admission.manage_contract")
    form = forms.ContractForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.sign_contract(app, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _fail(form, request, exc)
        else:
            messages.success(request, gettext("合同已登记。"))
            return redirect(app.get_absolute_url())
    return _action_page(request, app, form, gettext("签订合同（附件8）"), gettext("登记合同"), multipart=True)


@login_required
def admission_settings(request: HttpRequest) -> HttpResponse:
    _need(request, "admission.manage_admission_settings")
    from vasops.admission.models import AdmissionSettings

    current = AdmissionSettings.current()
    form = forms.SettingsForm(request.POST or None, initial={"acceptance_months": current.acceptance_months})
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_settings(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _fail(form, request, exc)
        else:
            messages.success(request, gettext("受理月份已保存。"))
            return redirect("admission:settings")
    ctx = {
        "title": gettext("准入设置"),
        "form": form,
        "status": queries.window_status(),
        "settings_obj": current,
        "breadcrumbs": [(gettext("准入设置"), None)],
    }
    return render(request, "admission/settings.html", ctx)
