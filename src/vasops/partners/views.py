"""Pages of the partner registry: public registration, the partner's own company pages
(portal) and the staff console (list, detail with tabs, suspend/resume, restrictions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext, gettext_lazy

from vasops.core import clock
from vasops.core.errors import DomainError
from vasops.core.listing import Column, Filter, ListConfig, ObjectListView, StrOrPromise
from vasops.core.ui import FAMILY_CLASS
from vasops.partners import actions, queries, rules
from vasops.partners.forms import (
    AddUserForm,
    BankAccountForm,
    ContactForm,
    HotlineForm,
    ProfileForm,
    QualificationForm,
    ReasonForm,
    RegistrationForm,
    RestrictionForm,
)
from vasops.partners.models import (
    Contact,
    Locality,
    Partner,
    PartnerKind,
    Qualification,
    Restriction,
    RestrictionKind,
)

SAVE = gettext_lazy("保存")  # the default button of the forms of this module


def _apply(form: django_forms.Form, fn: Callable[[], Any], request: HttpRequest) -> Any:
    """Run an action; a refusal goes next to its field (or on top of the form). None = refused."""
    try:
        return fn()
    except DomainError as exc:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.full_message)
        return None


def _form_page(
    request: HttpRequest,
    form: django_forms.Form,
    *,
    title: str,
    breadcrumbs: list[tuple[str, str | None]],
    submit: StrOrPromise = SAVE,
    cancel: str | None = None,
    intro: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "partners/form.html",
        {
            "form": form,
            "title": title,
            "breadcrumbs": breadcrumbs,
            "submit": submit,
            "cancel": cancel,
            "intro": intro,
            "multipart": any(isinstance(f, django_forms.FileField) for f in form.fields.values()),
        },
        status=status,
    )


# --- public registration -------------------------------------------------------------------


def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        partner = _apply(
            form,
            lambda: actions.register_partner(
                name=d["name"],
                kind=d["kind"],
                locality=d["locality"],
                credit_code=d["credit_code"],
                legal_representative=d["legal_representative"],
                address=d["address"],
                cs_hotline=d["cs_hotline"],
                username=d["username"],
                password=d["password"],
                display_name=d["display_name"],
                email=d["email"],
                phone=d["phone"],
            ),
            request,
        )
        if partner is not None:
            user = queries.partner_users(partner).first()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                gettext("注册成功：%(name)s。请完善联系人、银行账户并上传资质证书。")
                % {"name": partner.name},
            )
            return redirect("home")
    return render(
        request,
        "partners/register.html",
        {"form": form, "title": gettext("合作伙伴注册")},
        status=400 if form.errors else 200,
    )


# --- the partner's own company -------------------------------------------------------------


def _my_partner(request: HttpRequest) -> Partner:
    partner = queries.partner_of(request.user)
    if partner is None:
        raise Http404("您的账号未绑定合作伙伴。")
    return partner


ME = ("我的企业", "/partners/me/")


def _css(family: str) -> str:
    return FAMILY_CLASS.get(family, "text-bg-secondary")


def _contact_rows(partner: Partner) -> list[tuple[str, str, Contact | None]]:
    by_role = {c.role: c for c in partner.contacts.all()}
    return [(str(role), str(label), by_role.get(str(role))) for role, label in Contact.Role.choices]


@login_required
def me(request: HttpRequest) -> HttpResponse:
    partner = _my_partner(request)
    today = clock.today()
    checklist = queries.qualification_checklist(partner, today)
    # Once admitted, edits go through a reviewed change request: the links say so and lead there
    # (the direct forms would only refuse on submit).
    via_change = rules.change_request_required(partner.state)
    change_url = reverse("partners:change_new")
    ctx = {
        "title": gettext("我的企业"),
        "breadcrumbs": [(gettext("我的企业"), None)],
        "partner": partner,
        "via_change": via_change,
        "edit": {
            kind: f"{change_url}?kind={kind}" if via_change else reverse(name)
            for kind, name in (
                ("company", "partners:me_profile"),
                ("cs_hotline", "partners:me_hotline"),
                ("bank_account", "partners:me_bank"),
            )
        },
        "contacts_change_url": f"{change_url}?kind=contacts" if via_change else "",
        "is_admin": queries.is_partner_admin(request.user, partner),
        "contact_rows": _contact_rows(partner),
        "bank": partner.bank_accounts.filter(is_current=True).first(),
        "checklist": [(row, _css(row.family)) for row in checklist],
        "qualifications": queries.current_qualifications(partner),
        "problems": queries.eligibility_problems(partner, today),
        "restrictions": queries.restrictions_in_force(partner, today),
        "members": partner.members.select_related("user").order_by("-is_admin", "pk"),
    }
    return render(request, "partners/me.html", ctx)


def _me_form(
    request: HttpRequest,
    form_class: type[django_forms.Form],
    *,
    title: str,
    initial: dict[str, Any],
    act: Callable[[Partner, dict[str, Any]], Any],
    done: str,
    intro: str = "",
) -> HttpResponse:
    partner = _my_partner(request)
    form = form_class(request.POST or None, request.FILES or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and _apply(form, lambda: act(partner, form.cleaned_data), request) is not None
    ):
        messages.success(request, done)
        return redirect("partners:me")
    return _form_page(
        request,
        form,
        title=title,
        breadcrumbs=[ME, (title, None)],
        cancel=reverse("partners:me"),
        intro=intro,
        status=400 if form.errors else 200,
    )


@login_required
def me_profile(request: HttpRequest) -> HttpResponse:
    partner = _my_partner(request)
    return _me_form(
        request,
        ProfileForm,
        title=gettext("修改企业资料"),
        initial={"legal_representative": partner.legal_representative, "address": partner.address},
        act=lambda p, d: actions.update_profile(p, actor=request.user, **d),
        done="企业资料已保存。",
    )


@login_required
def me_hotline(request: HttpRequest) -> HttpResponse:
    partner = _my_partner(request)
    return _me_form(
        request,
        HotlineForm,
        title=gettext("客服热线"),
        initial={"cs_hotline": partner.cs_hotline},
        act=lambda p, d: actions.set_hotline(p, actor=request.user, cs_hotline=d["cs_hotline"]),
        done="客服热线已保存。",
    )


@login_required
def me_contact(request: HttpRequest, role: str) -> HttpResponse:
    partner = _my_partner(request)
    if role not in Contact.Role.values:
        raise Http404
    current = partner.contacts.filter(role=role).first()
    initial: dict[str, Any] = {"role": role}
    if current:
        initial.update(name=current.name, phone=current.phone, email=current.email)
    return _me_form(
        request,
        ContactForm,
        title=f"{Contact.Role(role).label}",
        initial=initial,
        act=lambda p, d: actions.set_contact(p, actor=request.user, **d),
        done="联系人已保存。",
    )


@login_required
def me_bank(request: HttpRequest) -> HttpResponse:
    return _me_form(
        request,
        BankAccountForm,
        title=gettext("银行账户"),
        initial={"account_name": _my_partner(request).name},
        act=lambda p, d: actions.set_bank_account(p, actor=request.user, **d),
        done="银行账户已保存。",
        intro=gettext("结算款项将汇入此账户；原账户记录会保留。"),
    )


@login_required
def me_qualification(request: HttpRequest) -> HttpResponse:
    return _me_form(
        request,
        QualificationForm,
        title=gettext("上传资质证书"),
        initial={"kind": request.GET.get("kind", "")},
        act=lambda p, d: actions.upload_qualification(p, actor=request.user, **d),
        done="资质证书已上传。",
        intro=gettext("同一类型再次上传即为更换证书，旧证书记录会保留。"),
    )


@login_required
def me_add_user(request: HttpRequest) -> HttpResponse:
    partner = _my_partner(request)
    if not queries.is_partner_admin(request.user, partner):
        raise DjangoPermissionDenied
    return _me_form(
        request,
        AddUserForm,
        title=gettext("添加企业用户"),
        initial={},
        act=lambda p, d: actions.add_partner_user(
            p,
            actor=request.user,
            username=d["username"],
            password=d["password"],
            display_name=d["display_name"],
            email=d["email"],
            phone=d["phone"],
        ),
        done="用户已添加。",
    )


@login_required
def qualification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    q = queries.visible_qualifications(request.user).filter(pk=pk).first()
    if q is None:
        raise Http404
    crumbs: list[tuple[str, str | None]]
    if queries.partner_of(request.user) is not None:
        crumbs = [ME, (str(q), None)]
    else:
        crumbs = [
            ("合作伙伴", reverse("partners:list")),
            (q.partner.name, q.partner.get_absolute_url()),
            (str(q), None),
        ]
    history = Qualification.objects.filter(partner=q.partner, kind=q.kind).order_by("-created_at")
    return render(
        request,
        "partners/qualification.html",
        {"q": q, "title": str(q), "breadcrumbs": crumbs, "versions": history},
    )


# --- staff console -------------------------------------------------------------------------


def _choices(enum: Any) -> list[tuple[str, Any]]:
    # labels stay lazy: a filter's options are read in the language of each request
    return [(str(v), label) for v, label in enum.choices]


def _staff_only(perm: str) -> Callable[..., Any]:
    def check(request: HttpRequest) -> None:
        if not request.user.has_perm(perm):
            raise DjangoPermissionDenied(perm)  # the 403 page names the roles holding it

    return check


@method_decorator(login_required, name="dispatch")
class PartnerListView(ObjectListView):
    title = gettext_lazy("合作伙伴")
    export_name = "partners"
    empty_text = gettext_lazy("还没有合作伙伴注册。合作伙伴可在 /partners/register/ 自助注册。")
    config = ListConfig(
        columns=[
            Column("name", gettext_lazy("企业名称"), link=True, sort="name"),
            Column("kind", gettext_lazy("类型"), sort="kind"),
            Column("locality", gettext_lazy("属地"), sort="locality"),
            Column("credit_code", gettext_lazy("统一社会信用代码")),
            Column("enterprise_code", gettext_lazy("企业代码"), sort="enterprise_code"),
            Column("state", gettext_lazy("状态"), sort="state", badge=False),
            Column("credit_grade", gettext_lazy("信用等级"), sort="credit_grade"),
            Column("created_at", gettext_lazy("注册时间"), sort="created_at"),
        ],
        filters=[
            Filter("kind", gettext_lazy("类型"), _choices(PartnerKind)),
            Filter("locality", gettext_lazy("属地"), _choices(Locality)),
            Filter("state", gettext_lazy("状态"), _choices(Partner.State)),
            Filter("credit_grade", gettext_lazy("信用等级"), _choices(Partner.CreditGrade)),
        ],
        search_fields=["name", "credit_code", "enterprise_code"],
        default_sort="name",
    )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            _staff_only("partners.view_partner")(request)
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[Partner]:
        return queries.visible_partners(self.request.user)


@method_decorator(login_required, name="dispatch")
class RestrictionListView(ObjectListView):
    title = gettext_lazy("限制名单")
    export_name = "restrictions"
    empty_text = gettext_lazy("没有登记的限制。在合作伙伴详情页的“限制”标签下可以登记。")
    config = ListConfig(
        columns=[
            Column("partner", gettext_lazy("合作伙伴"), link=True, sort="partner__name"),
            Column("kind", gettext_lazy("类型"), sort="kind"),
            Column("business_line", gettext_lazy("业务类别")),
            Column("reason", gettext_lazy("原因"), accessor=lambda r: r.reason_text),
            Column("source", gettext_lazy("来源")),
            Column("starts_on", gettext_lazy("开始"), sort="starts_on"),
            Column("ends_on", gettext_lazy("结束"), sort="ends_on"),
            Column("lifted_at", gettext_lazy("解除时间"), sort="lifted_at"),
        ],
        filters=[
            Filter("kind", gettext_lazy("类型"), _choices(RestrictionKind)),
            Filter(
                "lifted",
                gettext_lazy("是否解除"),
                [("no", gettext_lazy("未解除")), ("yes", gettext_lazy("已解除"))],
                lookup="lifted_at__isnull",
            ),
        ],
        search_fields=["partner__name", "partner__credit_code", "reason", "source"],
        default_sort="-starts_on",
    )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            _staff_only("partners.view_restriction")(request)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        # translate the yes/no filter into the boolean lookup before the generic filtering
        params = self.request.GET.copy()
        lifted = params.pop("lifted", [""])[-1]
        original = self.request.GET
        self.request.GET = params  # type: ignore[assignment]
        try:
            qs = super().get_queryset()
        finally:
            self.request.GET = original  # type: ignore[assignment]
        if lifted == "no":
            qs = qs.filter(lifted_at__isnull=True)
        elif lifted == "yes":
            qs = qs.filter(lifted_at__isnull=False)
        return qs

    def get_base_queryset(self) -> QuerySet[Restriction]:
        return queries.visible_restrictions(self.request.user)


def _visible_partner(request: HttpRequest, pk: int) -> Partner:
    partner = queries.visible_partners(request.user).filter(pk=pk).first()
    if partner is None:
        raise Http404
    return partner


@login_required
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partner = queries.partner_for_detail(request.user, pk)
    if partner is None:
        raise Http404
    today = clock.today()
    user = request.user
    restrictions = list(partner.restrictions.all())  # prefetched with created_by / lifted_by
    in_force = {r.pk for r in queries.restrictions_in_force(partner, today)}
    ctx = {
        "title": partner.name,
        "breadcrumbs": [("合作伙伴", reverse("partners:list")), (partner.name, None)]
        if user.has_perm("partners.view_partner")
        else [ME, (partner.name, None)],
        "partner": partner,
        "contact_rows": _contact_rows(partner),
        "checklist": [(row, _css(row.family)) for row in queries.qualification_checklist(partner, today)],
        "qualifications": list(partner.qualifications.all()),  # prefetched, ordered by kind, newest first
        "banks": partner.bank_accounts.order_by("-is_current", "-created_at"),
        "restrictions": [(r, r.pk in in_force) for r in restrictions],
        "members": partner.members.select_related("user").order_by("-is_admin", "pk"),
        "documents": queries.partner_documents(partner),
        "problems": queries.eligibility_problems(partner, today),
        "tabs": [
            ("details", gettext("详情")),
            ("contacts", gettext("联系人")),
            ("qualifications", gettext("资质")),
            ("bank", gettext("银行账户")),
            ("restrictions", gettext("限制")),
            ("users", gettext("用户")),
            ("documents", gettext("文档")),
            ("history", gettext("历史")),
        ],
        "can_manage": user.has_perm("partners.manage_partner"),
        "can_restrict": user.has_perm("partners.manage_restriction"),
        "can_suspend": user.has_perm("partners.manage_partner")
        and partner.state in {Partner.State.REGISTERED, Partner.State.ADMITTED, Partner.State.ACTIVE},
        "can_resume": user.has_perm("partners.manage_partner") and partner.state == Partner.State.SUSPENDED,
    }
    return render(request, "partners/detail.html", ctx)


def _staff_reason_page(
    request: HttpRequest,
    partner: Partner,
    *,
    perm: str,
    title: str,
    act: Callable[[str], Any],
    done: str,
    submit: str,
) -> HttpResponse:
    if not request.user.has_perm(perm):
        raise DjangoPermissionDenied
    form = ReasonForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _apply(form, lambda: act(form.cleaned_data["reason"]), request) is not None
    ):
        messages.success(request, done)
        return redirect(partner.get_absolute_url())
    return _form_page(
        request,
        form,
        title=title,
        breadcrumbs=[
            ("合作伙伴", reverse("partners:list")),
            (partner.name, partner.get_absolute_url()),
            (title, None),
        ],
        submit=submit,
        cancel=partner.get_absolute_url(),
        status=400 if form.errors else 200,
    )


@login_required
def suspend(request: HttpRequest, pk: int) -> HttpResponse:
    partner = _visible_partner(request, pk)
    return _staff_reason_page(
        request,
        partner,
        perm="partners.manage_partner",
        title=gettext("暂停 %(partner)s") % {"partner": partner.name},
        act=lambda reason: actions.suspend_partner(partner, actor=request.user, reason=reason),
        done=gettext("已暂停该合作伙伴。"),
        submit=gettext("暂停"),
    )


@login_required
def resume(request: HttpRequest, pk: int) -> HttpResponse:
    partner = _visible_partner(request, pk)
    return _staff_reason_page(
        request,
        partner,
        perm="partners.manage_partner",
        title=gettext("恢复 %(partner)s") % {"partner": partner.name},
        act=lambda reason: actions.resume_partner(partner, actor=request.user, reason=reason),
        done=gettext("已恢复该合作伙伴。"),
        submit=gettext("恢复"),
    )


@login_required
def add_restriction(request: HttpRequest, pk: int) -> HttpResponse:
    partner = _visible_partner(request, pk)
    if not request.user.has_perm("partners.manage_restriction"):
        raise DjangoPermissionDenied
    form = RestrictionForm(request.POST or None, initial={"starts_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if (
            _apply(form, lambda: actions.add_restriction(partner, actor=request.user, **d), request)
            is not None
        ):
            messages.success(request, gettext("限制已登记。"))
            return redirect(partner.get_absolute_url() + "#restrictions")
    return _form_page(
        request,
        form,
        title=gettext("登记限制：%(partner)s") % {"partner": partner.name},
        breadcrumbs=[
            ("合作伙伴", reverse("partners:list")),
            (partner.name, partner.get_absolute_url()),
            (gettext("登记限制"), None),
        ],
        submit=gettext("登记"),
        cancel=partner.get_absolute_url(),
        status=400 if form.errors else 200,
    )


@login_required
def lift_restriction(request: HttpRequest, pk: int) -> HttpResponse:
    restriction = queries.visible_restrictions(request.user).filter(pk=pk).first()
    if restriction is None:
        raise Http404
    return _staff_reason_page(
        request,
        restriction.partner,
        perm="partners.manage_restriction",
        title=gettext("解除限制：%(restriction)s") % {"restriction": restriction},
        act=lambda reason: actions.lift_restriction(restriction, actor=request.user, reason=reason),
        done=gettext("限制已解除。"),
        submit=gettext("解除"),
    )
