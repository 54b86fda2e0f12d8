"""Complaint lists: the console queue, the partner's complaints to answer, refunds. Every list
exports (CSV/Excel) through core.listing."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext, gettext_lazy

from vasops.complaints import queries
from vasops.complaints.models import Complaint, Refund
from vasops.complaints.permissions import HANDLE, VIEW
from vasops.core.listing import Column, Filter, ListConfig, ObjectListView
from vasops.core.permissions import has
from vasops.partners.queries import partner_of

TABS = [
    ("mine", gettext_lazy("我负责的")),
    ("unowned", gettext_lazy("待受理")),
    ("overdue", gettext_lazy("超时")),
    ("all", gettext_lazy("全部")),
]


def _masked(c: Complaint) -> str:
    return f"{c.msisdn[:3]}****{c.msisdn[-4:]}" if len(c.msisdn) == 11 else c.msisdn


COLUMNS = [
    Column("number", gettext_lazy("投诉单号"), link=True, sort="number"),
    Column("msisdn", gettext_lazy("手机号码"), sort="msisdn"),
    Column("category", gettext_lazy("投诉类别"), sort="category"),
    Column("product", gettext_lazy("产品")),
    Column("partner", gettext_lazy("合作伙伴"), sort="partner__name"),
    Column("state", gettext_lazy("状态"), sort="state", badge=True),
    Column("source", gettext_lazy("受理渠道"), sort="source"),
    Column("owner", gettext_lazy("首问负责人")),
    Column("answer_due_at", gettext_lazy("答复时限"), sort="answer_due_at"),
    Column("close_due_at", gettext_lazy("办结时限"), sort="close_due_at"),
    Column("reopen_count", gettext_lazy("重复投诉"), sort="reopen_count"),
    Column("created_at", gettext_lazy("受理时间"), sort="created_at"),
]
FILTERS = [
    Filter("state", gettext_lazy("状态"), Complaint.State.choices),
    Filter("category", gettext_lazy("投诉类别"), Complaint.Category.choices),
    Filter("source", gettext_lazy("受理渠道"), Complaint.Source.choices),
    Filter("verdict", gettext_lazy("认定"), Complaint.Verdict.choices),
]


@method_decorator(login_required, name="dispatch")
class ComplaintListView(ObjectListView):
    """Console: tabs mine (首问负责) / waiting to be taken / overdue / all."""

    template_name = "complaints/list.html"
    title = gettext_lazy("客户投诉")
    export_name = "complaints"
    config = ListConfig(
        columns=COLUMNS,
        filters=FILTERS,
        search_fields=["number", "msisdn", "external_id", "partner__name", "product__name"],
        default_sort="-created_at",
    )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and partner_of(request.user) is not None:
            return redirect("complaints:portal_list")
        if request.user.is_authenticated and not has(request.user, VIEW):
            raise DjangoPermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @property
    def tab(self) -> str:
        tab = self.request.GET.get("tab", "")
        if tab in dict(TABS):
            return tab
        return "mine" if has(self.request.user, HANDLE) else "all"

    def get_base_queryset(self) -> QuerySet[Complaint]:
        qs = queries.visible_to(self.request.user)
        if self.tab == "mine":
            return qs.filter(owner_id=self.request.user.pk, state__in=queries.rules.OPEN_STATES)
        if self.tab == "unowned":
            return qs.filter(owner__isnull=True, state__in=queries.rules.OPEN_STATES)
        if self.tab == "overdue":
            return qs.filter(queries.overdue_q())
        return qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        if has(self.request.user, HANDLE):
            self.create_url = ("受理投诉", reverse("complaints:new"))
        self.empty_text = {
            "mine": gettext("您没有负责中的投诉。可以在“待受理”里领取客服系统或用户在线提交的投诉。"),
            "unowned": gettext("没有待受理的投诉。"),
            "overdue": gettext("没有超时的投诉。"),
            "all": gettext("还没有投诉。"),
        }[self.tab]
        ctx = super().get_context_data(**kwargs)
        ctx["tabs"] = [{"key": k, "label": label, "active": k == self.tab} for k, label in TABS]
        ctx["breadcrumbs"] = [("客户投诉", None)]
        return ctx


@method_decorator(login_required, name="dispatch")
class PortalComplaintListView(ObjectListView):
    """Partner portal: the complaints dispatched to the partner (to answer first)."""

    title = gettext_lazy("客户投诉")
    export_name = "complaints"
    empty_text = gettext_lazy("没有派给贵公司的客户投诉。")
    config = ListConfig(
        columns=[
            Column("number", gettext_lazy("投诉单号"), link=True, sort="number"),
            Column("msisdn", gettext_lazy("手机号码"), accessor=_masked),
            Column("category", gettext_lazy("投诉类别"), sort="category"),
            Column("product", gettext_lazy("产品")),
            Column("state", gettext_lazy("状态"), sort="state", badge=True),
            Column("answer_due_at", gettext_lazy("答复时限"), sort="answer_due_at"),
            Column("reopen_count", gettext_lazy("重复投诉"), sort="reopen_count"),
            Column("dispatched_at", gettext_lazy("派单时间"), sort="dispatched_at"),
        ],
        filters=[f for f in FILTERS if f.name != "source"],
        search_fields=["number", "product__name"],
        default_sort="answer_due_at",
    )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and partner_of(request.user) is None:
            return redirect("complaints:list")
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[Complaint]:
        return queries.visible_to(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["breadcrumbs"] = [("客户投诉", None)]
        return ctx


def _yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


@method_decorator(login_required, name="dispatch")
class RefundListView(ObjectListView):
    permission = VIEW
    partner_rows = True
    """Refunds and their charge-back (console: all; portal: the partner's own)."""

    title = gettext_lazy("投诉退费")
    export_name = "complaint-refunds"
    empty_text = gettext_lazy("还没有投诉退费。")
    config = ListConfig(
        columns=[
            Column("complaint", gettext_lazy("投诉单号"), link=True, accessor=lambda r: r.complaint.number),
            Column(
                "msisdn", gettext_lazy("手机号码"), accessor=lambda r: f"{r.msisdn[:3]}****{r.msisdn[-4:]}"
            ),
            Column("partner", gettext_lazy("合作伙伴"), sort="partner__name"),
            Column("product", gettext_lazy("产品")),
            Column(
                "period",
                gettext_lazy("争议期间"),
                accessor=lambda r: (
                    gettext("%(start)s 至 %(end)s")
                    % {"start": f"{r.period_start:%Y-%m-%d}", "end": f"{r.period_end:%Y-%m-%d}"}
                ),
            ),
            Column("charged", gettext_lazy("期间扣费（元）"), accessor=lambda r: _yuan(r.charged_fen)),
            Column("ratio", gettext_lazy("倍数"), accessor=lambda r: f"×{r.ratio_bp / 10000:g}"),
            Column(
                "amount",
                gettext_lazy("退费（元）"),
                accessor=lambda r: _yuan(r.amount_fen),
                sort="amount_fen",
            ),
            Column(
                "month",
                gettext_lazy("扣款结算月"),
                accessor=lambda r: f"{r.adjustment.month:%Y-%m}" if r.adjustment else "",
            ),
            Column(
                "unsubscribed",
                gettext_lazy("已退订"),
                accessor=lambda r: gettext("是") if r.unsubscribed else gettext("否"),
            ),
            Column("refunded_on", gettext_lazy("退费日期"), sort="refunded_on"),
        ],
        filters=[],
        search_fields=["complaint__number", "partner__name", "product__name"],
        default_sort="-refunded_on",
    )

    def get_base_queryset(self) -> QuerySet[Refund]:
        return queries.refunds_visible_to(self.request.user)

    def detail_url(self, obj: Any) -> str | None:
        return str(obj.complaint.get_absolute_url())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["breadcrumbs"] = [("客户投诉", reverse("complaints:list")), ("投诉退费", None)]
        return ctx
