"""Intake by an agent and the complaint page (console and portal), with its acts."""

from __future__ import annotations

from typing import Any

from django import forms as djforms
from django.apps import apps as django_apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from vasops.complaints import actions, cdrs, queries, rules
from vasops.complaints.forms import (
    AnswerForm,
    CloseForm,
    DispatchForm,
    IntakeForm,
    RefundForm,
    ReopenForm,
    ViolationForm,
)
from vasops.complaints.models import Complaint, Refund
from vasops.complaints.permissions import HANDLE, REFUND
from vasops.core import clock, roles
from vasops.core.errors import DomainError
from vasops.core.permissions import has
from vasops.partners.queries import partner_of
from vasops.vac.actions import normalise_msisdn as vac_normalise
from vasops.vac.errors import VacRefused
from vasops.workorders import queries as wo_queries


def _products_for(msisdn: str) -> list[Any]:
    try:
        return cdrs.products_of(vac_normalise(msisdn))
    except VacRefused:
        return []


@login_required
def new(request: HttpRequest) -> HttpResponse:
    """An agent records a complaint: enter the number, pick the product from the user's VAC
    relations and CDRs, the category and the description."""
    if not has(request.user, HANDLE):
        raise Http404
    msisdn = (request.POST.get("msisdn") or request.GET.get("msisdn") or "").strip()
    products = _products_for(msisdn) if msisdn else []
    looking_up = request.method == "POST" and request.POST.get("op") == "lookup"
    form = IntakeForm(
        request.POST if request.method == "POST" and not looking_up else None,
        products=products,
        initial={
            "msisdn": msisdn,
            **(
                {k: request.POST.get(k, "") for k in ("category", "description", "contact")}
                if looking_up
                else {}
            ),
        },
    )
    if request.method == "POST" and not looking_up and form.is_valid():
        d = form.cleaned_data
        try:
            complaint, _created = actions.receive_complaint(
                actor=request.user,
                source=Complaint.Source.CONSOLE,
                msisdn=d["msisdn"],
                category=d["category"],
                description=d["description"],
                product=d.get("product"),
                contact=d.get("contact", ""),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.full_message)
        else:
            messages.success(request, f"已受理投诉 {complaint.number}，您是首问负责人。")
            return redirect(complaint)
    return render(
        request,
        "complaints/new.html",
        {
            "form": form,
            "msisdn": msisdn,
            "products": products,
            "looked_up": bool(msisdn),
            "title": gettext("受理投诉"),
            "breadcrumbs": [(gettext("客户投诉"), reverse("complaints:list")), (gettext("受理投诉"), None)],
        },
    )


OP_LABELS = {
    "claim": gettext_lazy("领取（成为首问负责人）"),
    "dispatch": gettext_lazy("派单给合作伙伴"),
    "answer": gettext_lazy("提交答复"),
    "close": gettext_lazy("回复用户并办结"),
    "reopen": gettext_lazy("用户再次投诉（重开）"),
    "refund": gettext_lazy("退费"),
    "violation": gettext_lazy("发起违约处理"),
}


def allowed_ops(user: Any, c: Complaint) -> list[str]:
    partner = partner_of(user)
    if partner is not None:
        return ["answer"] if c.state == rules.DISPATCHED and c.partner_id == partner.pk else []
    if not has(user, HANDLE):
        return []
    owner_ok = c.owner_id in (None, user.pk) or roles.has_role(user, roles.DEPARTMENT_HEAD)
    ops = []
    if c.is_open and c.owner_id is None:
        ops.append("claim")
    if owner_ok and c.state in (rules.RECEIVED, rules.ANSWERED):
        ops.append("dispatch")
    if owner_ok and c.is_open:
        ops.append("close")
    if c.state == rules.CLOSED:
        ops.append("reopen")
    if has(user, REFUND) and c.product_id and not Refund.objects.filter(complaint=c).exists():
        ops.append("refund")
    if c.partner_id and not c.violation_ref and django_apps.is_installed("vasops.compliance"):
        ops.append("violation")
    return ops


def _form(op: str, c: Complaint, data: Any = None) -> djforms.Form | None:
    if op == "dispatch":
        return DispatchForm(data, products=None if c.product_id else _products_for(c.msisdn), prefix=op)
    if op == "answer":
        return AnswerForm(data, prefix=op)
    if op == "close":
        return CloseForm(data, prefix=op, initial={"reply": c.partner_answer})
    if op == "reopen":
        return ReopenForm(data, prefix=op)
    if op == "refund":
        today = clock.today()
        return RefundForm(
            data, prefix=op, initial={"period_start": today.replace(day=1), "period_end": today}
        )
    if op == "violation":
        return ViolationForm(
            data,
            prefix=op,
            initial={
                "violation_code": "unauthorised_order" if c.category == rules.UNAUTHORISED_ORDER else ""
            },
        )
    return None


def _run(op: str, c: Complaint, user: Any, d: dict[str, Any]) -> str:
    if op == "claim":
        actions.claim_complaint(c, actor=user)
        return "您已成为该投诉的首问负责人。"
    if op == "dispatch":
        c = actions.dispatch_complaint(c, actor=user, product=d.get("product"), note=d.get("note", ""))
        return f"已派单给 {c.partner}（工单 {c.work_order.number if c.work_order else ''}）。"
    if op == "answer":
        actions.answer_complaint(c, actor=user, answer=d["partner_answer"])
        return "已提交答复，客服将回复用户。"
    if op == "close":
        actions.close_complaint(c, actor=user, reply=d["reply"], verdict=d.get("verdict", ""))
        return "已回复用户并办结。"
    if op == "reopen":
        actions.reopen_complaint(c, actor=user, reason=d["reason"])
        return "已重开，计为重复投诉。"
    if op == "refund":
        r = actions.refund_complaint(
            c,
            actor=user,
            period_start=d["period_start"],
            period_end=d["period_end"],
            upheld=bool(d.get("upheld")),
            amount_fen=d.get("amount_fen"),
            unsubscribe=bool(d.get("unsubscribe")),
            reason=d.get("reason", ""),
        )
        return f"已退费 {r.amount_fen / 100:.2f} 元，已计入合作伙伴 {r.refunded_on:%Y-%m} 结算扣款。"
    if op == "violation":
        actions.open_violation(c, actor=user, violation_code=d["violation_code"], summary=d["summary"])
        return "已发起违约处理（草稿），请在违约管理中审核。"
    raise Http404


def _violation_of(c: Complaint) -> Any:
    """The violation record opened from the complaint (compliance), if any."""
    if not c.violation_ref or not django_apps.is_installed("vasops.compliance"):
        return None
    from vasops.compliance.models import ViolationRecord

    pk = c.violation_ref.rsplit(":", 1)[-1]
    return ViolationRecord.objects.filter(pk=int(pk)).first() if pk.isdigit() else None


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    c = queries.get_visible(user, pk)
    if c is None:
        raise Http404
    ops = allowed_ops(user, c)
    bound: dict[str, Any] = {}
    if request.method == "POST":
        op = request.POST.get("op", "")
        if op not in ops:
            messages.error(request, gettext("此刻不能执行该操作。"))
            return redirect(c)
        form = _form(op, c, request.POST)
        if form is None or form.is_valid():
            try:
                text = _run(op, c, user, form.cleaned_data if form is not None else {})
            except DomainError as exc:
                if form is not None:
                    form.add_error(exc.field if exc.field in form.fields else None, exc.full_message)
                    bound[op] = form
                messages.error(request, exc.full_message)
            else:
                messages.success(request, text)
                return redirect(c)
        else:
            bound[op] = form
        c.refresh_from_db()
        ops = allowed_ops(user, c)
    partner_side = partner_of(user) is not None
    quote = None
    if "refund" in ops:
        today = clock.today()
        quote = actions.quote(c, period_start=today.replace(day=1), period_end=today, upheld=False)
    refund = Refund.objects.filter(complaint=c).select_related("adjustment").first()
    violation = _violation_of(c) if not partner_side else None
    back = ("客户投诉", reverse("complaints:portal_list" if partner_side else "complaints:list"))
    ctx = {
        "c": c,
        "title": gettext("投诉 %(number)s") % {"number": c.number},
        "breadcrumbs": [back, (c.number, None)],
        "sla": queries.sla_of(c),
        "ops": [{"op": op, "label": OP_LABELS[op], "form": bound.get(op) or _form(op, c)} for op in ops],
        "partner_side": partner_side,
        "msisdn": rules.mask_msisdn(c.msisdn) if partner_side else c.msisdn,
        "refund": refund,
        "violation": violation,
        "quote": quote,
        "work_order_open": c.work_order is not None and wo_queries.may_open(user, c.work_order),
    }
    return render(request, "complaints/detail.html", ctx)
