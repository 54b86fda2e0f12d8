"""The partner portal shell: the "what needs me now" home page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from vasops.admission import queries as admission_queries
from vasops.admission import rules as admission_rules
from vasops.compliance import queries as compliance_queries
from vasops.core import clock
from vasops.partners import queries as partner_queries
from vasops.workorders import queries as workorder_queries


@login_required
def home(request: HttpRequest) -> HttpResponse:
    partner = partner_queries.partner_of(request.user)
    if partner is None:
        return redirect("home") if request.user.is_staff else render(request, "portal/no_partner.html")
    today = clock.today()
    apps = admission_queries.applications_for(request.user).order_by("-created_at")
    current = admission_queries.open_application_of(partner) or apps.first()
    problems = partner_queries.eligibility_problems(partner, today)
    checklist = partner_queries.qualification_checklist(partner, today)
    orders = workorder_queries.visible_to(request.user).exclude(state="closed")
    ctx: dict[str, Any] = {
        "title": gettext("待办首页"),
        "partner": partner,
        "today": today,
        "window": admission_queries.window_status(today),
        "current": current,
        "next_step": admission_rules.next_step(current.state) if current else "",
        "deadline": admission_queries.open_deadline(current) if current else None,
        "problems": problems,
        "checklist": checklist,
        "orders": list(orders[:5]),
        "orders_count": orders.count(),
        "can_apply": admission_rules.can_apply_again(current.state if current else None),
        "violations_open": list(compliance_queries.open_for_appeal(request.user, today)[:5]),
    }
    from vasops.complaints import queries as complaint_queries

    to_answer = complaint_queries.to_answer(request.user).order_by("answer_due_at")
    ctx["complaints"] = list(to_answer[:5])
    ctx["complaints_count"] = to_answer.count()
    return render(request, "portal/home.html", ctx)
