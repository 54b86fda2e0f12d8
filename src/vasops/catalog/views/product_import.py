"""Bulk product import from the Excel template (staff)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext

from vasops.catalog import actions, importing
from vasops.catalog.forms import ImportForm
from vasops.catalog.views.common import form_error, require_perm, xlsx_response
from vasops.core import imports
from vasops.core.errors import DomainError


@login_required
def product_import(request: HttpRequest) -> HttpResponse:
    require_perm(request, "catalog.manage_product", "catalog.review_product")
    form = ImportForm(request.POST or None, request.FILES or None)
    refused: actions.ImportRefused | None = None
    if request.method == "POST" and form.is_valid():
        try:
            created = actions.import_products(
                actor=request.user,
                upload=form.cleaned_data["file"],
                already_live=form.cleaned_data["already_live"],
            )
        except actions.ImportRefused as exc:
            refused = exc
            imports.keep_error_report(exc, actor=request.user, name="product-import-errors.xlsx")
            form.add_error(None, exc.full_message)
        except DomainError as exc:
            form_error(form, exc)
        else:
            state = gettext("已上线") if form.cleaned_data["already_live"] else gettext("草稿")
            messages.success(
                request,
                gettext("已导入 %(count)s 个产品（%(state)s）。") % {"count": len(created), "state": state},
            )
            return redirect("catalog:products")
    return render(
        request,
        "catalog/product_import.html",
        {
            "form": form,
            "refused": refused,
            "title": gettext("产品批量导入"),
            "breadcrumbs": [(gettext("产品目录"), reverse("catalog:products")), (gettext("批量导入"), None)],
        },
        status=400 if refused is not None or form.errors else 200,
    )


@login_required
def product_import_template(request: HttpRequest) -> HttpResponse:
    require_perm(request, "catalog.manage_product")
    return xlsx_response(importing.template_bytes(), "product-import-template.xlsx")
