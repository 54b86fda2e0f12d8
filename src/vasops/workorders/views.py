"""Work-order pages: console work queue, detail with actions, create form, portal list."""

from __future__ import annotations

from typing import Any

from django import forms as djforms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext, gettext_lazy

from vasops.core import roles
from vasops.core.errors import DomainError
from vasops.core.listing import Column, Filter, ListConfig, ObjectListView
from vasops.core.permissions import has
from vasops.partners.queries import partner_of
from vasops.workorders import actions, queries, rules
from vasops.workorders.forms import AssignForm, CommentForm, NoteForm, ReasonForm, ResultForm, WorkOrderForm
from vasops.workorders.models import WorkOrder
from vasops.workorders.permissions import MANAGE

TABS = [
    ("mine", gettext_lazy("我的")),
    ("group", gettext_lazy("我的组")),
    ("overdue", gettext_lazy("超期")),
    ("all", gettext_lazy("全部")),
]


def _sla_text(wo: WorkOrder) -> str:
    sla = queries.sla_of(wo)
    return sla["text"] if sla else ""


COLUMNS = [
    Column("number", gettext_lazy("工单号"), link=True, sort="number"),
    Column("type", gettext_lazy("类型"), sort="type"),
    Column("priority", gettext_lazy("优先级"), sort="priority"),
    Column("title", gettext_lazy("标题")),
    Column("partner", gettext_lazy("合作伙伴"), sort="partner__name"),
    Column("system", gettext_lazy("系统"), sort="system"),
    Column("state", gettext_lazy("状态"), sort="state"),
    Column(
        "stage",
        gettext_lazy("当前环节"),
        accessor=lambda wo: wo.current_stage.label if wo.current_stage else "",
    ),
    Column("assignee", gettext_lazy("处理人")),
    Column("due_at", gettext_lazy("时限"), sort="due_at"),
    Column("sla", gettext_lazy("剩余"), accessor=_sla_text),
    Column("created_at", gettext_lazy("创建时间"), sort="created_at"),
]
FILTERS = [
    Filter("type", gettext_lazy("类型"), rules.TYPES),
    Filter("priority", gettext_lazy("优先级"), rules.PRIORITIES),
    Filter("state", gettext_lazy("状态"), rules.STATES),
    Filter("system", gettext_lazy("系统"), rules.VAS_SYSTEMS),
    Filter(
        "overdue", gettext_lazy("超期"), [("yes", gettext_lazy("已超期")), ("no", gettext_lazy("未超期"))]
    ),
]


class _WorkOrderList(ObjectListView):
    export_name = "workorders"

    def get_queryset(self) -> QuerySet[Any]:
        params = self.request.GET.copy()
        overdue = params.pop("overdue", [""])[-1]
        original = self.request.GET
        self.request.GET = params  # type: ignore[assignment]
        try:
            qs = super().get_queryset()
        finally:
            self.request.GET = original  # type: ignore[assignment]
        if overdue == "yes":
            qs = qs.filter(queries.overdue_q())
        elif overdue == "no":
            qs = qs.exclude(queries.overdue_q())
        return qs


@method_decorator(login_required, name="dispatch")
class QueueView(_WorkOrderList):
    """Console work queue: tabs mine / my group / overdue / all."""

    template_name = "workorders/queue.html"
    title = gettext_lazy("工单")
    config = ListConfig(
        columns=COLUMNS,
        filters=FILTERS,
        search_fields=["number", "title", "partner__name"],
        default_sort="due_at",
    )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and partner_of(request.user) is not None:
            return redirect("workorders:mine")
        if request.user.is_authenticated and not roles.is_staff_member(request.user):
            raise DjangoPermissionDenied  # an expert (or a user without a role) has no work queue
        return super().dispatch(request, *args, **kwargs)

    @property
    def tab(self) -> str:
        tab = self.request.GET.get("tab", "")
        if tab in dict(TABS):
            return tab
        return "mine" if queries.can_handle(self.request.user) else "all"

    def get_base_queryset(self) -> QuerySet[WorkOrder]:
        return queries.queue(self.request.user, self.tab)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        self.create_url = (
            (gettext("发起工单"), reverse("workorders:new")) if has(self.request.user, MANAGE) else None
        )
        self.empty_text = {
            "mine": gettext("没有指派给您的待办工单。可以在“我的组”里领取。"),
            "group": gettext("您所在的组没有待处理的工单。"),
            "overdue": gettext("没有超期工单。"),
            "all": gettext("还没有工单。"),
        }[self.tab]
        ctx = super().get_context_data(**kwargs)
        ctx["tabs"] = [{"key": k, "label": label, "active": k == self.tab} for k, label in TABS]
        ctx["breadcrumbs"] = [("工单", None)]
        return ctx


@method_decorator(login_required, name="dispatch")
class PortalListView(_WorkOrderList):
    """Partner portal: only the partner's own work orders."""

    title = gettext_lazy("我的工单")
    empty_text = gettext_lazy("还没有工单。需要应用软件升级、运维数据查询或投诉时，点“发起工单”。")
    config = ListConfig(
        columns=[c for c in COLUMNS if c.name not in ("partner", "assignee")],
        filters=[f for f in FILTERS if f.name != "overdue"],
        search_fields=["number", "title"],
        default_sort="-created_at",
    )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and partner_of(request.user) is None:
            return redirect("workorders:queue")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        url = reverse("workorders:new")
        self.create_url = ("发起工单", url)
        self.empty_action = ("发起工单", url)
        ctx = super().get_context_data(**kwargs)
        ctx["breadcrumbs"] = [("我的工单", None)]
        return ctx

    def get_base_queryset(self) -> QuerySet[WorkOrder]:
        return queries.visible_to(self.request.user)


@login_required
def new(request: HttpRequest) -> HttpResponse:
    user = request.user
    partner_side = partner_of(user) is not None
    if not partner_side and not has(user, MANAGE):
        raise Http404
    form = WorkOrderForm(request.POST or None, partner_side=partner_side)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            wo = actions.open_work_order(
                actor=user,
                type=data["type"],
                title=data["title"],
                description=data.get("description", ""),
                partner=data.get("partner"),
                system=data.get("system", ""),
                assignee=data.get("assignee"),
                priority=data["priority"],
                needs_network_company=data.get("needs_network_company", False),
                head_approver=data.get("head_approver", ""),
                head_approved_on=data.get("head_approved_on"),
                plan={key: data.get(key) for key, _label in rules.PLAN_FIELDS},
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.full_message)
        else:
            messages.success(request, gettext("已发起工单 %(number)s。") % {"number": wo.number})
            return redirect(wo)
    back = ("我的工单", reverse("workorders:mine")) if partner_side else ("工单", reverse("workorders:queue"))
    return render(
        request,
        "workorders/form.html",
        {"form": form, "title": gettext("发起工单"), "breadcrumbs": [back, (gettext("发起工单"), None)]},
    )


OP_FORMS: dict[str, type[djforms.Form]] = {
    "start": NoteForm,
    "advance": NoteForm,
    "resolve": ResultForm,
    "close": ResultForm,
    "reopen": ReasonForm,
    "assign": AssignForm,
    "comment": CommentForm,
}
OP_LABELS = {
    "start": gettext_lazy("开始处理"),
    "advance": gettext_lazy("完成本环节"),
    "resolve": gettext_lazy("解决"),
    "close": gettext_lazy("关闭"),
    "reopen": gettext_lazy("重开"),
    "assign": gettext_lazy("指派"),
    "comment": gettext_lazy("留言"),
}
OP_DONE = {
    "start": gettext_lazy("已开始处理。"),
    "advance": gettext_lazy("已完成本环节。"),
    "resolve": gettext_lazy("已解决。"),
    "close": gettext_lazy("已关闭。"),
    "reopen": gettext_lazy("已重开。"),
    "assign": gettext_lazy("已指派。"),
    "comment": gettext_lazy("已留言。"),
}


def _run(op: str, wo: WorkOrder, user: Any, data: dict[str, Any]) -> None:
    if op == "start":
        actions.start(wo, actor=user)
    elif op == "advance":
        actions.advance_stage(wo, actor=user, note=data.get("note", ""))
    elif op == "resolve":
        actions.resolve(wo, actor=user, result=data.get("result", ""))
    elif op == "close":
        actions.close(wo, actor=user, result=data.get("result", ""))
    elif op == "reopen":
        actions.reopen(wo, actor=user, reason=data.get("reason", ""))
    elif op == "assign":
        actions.assign(wo, actor=user, assignee=data["assignee"], note=data.get("note", ""))
    elif op == "comment":
        actions.comment(wo, actor=user, text=data["text"], upload=data.get("upload"))


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    wo = queries.get_visible(user, pk)
    if wo is None:
        raise Http404
    ops = queries.allowed_ops(user, wo)
    bound: dict[str, djforms.Form] = {}
    if request.method == "POST":
        op = request.POST.get("op", "")
        if op not in OP_FORMS:
            messages.error(request, gettext("未知的操作。"))
            return redirect(wo)
        form = OP_FORMS[op](request.POST, request.FILES, prefix=op)
        bound[op] = form
        if form.is_valid():
            try:
                _run(op, wo, user, form.cleaned_data)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.full_message)
                messages.error(request, exc.full_message)
            else:
                messages.success(request, OP_DONE[op])
                return redirect(wo)
        wo.refresh_from_db()
        ops = queries.allowed_ops(user, wo)
    forms = {op: bound.get(op) or OP_FORMS[op](prefix=op) for op in ops}
    partner_side = partner_of(user) is not None
    back = ("我的工单", reverse("workorders:mine")) if partner_side else ("工单", reverse("workorders:queue"))
    ctx = {
        "wo": wo,
        "title": f"{wo.number} {wo.title}",
        "breadcrumbs": [back, (wo.number, None)],
        "stage_rows": queries.stage_rows(wo),
        "plan": wo.plan,
        "sla": queries.sla_of(wo),
        "ops": [{"op": op, "label": OP_LABELS[op], "form": forms[op]} for op in ops if op != "comment"],
        "comment_form": forms.get("comment"),
        "comments": wo.comments.select_related("author").prefetch_related("attachments__document"),
        "attachments": queries.attachments_of(wo),
        "partner_side": partner_side,
    }
    return render(request, "workorders/detail.html", ctx)
