"""The staff console shell: the "what needs me now" home page and the demo clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext

from vasops.admission import queries as admission_queries
from vasops.admission.models import Application
from vasops.console import actions as console_actions
from vasops.core import calendar, clock, roles
from vasops.core.models import Deadline
from vasops.partners import queries as partner_queries
from vasops.partners.models import Qualification, Restriction
from vasops.workorders import queries as workorder_queries


def _staff_only(request: HttpRequest) -> None:
    user_roles = set(roles.roles_of(request.user))
    if not (request.user.is_superuser or user_roles & roles.STAFF_ROLES):  # type: ignore[union-attr]
        raise PermissionDenied


@login_required
def home(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    today = clock.today()
    user = request.user
    apps = Application.objects.select_related("partner")
    cards: list[dict[str, Any]] = []

    def card(
        title: str, states: list[str], url: str, *, order: str = "", tone: str = "primary", hint: str = ""
    ) -> None:
        qs = apps.filter(state__in=states)
        if order:
            qs = qs.order_by(order)
        # the count of every card comes from one GROUP BY state query below
        cards.append(
            {"title": title, "states": states, "items": list(qs[:5]), "url": url, "tone": tone, "hint": hint}
        )

    if user.has_perm("admission.review_application"):
        card(
            "待初审的准入申请",
            [Application.State.SUBMITTED],
            reverse("admission:application_list") + "?state=submitted",
            order="submitted_at",
            tone="warning",
            hint="初审结果须通过门户和邮件通知合作伙伴。",
        )
    if user.has_perm("admission.decide_application"):
        card(
            "评审完成待决定",
            [Application.State.REVIEWED],
            reverse("admission:application_list") + "?state=reviewed",
            tone="warning",
        )
        card(
            "初审通过待考核",
            [Application.State.INITIAL_APPROVED],
            reverse("admission:application_list") + "?state=initial_approved",
        )
        card(
            "考核通过待评审",
            [Application.State.EXAM_PASSED, Application.State.REVIEW_SCHEDULED],
            reverse("admission:application_list") + "?state=exam_passed",
        )
    if user.has_perm("admission.manage_preparation"):
        card(
            "系统准备 / 接入测试中",
            [Application.State.ACCEPTED, Application.State.PREPARING, Application.State.TESTING],
            reverse("admission:application_list") + "?state=preparing",
        )
    if cards:
        wanted = {str(st) for c in cards for st in c["states"]}
        per_state = dict(
            Application.objects.filter(state__in=wanted)
            .order_by()
            .values("state")
            .annotate(n=Count("pk"))
            .values_list("state", "n")
        )
        for c in cards:
            c["count"] = sum(per_state.get(str(st), 0) for st in c.pop("states"))
    deadlines = list(
        Deadline.objects.filter(state=Deadline.State.OPEN, object_type="admission.application").order_by(
            "due_at"
        )[:8]
    )
    # one query for the applications of the listed deadlines (was one per deadline)
    deadline_apps = apps.in_bulk([int(d.object_id) for d in deadlines if d.object_id.isdigit()])
    my_orders = workorder_queries.queue(user, "mine")
    overdue_orders = workorder_queries.queue(user, "overdue")
    expiring = Qualification.objects.filter(
        is_current=True, valid_until__gte=today, valid_until__lte=today + dt.timedelta(days=30)
    ).select_related("partner")
    ctx = {
        "title": gettext("待办首页"),
        "today": today,
        "window": admission_queries.window_status(today),
        "cards": cards,
        "deadlines": [
            {
                "d": d,
                "remaining": calendar.remaining_working_days(d.due_at),
                "app": deadline_apps.get(int(d.object_id)) if d.object_id.isdigit() else None,
            }
            for d in deadlines
        ],
        "my_orders": list(my_orders[:8]),
        "my_orders_count": my_orders.count(),
        "overdue_count": overdue_orders.count(),
        "expiring": list(expiring.order_by("valid_until")[:8]),
        "expiring_count": expiring.count(),
        "restrictions_in_force": partner_queries.in_force(Restriction.objects.all(), today).count(),
        "missing_next_year": calendar.missing_next_year() if user.has_perm("core.manage_calendar") else None,
        "demo_clock": bool(settings.VASOPS_DEMO_CLOCK_FILE),
    }
    if user.has_perm("complaints.handle_complaint"):
        from vasops.complaints import queries as complaint_queries

        mine = complaint_queries.my_open(user).order_by("close_due_at", "created_at")
        ctx["complaints"] = list(mine[:6])
        ctx["complaints_count"] = mine.count()
        ctx["complaints_overdue"] = mine.filter(complaint_queries.overdue_q()).count()
    return render(request, "console/home.html", ctx)


@login_required
def demo_clock(request: HttpRequest) -> HttpResponse:
    """DEBUG demos only: move the business date so a walk-through can reach the exam days,
    the preparation days and deadlines without waiting for the calendar."""
    from vasops.console.forms import DemoClockForm

    if not settings.VASOPS_DEMO_CLOCK_FILE:
        raise PermissionDenied
    _staff_only(request)
    form = DemoClockForm(request.POST or None, initial={"day": clock.demo_day()})
    if request.method == "POST" and form.is_valid():
        console_actions.set_demo_day(form.cleaned_data["day"], actor=request.user)
        messages.success(request, f"演示业务日期已设为 {clock.today()}。")
        return redirect("console:demo_clock")
    return render(
        request,
        "console/demo_clock.html",
        {
            "form": form,
            "title": gettext("演示时钟"),
            "today": clock.today(),
            "breadcrumbs": [(gettext("演示时钟"), None)],
        },
    )
