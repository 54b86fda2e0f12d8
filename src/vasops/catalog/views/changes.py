"""Product-change pages (attachment 3): request (portal), detail, review (console)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from vasops.catalog import actions, queries
from vasops.catalog.forms import ChangeRequestForm
from vasops.catalog.views.common import form_error, product_or_404
from vasops.core import documents
from vasops.core.errors import DomainError, NotFound
from vasops.core.rules import format_fen


@login_required
def change_create(request: HttpRequest, pk: int) -> HttpResponse:
    product = product_or_404(request, pk)
    initial = {
        "name": product.name,
        "description": product.description,
        "fee": format_fen(product.fee_fen).replace(",", ""),
    }
    form = ChangeRequestForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            change = actions.request_change(
                product,
                actor=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                fee_fen=form.cleaned_data["fee"],
                effective_on=form.cleaned_data["effective_on"],
                reason=form.cleaned_data["reason"],
                materials=form.cleaned_data["materials"],
            )
        except DomainError as exc:
            form_error(form, exc, {"fee_fen": "fee"})
        else:
            if change.needs_full_review:
                messages.warning(request, gettext("资费上调，本申请将按产品新增流程审核。"))
            else:
                messages.success(request, gettext("变更申请已提交。"))
            return redirect(change)
    return render(
        request,
        "catalog/change_form.html",
        {
            "form": form,
            "product": product,
            "title": gettext("产品变更：%(product)s") % {"product": product.name},
            "breadcrumbs": [(product.name, product.get_absolute_url()), (gettext("产品变更"), None)],
        },
    )


@login_required
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        change = queries.get_change_request(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    perm = "catalog.review_product" if change.needs_full_review else "catalog.review_change"
    ctx = {
        "change": change,
        "product": change.product,
        "title": gettext("产品变更 #%(pk)s") % {"pk": change.pk},
        "can_review": request.user.has_perm(perm) and change.state == change.State.SUBMITTED,
        "materials": change.materials.all(),
        "notice": change.notification_file
        if change.notification_file and documents.can_download(request.user, change.notification_file)
        else None,
        "breadcrumbs": [
            (change.product.name, change.product.get_absolute_url()),
            (gettext("变更 #%(pk)s") % {"pk": change.pk}, None),
        ],
    }
    return render(request, "catalog/change_detail.html", ctx)


@login_required
@require_POST
def change_review(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        change = queries.get_change_request(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    decision = request.POST.get("decision", "")
    if decision not in ("approve", "return", "reject"):
        messages.error(request, gettext("请选择审核结论。"))
        return redirect(change)
    try:
        actions.review_change(
            change, actor=request.user, decision=decision, reason=request.POST.get("reason", "")
        )
        messages.success(request, gettext("审核结论已保存。"))
    except DomainError as exc:
        messages.error(request, exc.full_message)
    return redirect(change)
