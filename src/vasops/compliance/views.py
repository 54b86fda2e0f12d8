"""Pages of compliance: the partner's violations, appeals and credit (portal); the catalogue,
records, decisions, blocking, credit, assessment, exit and the dashboard (console). Thin:
parse → action/query → render."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from vasops.catalog.labels import line_label_of
from vasops.compliance import actions, charts, queries, rules
from vasops.compliance.actions.common import numbers
from vasops.compliance.actions.credit import current_points
from vasops.compliance.errors import ComplianceError
from vasops.compliance.forms import (
    AppealForm,
    AssessmentForm,
    BlockForm,
    DecideForm,
    ExitForm,
    RaiseForm,
    ReasonForm,
    SettingsForm,
    ViolationForm,
    ViolationTypeForm,
)
from vasops.compliance.labels import evidence_lines
from vasops.compliance.models import (
    Assessment,
    ComplianceSettings,
    ExitRecord,
    Grade,
    ViolationRecord,
    ViolationType,
)
from vasops.core import clock
from vasops.core.errors import DomainError, NotFound
from vasops.core.listing import Column, Filter, ListConfig, ObjectListView
from vasops.partners import queries as partner_queries
from vasops.partners.models import Partner
from vasops.vac.models import ServiceBlock

VIEW = queries.VIEW
GRADE_LABELS = dict(Partner.CreditGrade.choices)


def _require(request: HttpRequest, *perms: str) -> None:
    if not all(request.user.has_perm(p) for p in perms):
        raise DjangoPermissionDenied


def _form_error(form: Any, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.full_message)


def _record_or_404(request: HttpRequest, pk: int) -> ViolationRecord:
    try:
        return queries.get_violation(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


# --- lists -----------------------------------------------------------------------------------

VIOLATION_COLUMNS = [
    Column("number", gettext_lazy("编号"), link=True, sort="number"),
    Column("partner__name", gettext_lazy("合作伙伴")),
    Column("product__name", gettext_lazy("产品")),
    Column("violation_type__name", gettext_lazy("违约类型")),
    Column(
        "violation_type__grade", gettext_lazy("等级"), accessor=lambda r: r.violation_type.get_grade_display()
    ),
    Column("state", gettext_lazy("状态"), badge=True, sort="state"),
    Column("appeal_due", gettext_lazy("申诉截止"), sort="appeal_due"),
    Column("points_deducted", gettext_lazy("扣分")),
    Column("penalty_fen", gettext_lazy("违约金（元）"), accessor=lambda r: f"{r.penalty_fen / 100:.2f}"),
    Column("created_at", gettext_lazy("登记时间"), sort="created_at"),
]


@method_decorator(login_required, name="dispatch")
class ViolationListView(ObjectListView):
    create_action = (gettext_lazy("登记违约"), "compliance:violation_new", "compliance.manage_violation")
    breadcrumbs = [(gettext_lazy("违约记录"), None)]
    permission = VIEW
    title = gettext_lazy("违约记录")
    export_name = "violations"
    config = ListConfig(
        columns=VIOLATION_COLUMNS,
        filters=[
            Filter("state", gettext_lazy("状态"), ViolationRecord.State.choices),
            Filter("grade", gettext_lazy("等级"), Grade.choices, lookup="violation_type__grade"),
        ],
        search_fields=["number", "partner__name", "summary"],
        default_sort="-created_at",
    )

    def get_base_queryset(self) -> QuerySet[ViolationRecord]:
        return queries.visible_violations(self.request.user)


@method_decorator(login_required, name="dispatch")
class MyViolationsView(ObjectListView):
    breadcrumbs = [(gettext_lazy("违约与申诉"), None)]
    title = gettext_lazy("我的违约记录")
    export_name = "my-violations"
    empty_text = gettext_lazy("贵司没有违约记录。")
    config = ListConfig(
        columns=[c for c in VIOLATION_COLUMNS if c.name != "partner__name"],
        filters=[Filter("state", gettext_lazy("状态"), ViolationRecord.State.choices)],
        search_fields=["number", "summary"],
        default_sort="-created_at",
    )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and partner_queries.partner_of(request.user) is None:
            raise Http404("仅合作伙伴用户可使用此页面。")
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[ViolationRecord]:
        return queries.visible_violations(self.request.user)


def _block_state(b: ServiceBlock) -> str:
    if b.lifted_at is not None:
        return _("已解除")
    return _("生效中") if b.in_force(clock.now()) else _("已到期")


@method_decorator(login_required, name="dispatch")
class BlockListView(ObjectListView):
    create_action = (gettext_lazy("新增屏蔽"), "compliance:block_new", "compliance.block_service")
    breadcrumbs = [(gettext_lazy("业务屏蔽"), None)]
    permission = VIEW
    title = gettext_lazy("业务屏蔽")
    export_name = "service-blocks"
    config = ListConfig(
        columns=[
            Column("partner__name", gettext_lazy("合作伙伴")),
            Column("scope", gettext_lazy("范围")),
            Column("product__name", gettext_lazy("产品")),
            Column(
                "business_line__name",
                gettext_lazy("业务线"),
                accessor=line_label_of,
            ),
            Column("reason", gettext_lazy("原因"), accessor=lambda b: b.reason_text),
            Column("starts_at", gettext_lazy("屏蔽时间"), sort="starts_at"),
            Column("ends_at", gettext_lazy("到期时间")),
            Column("state", gettext_lazy("状态"), accessor=_block_state),
            Column(
                "lift",
                gettext_lazy("解除"),
                accessor=lambda b: _("解除") if b.lifted_at is None else "",
                link=True,
            ),
        ],
        filters=[Filter("scope", gettext_lazy("范围"), ServiceBlock.Scope.choices)],
        search_fields=["partner__name", "reason", "product__name"],
        default_sort="-starts_at",
    )

    def detail_url(self, obj: Any) -> str | None:
        if obj.lifted_at is None and self.request.user.has_perm("compliance.block_service"):
            return reverse("compliance:block_lift", args=[obj.pk])
        return None

    def get_base_queryset(self) -> QuerySet[ServiceBlock]:
        return queries.visible_blocks(self.request.user)


@method_decorator(login_required, name="dispatch")
class ViolationTypeListView(ObjectListView):
    create_action = (gettext_lazy("新增违约类型"), "compliance:type_new", "compliance.manage_catalogue")
    breadcrumbs = [(gettext_lazy("违约类型"), None)]
    permission = VIEW
    title = gettext_lazy("违约类型")
    export_name = "violation-types"
    config = ListConfig(
        columns=[
            Column("name", gettext_lazy("名称"), link=True, sort="name"),
            Column("version", gettext_lazy("版本")),
            Column("grade", gettext_lazy("等级")),
            Column("points", gettext_lazy("扣信用分")),
            Column(
                "penalty_fen", gettext_lazy("违约金（元）"), accessor=lambda t: f"{t.penalty_fen / 100:.2f}"
            ),
            Column("consequence", gettext_lazy("处理措施")),
            Column("is_active", gettext_lazy("启用")),
        ],
        filters=[Filter("grade", gettext_lazy("等级"), Grade.choices)],
        search_fields=["code", "name"],
        default_sort="code",
    )

    def detail_url(self, obj: Any) -> str | None:
        return reverse("compliance:type_edit", args=[obj.code])

    def get_base_queryset(self) -> QuerySet[ViolationType]:
        return ViolationType.objects.filter(is_current=True)


@method_decorator(login_required, name="dispatch")
class CreditListView(ObjectListView):
    breadcrumbs = [(gettext_lazy("信用等级"), None)]
    permission = VIEW
    title = gettext_lazy("信用等级")
    export_name = "credit-grades"
    config = ListConfig(
        columns=[
            Column("name", gettext_lazy("合作伙伴"), link=True, sort="name"),
            Column("state", gettext_lazy("状态"), badge=True),
            Column("credit_grade", gettext_lazy("信用等级"), sort="credit_grade"),
            Column("points", gettext_lazy("本年度积分"), accessor=lambda p: current_points(p)[0]),
        ],
        filters=[Filter("credit_grade", gettext_lazy("信用等级"), Partner.CreditGrade.choices)],
        search_fields=["name"],
        default_sort="name",
    )

    def detail_url(self, obj: Any) -> str | None:
        return reverse("compliance:partner_credit", args=[obj.pk])

    def get_base_queryset(self) -> QuerySet[Partner]:
        return Partner.objects.exclude(state=Partner.State.REGISTERED)


# --- violation detail and its acts -------------------------------------------------------------


@login_required
def violation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record_or_404(request, pk)
    user = request.user
    is_member = queries.own_partner_id(user) == record.partner_id
    today = clock.today()
    can_manage = user.has_perm("compliance.manage_violation")
    ctx = {
        "record": record,
        "evidence": evidence_lines(record.evidence or {}),
        "title": _("违约记录 %(number)s") % {"number": record.number},
        "is_member": is_member,
        "can_appeal": is_member
        and record.state == ViolationRecord.State.RAISED
        and rules.appeal_open(today, record.appeal_due),
        "can_raise": can_manage and record.state == ViolationRecord.State.DRAFT,
        "can_decide": can_manage
        and record.state
        in (ViolationRecord.State.RAISED, ViolationRecord.State.ACCEPTED, ViolationRecord.State.APPEALED),
        "appeal_form": AppealForm(),
        "raise_form": RaiseForm(),
        "discard_form": ReasonForm(),
        "decide_form": DecideForm(),
        "evidence_files": record.evidence_files.all(),
        "appeal_files": record.appeal_files.all(),
        "blocks": ServiceBlock.objects.filter(
            source_type="compliance.violationrecord", source_id=str(record.pk)
        ),
        "breadcrumbs": [
            (
                _("违约记录"),
                reverse("compliance:violations" if user.has_perm(VIEW) else "compliance:my_violations"),
            ),
            (record.number, None),
        ],
    }
    return render(request, "compliance/violation_detail.html", ctx)


def _act(request: HttpRequest, record: ViolationRecord, fn: Any, success: str, **kwargs: Any) -> HttpResponse:
    try:
        fn(record, actor=request.user, **kwargs)
        messages.success(request, success)
    except DomainError as exc:
        messages.error(request, exc.full_message)
    return redirect("compliance:violation_detail", pk=record.pk)


@login_required
@require_POST
def violation_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record_or_404(request, pk)
    form = AppealForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请填写申诉理由。"))
        return redirect("compliance:violation_detail", pk=pk)
    return _act(
        request,
        record,
        actions.appeal_violation,
        _("申诉已提交。"),
        text=form.cleaned_data["text"],
        files=form.cleaned_data["attachments"],
    )


@login_required
@require_POST
def violation_accept(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record_or_404(request, pk)
    return _act(request, record, actions.accept_violation, _("已确认违约。"))


@login_required
@require_POST
def violation_raise(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "compliance.manage_violation")
    record = _record_or_404(request, pk)
    form = RaiseForm(request.POST, request.FILES)
    form.is_valid()
    data = form.cleaned_data
    return _act(
        request,
        record,
        actions.raise_draft,
        _("已通报合作伙伴。"),
        summary=data.get("summary") or "",
        evidence_files=data.get("evidence_files") or [],
    )


@login_required
@require_POST
def violation_discard(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "compliance.manage_violation")
    record = _record_or_404(request, pk)
    return _act(
        request, record, actions.discard_draft, _("草稿已作废。"), reason=request.POST.get("reason", "")
    )


@login_required
@require_POST
def violation_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "compliance.manage_violation")
    record = _record_or_404(request, pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
        return redirect("compliance:violation_detail", pk=pk)
    data = form.cleaned_data
    return _act(
        request,
        record,
        actions.decide_violation,
        _("已裁定。"),
        decision=data["decision"],
        reason=data["reason"],
        points=data.get("points"),
        penalty_fen=data.get("penalty"),
    )


@login_required
def violation_new(request: HttpRequest) -> HttpResponse:
    _require(request, "compliance.manage_violation")
    form = ViolationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = actions.record_violation(
                actor=request.user,
                partner=data["partner"],
                violation_code=data["violation_code"],
                summary=data["summary"],
                product=data["product"],
                evidence_files=data["evidence_files"],
            )
            messages.success(request, _("违约已登记并通报合作伙伴。"))
            return redirect(record.get_absolute_url())
        except DomainError as exc:
            _form_error(form, exc)
    return render(
        request,
        "compliance/form.html",
        {
            "form": form,
            "title": _("登记违约"),
            "multipart": True,
            "breadcrumbs": [(_("违约记录"), reverse("compliance:violations")), (_("登记违约"), None)],
        },
    )


# --- catalogue and settings ---------------------------------------------------------------------


@login_required
def type_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    _require(request, VIEW)
    vt = ViolationType.objects.filter(code=code, is_current=True).first() if code else None
    if code and vt is None:
        raise Http404
    initial = (
        {
            "code": vt.code,
            "name": vt.name,
            "grade": vt.grade,
            "points": vt.points,
            "penalty": f"{vt.penalty_fen / 100:.2f}",
            "consequence": vt.consequence,
            "description": vt.description,
            "is_active": vt.is_active,
        }
        if vt
        else {"is_active": True}
    )
    form = ViolationTypeForm(request.POST or None, initial=initial)
    if vt:
        form.fields["code"].disabled = True
    if request.method == "POST":
        _require(request, "compliance.manage_catalogue")
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.save_violation_type(
                    actor=request.user,
                    code=data["code"],
                    name=data["name"],
                    grade=data["grade"],
                    points=data["points"],
                    penalty_fen=data["penalty"] or 0,
                    consequence=data["consequence"],
                    description=data["description"],
                    is_active=data["is_active"],
                )
                messages.success(request, _("违约类型已保存（新版本）。"))
                return redirect("compliance:types")
            except DomainError as exc:
                _form_error(form, exc)
    versions = ViolationType.objects.filter(code=code).order_by("-version") if code else []
    return render(
        request,
        "compliance/type_form.html",
        {
            "form": form,
            "vt": vt,
            "versions": versions,
            "title": _("违约类型：%(name)s") % {"name": vt.name} if vt else _("新增违约类型"),
            "breadcrumbs": [
                (_("违约类型"), reverse("compliance:types")),
                (vt.name if vt else _("新增"), None),
            ],
        },
    )


@login_required
def settings_edit(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW)
    row = ComplianceSettings.objects.filter(pk=1).first() or ComplianceSettings(pk=1)
    form = SettingsForm(request.POST or None, instance=row)
    if request.method == "POST":
        _require(request, "compliance.manage_catalogue")
        if form.is_valid():
            try:
                actions.save_settings(actor=request.user, **form.cleaned_data)
                messages.success(request, _("参数已保存。"))
                return redirect("compliance:settings")
            except DomainError as exc:
                _form_error(form, exc)
    return render(
        request,
        "compliance/form.html",
        {"form": form, "title": _("违约与信用参数"), "breadcrumbs": [(_("违约与信用参数"), None)]},
    )


# --- blocking -------------------------------------------------------------------------------------


@login_required
def block_new(request: HttpRequest) -> HttpResponse:
    _require(request, "compliance.block_service")
    form = BlockForm(request.POST or None, initial=request.GET.dict() if request.method == "GET" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.block_service(
                actor=request.user,
                scope=data["scope"],
                partner=data["partner"],
                reason=data["reason"],
                product=data["product"],
                business_line=data["business_line"],
                ends_on=data["ends_on"],
            )
            messages.success(request, _("业务已屏蔽，VAC 即时生效。"))
            return redirect("compliance:blocks")
        except DomainError as exc:
            _form_error(form, exc)
    return render(
        request,
        "compliance/form.html",
        {
            "form": form,
            "title": _("新增业务屏蔽"),
            "breadcrumbs": [(_("业务屏蔽"), reverse("compliance:blocks")), (_("新增"), None)],
        },
    )


@login_required
def block_lift(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "compliance.block_service")
    try:
        block = queries.get_block(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.lift_block(block, actor=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("业务屏蔽已解除，VAC 即时生效。"))
            return redirect("compliance:blocks")
        except DomainError as exc:
            _form_error(form, exc)
    return render(
        request,
        "compliance/form.html",
        {
            "form": form,
            "title": _("解除业务屏蔽：%(scope)s · %(target)s")
            % {"scope": block.get_scope_display(), "target": block.target_label},
            "intro": block.reason_text,
            "breadcrumbs": [(_("业务屏蔽"), reverse("compliance:blocks")), (_("解除"), None)],
        },
    )


# --- credit ----------------------------------------------------------------------------------------


def _credit_context(partner: Partner) -> dict[str, Any]:
    n = numbers()
    points, grade = current_points(partner)
    history = list(queries.credit_history(partner))
    series = [(f"{n.start_points}", n.start_points)] if history else []
    series = [(str(e.on), e.points_after) for e in history]
    if history:
        series.insert(0, (f"{history[0].account.year}-01-01", n.start_points))
    chart = charts.line_chart(
        series,
        bands=[
            (n.excellent_from, str(GRADE_LABELS["excellent"])),
            (n.good_from, str(GRADE_LABELS["good"])),
            (n.pass_from, str(GRADE_LABELS["pass"])),
        ],
        top=max(n.start_points, 100),
        title=_("%(partner)s 信用积分") % {"partner": partner.name},
    )
    return {
        "partner": partner,
        "points": points,
        "grade": GRADE_LABELS.get(grade, grade),
        "history": [(e, GRADE_LABELS.get(e.grade_after, e.grade_after)) for e in reversed(history)],
        "accounts": queries.credit_accounts(partner),
        "chart": chart,
        "numbers": n,
        "restrictions": partner_queries.restrictions_in_force(partner, clock.today()),
        "blocks": queries.blocks_in_force(ServiceBlock.objects.filter(partner=partner)).select_related(
            "product", "business_line"
        ),
    }


@login_required
def partner_credit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        partner = queries.visible_partner(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    ctx = _credit_context(partner)
    ctx["title"] = _("信用：%(partner)s") % {"partner": partner.name}
    ctx["breadcrumbs"] = [(_("信用等级"), reverse("compliance:credit")), (partner.name, None)]
    ctx["exit_form"] = (
        ExitForm(initial={"partner": partner.pk})
        if request.user.has_perm("compliance.manage_assessment")
        else None
    )
    return render(request, "compliance/credit.html", ctx)


@login_required
def credit_chart(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        partner = queries.visible_partner(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return HttpResponse(_credit_context(partner)["chart"], content_type="image/svg+xml")


@login_required
def my_credit(request: HttpRequest) -> HttpResponse:
    partner = partner_queries.partner_of(request.user)
    if partner is None:
        raise Http404("仅合作伙伴用户可使用此页面。")
    ctx = _credit_context(partner)
    ctx["title"] = _("我的信用")
    ctx["breadcrumbs"] = [(_("我的信用"), None)]
    return render(request, "compliance/credit.html", ctx)


# --- assessment and exit ------------------------------------------------------------------------


@login_required
def assessments(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW)
    form = AssessmentForm(request.POST or None, initial={"day": clock.today(), "period_kind": "month"})
    if request.method == "POST":
        _require(request, "compliance.manage_assessment")
        if form.is_valid():
            try:
                a = actions.compute_assessment(
                    actor=request.user,
                    period_kind=form.cleaned_data["period_kind"],
                    day=form.cleaned_data["day"],
                )
                messages.success(request, _("考核已计算，请核对后确认。"))
                return redirect(a.get_absolute_url())
            except DomainError as exc:
                _form_error(form, exc)
    return render(
        request,
        "compliance/assessments.html",
        {
            "form": form,
            "assessments": Assessment.objects.all()[:100],
            "title": _("考核"),
            "breadcrumbs": [(_("考核"), None)],
        },
    )


@login_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, VIEW)
    assessment = Assessment.objects.filter(pk=pk).first()
    if assessment is None:
        raise Http404
    if request.method == "POST":
        _require(request, "compliance.manage_assessment")
        try:
            actions.confirm_assessment(assessment, actor=request.user)
            messages.success(request, _("考核已确认，不合格者已扣信用分。"))
        except DomainError as exc:
            messages.error(request, exc.full_message)
        return redirect(assessment.get_absolute_url())
    from vasops.compliance import assessment as registry

    labels = registry.labels()
    cards = list(assessment.scorecards.select_related("partner"))
    return render(
        request,
        "compliance/assessment_detail.html",
        {
            "assessment": assessment,
            "labels": labels,
            "rows": [(c, [c.inputs.get(k, 0) for k in labels]) for c in cards],
            "pass_score": numbers().assessment_pass_score,
            "title": str(assessment),
            "breadcrumbs": [(_("考核"), reverse("compliance:assessments")), (str(assessment), None)],
        },
    )


@login_required
def exits(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW)
    form = ExitForm(request.POST or None)
    if request.method == "POST":
        _require(request, "compliance.manage_assessment")
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["kind"] == "product":
                    if data["product"] is None:
                        raise DomainError(
                            ComplianceError.PRODUCT_REQUIRED, _("产品退出须选择产品。"), field="product"
                        )
                    record = actions.exit_product(data["product"], actor=request.user, reason=data["reason"])
                else:
                    record = actions.exit_partner(data["partner"], actor=request.user, reason=data["reason"])
                messages.success(
                    request, _("退出已办理，结束订购关系 %(n)d 条。") % {"n": record.subscriptions_ended}
                )
                return redirect("compliance:exits")
            except DomainError as exc:
                _form_error(form, exc)
    return render(
        request,
        "compliance/exits.html",
        {
            "form": form,
            "records": ExitRecord.objects.select_related("partner", "product")[:200],
            "title": _("退出"),
            "breadcrumbs": [(_("退出"), None)],
        },
    )


# --- reports ----------------------------------------------------------------------------------------


def _report_data() -> dict[str, Any]:
    by_state = dict(
        ViolationRecord.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n")
    )
    by_grade = dict(
        ViolationRecord.objects.filter(
            state__in=[ViolationRecord.State.UPHELD, ViolationRecord.State.REDUCED]
        )
        .values_list("violation_type__grade")
        .annotate(n=Count("id"))
        .values_list("violation_type__grade", "n")
    )
    by_type = list(
        ViolationRecord.objects.exclude(
            state__in=[ViolationRecord.State.DRAFT, ViolationRecord.State.DISCARDED]
        )
        .values_list("violation_type__name")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("violation_type__name", "n")[:10]
    )
    credit = dict(
        Partner.objects.exclude(state=Partner.State.REGISTERED)
        .values_list("credit_grade")
        .annotate(n=Count("id"))
        .values_list("credit_grade", "n")
    )
    active_blocks = queries.blocks_in_force(ServiceBlock.objects.all())
    blocks = dict(active_blocks.values_list("scope").annotate(n=Count("id")).values_list("scope", "n"))
    return {
        "states": [(str(label), by_state.get(value, 0)) for value, label in ViolationRecord.State.choices],
        "grades": [(str(label), by_grade.get(value, 0)) for value, label in Grade.choices],
        "types": by_type,
        "credit": [(str(label), credit.get(value, 0)) for value, label in Partner.CreditGrade.choices],
        "blocks": [(str(label), blocks.get(value, 0)) for value, label in ServiceBlock.Scope.choices],
    }


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW)
    data = _report_data()
    return render(
        request,
        "compliance/reports.html",
        {
            **data,
            "state_chart": charts.bar_chart(data["states"], title=_("违约记录（按状态）")),
            "grade_chart": charts.bar_chart(data["grades"], title=_("成立的违约（按等级）")),
            "credit_chart": charts.bar_chart(data["credit"], title=_("信用等级分布")),
            "block_chart": charts.bar_chart(data["blocks"], title=_("生效中的业务屏蔽（按范围）")),
            "title": _("违约、屏蔽与信用报表"),
            "breadcrumbs": [(_("违约与信用报表"), None)],
        },
    )


@login_required
def reports_export(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW)
    from openpyxl import Workbook

    from vasops.core.listing import export_cell

    data = _report_data()
    wb = Workbook(write_only=True)
    for key, title, head in [
        ("states", _("违约记录按状态"), _("状态")),
        ("grades", _("成立的违约按等级"), _("等级")),
        ("types", _("违约类型前十"), _("违约类型")),
        ("credit", _("信用等级分布"), _("信用等级")),
        ("blocks", _("生效中的业务屏蔽"), _("范围")),
    ]:
        ws = wb.create_sheet(title)
        ws.append([head, _("数量")])
        for label, n in data[key]:
            ws.append([export_cell(label), n])
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="compliance-report-{clock.today():%Y%m%d}.xlsx"'
    return response
