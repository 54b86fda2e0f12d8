"""Pages of basic-info change requests 基本信息变更 (附件6): the partner's list/new/detail in
the portal and the staff review queue with approve / second-approve / return / reject."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext, gettext_lazy

from vasops.core import ui
from vasops.core.errors import DomainError
from vasops.core.listing import Column, Filter, ListConfig, ObjectListView
from vasops.partners import actions, change_queries, queries
from vasops.partners.change_forms import FORMS, ReviewForm
from vasops.partners.models import ChangeKind, Contact, PartnerChangeRequest

ui.register_states(
    {
        "submitted": "waiting",
        "approved": "action",
        "second_approved": "waiting",
        "applied": "done",
        "returned": "action",
        "rejected": "refused",
    }
)

FIELD_LABELS = {
    "role": gettext_lazy("联系人类型"),
    "name": gettext_lazy("名称/姓名"),
    "phone": gettext_lazy("电话"),
    "email": gettext_lazy("邮箱"),
    "cs_hotline": gettext_lazy("客服热线"),
    "bank_name": gettext_lazy("开户行"),
    "account_name": gettext_lazy("户名"),
    "account_number": gettext_lazy("账号"),
    "effective_from": gettext_lazy("生效日期"),
    "legal_representative": gettext_lazy("法定代表人"),
    "address": gettext_lazy("地址"),
}
ROLE_LABELS = {str(v): label for v, label in Contact.Role.choices}  # lazy labels


def _choices(enum: Any) -> list[tuple[str, Any]]:
    # labels stay lazy: a filter's options are read in the language of each request
    return [(str(v), label) for v, label in enum.choices]


COLUMNS = [
    Column("number", gettext_lazy("申请编号"), link=True, sort="number"),
    Column("partner", gettext_lazy("合作伙伴"), sort="partner__name"),
    Column("kind", gettext_lazy("变更类型"), sort="kind"),
    Column("state", gettext_lazy("状态"), sort="state", badge=True),
    Column("submitted_by", gettext_lazy("申请人")),
    Column("first_approver", gettext_lazy("初审人")),
    Column("second_approver", gettext_lazy("复核人")),
    Column("effective_from", gettext_lazy("生效日期"), sort="effective_from"),
    Column("created_at", gettext_lazy("提交时间"), sort="created_at"),
]
FILTERS = [
    Filter("kind", gettext_lazy("变更类型"), _choices(ChangeKind)),
    Filter("state", gettext_lazy("状态"), _choices(PartnerChangeRequest.State)),
]


@method_decorator(login_required, name="dispatch")
class ChangeQueueView(ObjectListView):
    """Console review queue."""

    title = gettext_lazy("基本信息变更审核")
    export_name = "partner-changes"
    empty_text = gettext_lazy("没有变更申请。合作伙伴在门户“变更申请”中提交后会出现在这里。")
    config = ListConfig(
        columns=COLUMNS,
        filters=FILTERS,
        search_fields=["number", "partner__name"],
        default_sort="-created_at",
    )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not request.user.has_perm(change_queries.VIEW_PERM):
            raise DjangoPermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[PartnerChangeRequest]:
        return change_queries.visible_change_requests(self.request.user)


@method_decorator(login_required, name="dispatch")
class MyChangeListView(ObjectListView):
    """Portal: the partner's own change requests."""

    title = gettext_lazy("变更申请")
    export_name = "my-changes"
    empty_text = gettext_lazy(
        "还没有变更申请。已准入的企业变更联系人、客服热线、银行账户或企业名称/地址，须在此提交申请。"
    )
    config = ListConfig(
        columns=[c for c in COLUMNS if c.name != "partner"],
        filters=FILTERS,
        search_fields=["number"],
        default_sort="-created_at",
    )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            if queries.partner_of(request.user) is None:
                raise Http404("您的账号未绑定合作伙伴。")
            membership = request.user.partner_membership  # type: ignore[union-attr]
            if membership.is_admin:
                self.create_url = ("提交变更申请", reverse("partners:change_new"))
                self.empty_action = self.create_url
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[PartnerChangeRequest]:
        partner = queries.partner_of(self.request.user)
        return change_queries.visible_change_requests(self.request.user).filter(partner=partner)


def _initial(partner: Any, kind: str, request: HttpRequest) -> dict[str, Any]:
    if kind == ChangeKind.CS_HOTLINE:
        return {"cs_hotline": partner.cs_hotline}
    if kind == ChangeKind.COMPANY:
        return {
            "name": partner.name,
            "legal_representative": partner.legal_representative,
            "address": partner.address,
        }
    if kind == ChangeKind.BANK_ACCOUNT:
        return {"account_name": partner.name}
    role = request.GET.get("role", "")
    contact = partner.contacts.filter(role=role).first() if role else None
    if contact is not None:
        return {"role": role, "name": contact.name, "phone": contact.phone, "email": contact.email}
    return {"role": role}


@login_required
def change_new(request: HttpRequest) -> HttpResponse:
    partner = queries.partner_of(request.user)
    if partner is None:
        raise Http404("您的账号未绑定合作伙伴。")
    if not queries.is_partner_admin(request.user, partner):
        raise DjangoPermissionDenied
    kind = request.POST.get("kind") or request.GET.get("kind", "")
    crumbs = [("我的企业", reverse("partners:me")), ("变更申请", reverse("partners:change_list"))]
    if kind not in FORMS:
        return render(
            request,
            "partners/change/choose.html",
            {
                "title": gettext("提交变更申请"),
                "breadcrumbs": [*crumbs, (gettext("提交"), None)],
                "kinds": _choices(ChangeKind),
            },
        )
    form_class = FORMS[kind]
    form: django_forms.Form = form_class(
        request.POST or None, request.FILES or None, initial=_initial(partner, kind, request)
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        scan = data.pop("licence_scan", None)
        note = data.pop("note", "")
        try:
            cr = actions.submit_change_request(
                partner, actor=request.user, kind=kind, values=data, licence_scan=scan, note=note
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.full_message)
        else:
            messages.success(
                request, gettext("变更申请 %(number)s 已提交，审核通过后生效。") % {"number": cr.number}
            )
            return redirect(cr.get_absolute_url())
    title = gettext("变更申请：%(kind)s") % {"kind": ChangeKind(kind).label}
    return render(
        request,
        "partners/change/form.html",
        {
            "title": title,
            "breadcrumbs": [*crumbs, (title, None)],
            "form": form,
            "kind": kind,
            "bank_note": kind == ChangeKind.BANK_ACCOUNT,
        },
        status=400 if form.errors else 200,
    )


def _rows(cr: PartnerChangeRequest) -> list[tuple[str, Any, Any, bool]]:
    keys = list(cr.proposed.keys())
    rows = []
    for k in keys:
        before, after = cr.current.get(k, ""), cr.proposed.get(k, "")
        if k == "role":
            before, after = ROLE_LABELS.get(str(before), before), ROLE_LABELS.get(str(after), after)
        rows.append((FIELD_LABELS.get(k, k), before, after, before != after))
    return rows


OPS = {
    "approve": lambda cr, user, reason: actions.approve_change_request(cr, actor=user, comment=reason),
    "second-approve": lambda cr, user, reason: actions.second_approve_change_request(
        cr, actor=user, comment=reason
    ),
    "return": lambda cr, user, reason: actions.return_change_request(cr, actor=user, reason=reason),
    "reject": lambda cr, user, reason: actions.reject_change_request(cr, actor=user, reason=reason),
}


@login_required
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cr = change_queries.visible_change_requests(request.user).filter(pk=pk).first()
    if cr is None:
        raise Http404
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        op = request.POST.get("op", "")
        if op not in OPS:
            raise Http404
        if not request.user.has_perm(change_queries.REVIEW_PERM):
            raise DjangoPermissionDenied
        if form.is_valid():
            try:
                OPS[op](cr, request.user, form.cleaned_data["reason"])
            except DomainError as exc:
                form.add_error("reason" if exc.field == "reason" else None, exc.full_message)
            else:
                messages.success(request, gettext("已处理。"))
                return redirect(cr.get_absolute_url())
    partner_side = queries.partner_of(request.user) is not None
    crumbs: list[tuple[str, str | None]] = (
        [("变更申请", reverse("partners:change_list")), (cr.number, None)]
        if partner_side
        else [("变更审核", reverse("partners:change_queue")), (cr.number, None)]
    )
    return render(
        request,
        "partners/change/detail.html",
        {
            "title": gettext("变更申请 %(number)s") % {"number": cr.number},
            "breadcrumbs": crumbs,
            "cr": cr,
            "rows": _rows(cr),
            "ops": change_queries.available_ops(request.user, cr),
            "form": form,
            "partner_side": partner_side,
            "waiting_second": cr.state == PartnerChangeRequest.State.APPROVED and cr.needs_second_approval,
        },
        status=400 if form.errors else 200,
    )
