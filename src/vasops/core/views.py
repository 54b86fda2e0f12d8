from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language, gettext, gettext_lazy
from django.views import i18n as i18n_views
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from vasops.core import actions, calendar, clock, documents, history, notify, roles, rules, vocabulary
from vasops.core.errors import DomainError
from vasops.core.forms import CalendarDayForm, OtpForm
from vasops.core.listing import Column, Filter, ListConfig, ObjectListView
from vasops.core.models import AuditEvent, Document, Notification, WorkCalendar


def set_language(request: HttpRequest) -> HttpResponse:
    """The language switch (Django's ``set_language``: the cookie and the redirect); a logged-in
    user's choice is also kept as the language of their notifications and e-mails."""
    response = i18n_views.set_language(request)
    language = request.POST.get("language", "")
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and check_for_language(language)
    ):
        actions.set_language(language, actor=request.user)
    return response


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        """Log in, and show the pages in the language the user last chose with the language
        switch (``User.language``), in this browser too: the switch's cookie stays in the browser
        it was set in. A user who never chose keeps what this browser asks for."""
        response = super().form_valid(form)
        language = form.get_user().language
        cookie = self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if rules.login_language(language, cookie, settings.LANGUAGE_CODE) and check_for_language(language):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each audience to its 'what needs me now' page."""
    user_roles = set(roles.roles_of(request.user))
    if request.user.is_superuser or user_roles & roles.STAFF_ROLES:  # type: ignore[union-attr]
        target = "console:home"
    elif roles.EXPERT in user_roles:
        target = "admission:expert_home"
    else:
        target = "portal:home"
    try:
        return redirect(reverse(target))
    except NoReverseMatch:
        return render(request, "core/home_fallback.html")


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Staff second factor: enrol a TOTP device on first login, then verify every login.
    Only carrier staff have a second factor: anyone else is sent to their home page (a partner
    user must not enrol a device here)."""
    user = request.user
    if not getattr(user, "is_carrier_staff", False):
        return redirect("home")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()  # type: ignore[misc]
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()  # type: ignore[misc]
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="default", confirmed=False)  # type: ignore[misc]
    assert device is not None
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            if enrolling:
                actions.confirm_totp_device(device, actor=user)
            otp_login(request, device)
            return redirect(_safe_next(request) or "home")
        form.add_error("token", gettext("验证码不正确或已过期，请输入应用中当前显示的 6 位数字。"))
    ctx: dict[str, Any] = {"form": form, "enrolling": enrolling, "title": gettext("两步验证")}
    if enrolling:
        import qrcode
        import qrcode.image.svg

        img = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
        buf = io.BytesIO()
        img.save(buf)
        ctx["qr_svg"] = buf.getvalue().decode()
        ctx["secret"] = _base32(device.bin_key)
    if settings.VASOPS_DEMO_SHOW_OTP:
        from django_otp.oath import totp

        ctx["demo_code"] = f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"
    return render(request, "core/two_factor.html", ctx)


def _safe_next(request: HttpRequest) -> str | None:
    """The ``next`` parameter, only when it points back into this site (no open redirect)."""
    target = request.GET.get("next") or request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _base32(raw: bytes) -> str:
    import base64

    return base64.b32encode(raw).decode().rstrip("=")


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    return render(request, "core/locked_out.html", status=429)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    qs = Notification.objects.filter(recipient_id=request.user.pk)
    if request.method == "POST":
        notify.mark_read(request.user)  # type: ignore[arg-type]
        return redirect("core:inbox")
    from django.core.paginator import Paginator

    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "core/inbox.html",
        {"page_obj": page, "title": gettext("消息"), "breadcrumbs": [(gettext("消息"), None)]},
    )


@login_required
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notify.mark_read(request.user, [note.pk])  # type: ignore[arg-type]
    return redirect(note.url or "core:inbox")


@login_required
def download(request: HttpRequest, uuid: str) -> HttpResponseBase:
    doc = Document.objects.filter(uuid=uuid).first()
    if doc is None or not documents.can_download(request.user, doc):
        raise Http404("文档不存在或您无权查看。")
    response = FileResponse(doc.file.open("rb"), content_type=doc.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(doc.original_name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


@login_required
def calendar_year(request: HttpRequest, year: int | None = None) -> HttpResponse:
    if not request.user.has_perm("core.manage_calendar"):
        raise DjangoPermissionDenied
    year = year or clock.today().year
    if not calendar.MIN_YEAR <= year <= calendar.MAX_YEAR:
        raise Http404(f"工作日历只有 {calendar.MIN_YEAR}–{calendar.MAX_YEAR} 年。")
    form = CalendarDayForm(request.POST or None)
    if request.method == "POST":
        if "seed" in request.POST:
            try:
                n = actions.seed_calendar_year(year, actor=request.user)
                messages.success(
                    request,
                    gettext("已生成 %(year)s 年日历（新增 %(days)s 天）。") % {"year": year, "days": n},
                )
            except DomainError as exc:
                messages.error(request, exc.full_message)
            return redirect("core:calendar_year", year=year)
        if form.is_valid():
            try:
                actions.set_calendar_day(
                    form.cleaned_data["date"],
                    actor=request.user,
                    is_working_day=form.cleaned_data["is_working_day"],
                    note=form.cleaned_data["note"],
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, gettext("已更新 %(date)s。") % {"date": form.cleaned_data["date"]})
                return redirect("core:calendar_year", year=form.cleaned_data["date"].year)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.full_message)
    rows = {r.date: r for r in WorkCalendar.objects.filter(date__year=year)}
    months = []
    for m in range(1, 13):
        first = dt.date(year, m, 1)
        weeks: list[list[Any]] = []
        week: list[Any] = [None] * first.weekday()
        day = first
        while day.month == m:
            row = rows.get(day)
            working = row.is_working_day if row else day.weekday() < 5
            week.append(
                {
                    "date": day,
                    "working": working,
                    "row": row,
                    "special": (working and day.weekday() >= 5) or (not working and day.weekday() < 5),
                }
            )
            if len(week) == 7:
                weeks.append(week)
                week = []
            day += dt.timedelta(days=1)
        if week:
            weeks.append(week + [None] * (7 - len(week)))
        months.append({"month": m, "weeks": weeks})
    ctx = {
        "title": gettext("%(year)s 年工作日历") % {"year": year},
        "year": year,
        "months": months,
        "seeded": bool(rows),
        "form": form,
        "missing_next": calendar.missing_next_year(),
        "breadcrumbs": [(gettext("工作日历"), None)],
    }
    return render(request, "core/calendar.html", ctx)


def _audited_model_choices() -> list[tuple[str, str]]:
    """The object types an audit row can name: the project's models, from the app registry
    (a DISTINCT over millions of audit rows cost ~150 ms per page view)."""
    from django.apps import apps as django_apps

    return sorted(
        (
            (f"{m._meta.app_label}.{m._meta.model_name}", history.model_label(m._meta.label_lower))
            for m in django_apps.get_models()
            if m.__module__.startswith("vasops.")
        ),
        key=lambda choice: str(choice[1]),
    )


class AuditLogView(ObjectListView):
    title = gettext_lazy("审计日志")
    export_name = "audit"
    config = ListConfig(
        columns=[
            Column("at", gettext_lazy("时间"), sort="at"),
            Column("actor_label", gettext_lazy("操作人"), accessor=history.actor_text),
            Column(
                "action",
                gettext_lazy("动作"),
                accessor=lambda e: vocabulary.event_label(e.action),
                sort="action",
            ),
            Column(
                "object_type", gettext_lazy("对象类型"), accessor=lambda e: history.model_label(e.object_type)
            ),
            Column("object_id", gettext_lazy("对象编号")),
            Column("reason", gettext_lazy("原因"), accessor=history.reason_text),
            Column("ip", "IP"),
        ],
        filters=[
            Filter(
                "object_type",
                gettext_lazy("对象类型"),
                lambda: _audited_model_choices(),
            )
        ],
        search_fields=["action", "actor_label", "object_id", "reason"],
        default_sort="-at",
    )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.has_perm("core.view_audit"):
            raise DjangoPermissionDenied("core.view_audit")
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[AuditEvent]:
        return AuditEvent.objects.all()


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness + database check for load balancers (no login)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 403 page: in words, which roles may open the page, and a way back.

    The views raise ``PermissionDenied("app.codename", …)`` with the permissions they check; the
    roles holding them come from the apps' permission lists (``core.roles``)."""
    perms = [
        str(a) for a in getattr(exception, "args", ()) if isinstance(a, str) and "." in a and " " not in a
    ]
    holders = roles.collect_role_permissions()
    needed = [r for r, held in holders.items() if perms and all(p in held for p in perms)]
    if perms and not needed:
        needed = [r for r, held in holders.items() if any(p in held for p in perms)]
    message = "" if perms else " ".join(str(a) for a in getattr(exception, "args", ()) if isinstance(a, str))
    back = request.META.get("HTTP_REFERER", "")
    if not back or not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("home")
    context = {
        "roles_needed": [roles.ROLE_LABELS[r] for r in roles.ROLE_LABELS if r in needed],
        "message": message,
        "back": back,
        "title": gettext("无权访问"),
    }
    return render(request, "403.html", context, status=403)
