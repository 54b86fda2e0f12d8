"""Business-line pages (staff)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext, gettext_lazy

from vasops.catalog import actions
from vasops.catalog.forms import BusinessLineForm
from vasops.catalog.models import BusinessLine
from vasops.catalog.views.common import form_error
from vasops.core import vocabulary
from vasops.core.errors import DomainError
from vasops.core.listing import Column, ListConfig, ObjectListView


@method_decorator(login_required, name="dispatch")
class BusinessLineListView(ObjectListView):
    title = gettext_lazy("业务线")
    export_name = "business-lines"
    config = ListConfig(
        columns=[
            Column("code", gettext_lazy("代码"), link=True, sort="code"),
            Column("name", gettext_lazy("名称"), accessor=lambda b: b.label),
            Column("service_type", gettext_lazy("业务类型代码"), sort="service_type"),
            Column(
                "vas_systems",
                gettext_lazy("涉及系统"),
                accessor=lambda b: "、".join(vocabulary.code_label(s) for s in b.vas_systems or []),
            ),
            Column("is_active", gettext_lazy("启用")),
        ],
        search_fields=["code", "name"],
        default_sort="sort_order",
    )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not request.user.has_perm("catalog.change_businessline"):
            raise DjangoPermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def detail_url(self, obj: Any) -> str | None:
        return reverse("catalog:business_line_edit", args=[obj.code])

    def get_base_queryset(self) -> QuerySet[BusinessLine]:
        return BusinessLine.objects.all()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["create_url"] = (gettext("新增业务线"), reverse("catalog:business_line_new"))
        ctx["breadcrumbs"] = [("业务线", None)]
        return ctx


@login_required
def business_line_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    if not request.user.has_perm("catalog.change_businessline"):
        raise DjangoPermissionDenied
    line = BusinessLine.objects.filter(code=code).first() if code else None
    if code and line is None:
        raise Http404
    initial = (
        {
            "code": line.code,
            "name": line.name,
            "service_type": line.service_type,
            "vas_systems": line.vas_systems,
            "needs_channel": line.needs_channel,
            "is_active": line.is_active,
            "sort_order": line.sort_order,
        }
        if line
        else {}
    )
    form = BusinessLineForm(request.POST or None, initial=initial)
    if line:
        form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_business_line(actor=request.user, **form.cleaned_data)
            messages.success(request, gettext("业务线已保存。"))
            return redirect("catalog:business_lines")
        except DomainError as exc:
            form_error(form, exc)
    return render(
        request,
        "catalog/business_line_form.html",
        {
            "form": form,
            "line": line,
            "title": gettext("业务线：%(line)s") % {"line": line.label} if line else gettext("新增业务线"),
            "breadcrumbs": [
                (gettext("业务线"), reverse("catalog:business_lines")),
                (line.label if line else "新增", None),
            ],
        },
    )
