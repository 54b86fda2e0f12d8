"""Public pages (no login): a user files a complaint, checks its status with the complaint number
and their MSISDN, and may complain again when not satisfied. Throttled per client address; a page
never shows anything of a complaint unless both the number and the MSISDN match."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_protect

from vasops.complaints import actions, queries, rules
from vasops.complaints.forms import LookupForm, PublicComplaintForm, PublicReopenForm
from vasops.complaints.models import Complaint
from vasops.core.errors import DomainError
from vasops.vac import msisdn as numbers

NOT_FOUND = "未找到该投诉：请核对投诉单号和手机号码。"


def _client(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def throttled(request: HttpRequest, what: str) -> bool:
    """Count one use of ``what`` by this client in the current hour; True when over the limit
    (``VASOPS_COMPLAINT_PUBLIC_PER_HOUR``, 0 = no limit)."""
    limit = int(getattr(settings, "VASOPS_COMPLAINT_PUBLIC_PER_HOUR", 20) or 0)
    if limit <= 0:
        return False
    key = f"vasops:complaints:{what}:{_client(request)}:{int(time.time() // 3600)}"
    cache.add(key, 0, timeout=3700)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3700)
        count = 1
    return count > limit


def _too_many(request: HttpRequest, template: str, ctx: dict[str, Any]) -> HttpResponse:
    ctx["throttled"] = True
    return render(request, template, ctx, status=429)


@csrf_protect
def submit(request: HttpRequest) -> HttpResponse:
    form = PublicComplaintForm(request.POST or None)
    ctx: dict[str, Any] = {"form": form, "title": gettext("投诉受理")}
    if request.method == "POST":
        if throttled(request, "submit"):
            return _too_many(request, "complaints/public_submit.html", ctx)
        if form.is_valid():
            d = form.cleaned_data
            try:
                complaint, _created = actions.receive_complaint(
                    actor=None,
                    source=Complaint.Source.PUBLIC,
                    msisdn=d["msisdn"],
                    category=d["category"],
                    description=d["description"],
                    product_hint=d.get("product_hint", ""),
                    contact=d.get("contact", ""),
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.full_message)
            else:
                ctx["done"] = complaint.number
    return render(request, "complaints/public_submit.html", ctx)


@csrf_protect
def status(request: HttpRequest) -> HttpResponse:
    """Status by number + MSISDN (POST, so neither lands in a URL or a log)."""
    reopen = request.method == "POST" and request.POST.get("op") == "reopen"
    form: LookupForm = (PublicReopenForm if reopen else LookupForm)(request.POST or None)
    ctx: dict[str, Any] = {"form": form, "title": gettext("投诉进度查询")}
    if request.method != "POST":
        return render(request, "complaints/public_status.html", ctx)
    if throttled(request, "status"):
        return _too_many(request, "complaints/public_status.html", ctx)
    if not form.is_valid():
        return render(request, "complaints/public_status.html", ctx)
    number = numbers.bare(form.cleaned_data["msisdn"]) or ""
    complaint = queries.public_lookup(form.cleaned_data["number"], number)
    if complaint is None:
        ctx["not_found"] = NOT_FOUND
        return render(request, "complaints/public_status.html", ctx)
    if reopen:
        try:
            complaint = actions.reopen_complaint(
                complaint, actor=None, reason=form.cleaned_data["reason"], by_user=True
            )
        except DomainError as exc:
            ctx["error"] = exc.full_message
        else:
            ctx["reopened"] = True
    ctx["c"] = complaint
    ctx["masked"] = rules.mask_msisdn(complaint.msisdn)
    ctx["reopen_form"] = (
        PublicReopenForm(initial={"number": complaint.number, "msisdn": complaint.msisdn})
        if complaint.state == rules.CLOSED
        else None
    )
    return render(request, "complaints/public_status.html", ctx)
