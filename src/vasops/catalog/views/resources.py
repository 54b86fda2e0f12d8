"""Resource-pool pages (staff): 企业代码, 业务接入号, 通道配额, E1 lines."""

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
from django.views.decorators.http import require_POST

from vasops.catalog import actions, queries
from vasops.catalog.forms import AllocateForm, PoolForm
from vasops.catalog.labels import line_label_of
from vasops.catalog.models import ResourceAllocation, ResourcePool
from vasops.catalog.views.common import form_error, require_perm
from vasops.core.errors import DomainError
from vasops.core.listing import Column, Filter, ListConfig, ObjectListView

POOLS_CRUMB = "资源池"


@method_decorator(login_required, name="dispatch")
class PoolListView(ObjectListView):
    title = gettext_lazy("资源池")
    export_name = "resource-pools"
    empty_text = gettext_lazy(
        "还没有资源池。点击“新增资源池”配置企业代码、业务接入号号段（准入通过时分配），"
        "或为业务线配置通道配额、E1 线路及其容量。"
    )
    config = ListConfig(
        columns=[
            Column("name", gettext_lazy("名称"), link=True, sort="name"),
            Column("kind", gettext_lazy("资源类型"), sort="kind"),
            Column(
                "business_line__name",
                gettext_lazy("业务线"),
                accessor=line_label_of,
                sort="business_line__sort_order",
            ),
            Column("capacity", gettext_lazy("容量"), accessor=queries.pool_capacity),
            Column("used", gettext_lazy("已占用"), sort="used"),
            Column("free", gettext_lazy("剩余"), accessor=queries.pool_free),
            Column(
                "is_active",
                gettext_lazy("启用"),
                accessor=lambda p: gettext("是") if p.is_active else gettext("否"),
            ),
        ],
        filters=[Filter("kind", gettext_lazy("资源类型"), list(ResourcePool.Kind.choices))],
        search_fields=["name", "business_line__name", "business_line__code", "allocations__number"],
    )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not request.user.has_perm("catalog.view_resourcepool"):
            raise DjangoPermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[ResourcePool]:
        return queries.pools_with_usage()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        if self.request.user.has_perm("catalog.manage_resources"):
            ctx["create_url"] = (gettext("新增资源池"), reverse("catalog:pool_new"))
            ctx["empty_action"] = ctx["create_url"]
        ctx["breadcrumbs"] = [(POOLS_CRUMB, None)]
        return ctx


def _pool_or_404(pk: int) -> ResourcePool:
    pool = queries.pools_with_usage().filter(pk=pk).first()
    if pool is None:
        raise Http404
    return pool


def _render_pool(request: HttpRequest, pool: ResourcePool, form: AllocateForm | None = None) -> HttpResponse:
    used = getattr(pool, "used", None)
    used = queries.pool_used(pool) if used is None else used
    capacity = queries.pool_capacity(pool)
    if form is None:
        form = AllocateForm(number_pool=pool.is_number_pool)
    return render(
        request,
        "catalog/pool_detail.html",
        {
            "pool": pool,
            "used": used,
            "capacity": capacity,
            "free": max(capacity - used, 0),
            "allocations": queries.pool_allocations(pool),
            "can_manage": request.user.has_perm("catalog.manage_resources"),
            "form": form,
            "title": str(pool),
            "breadcrumbs": [(POOLS_CRUMB, reverse("catalog:pools")), (pool.name, None)],
        },
    )


@login_required
def pool_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, "catalog.view_resourcepool")
    return _render_pool(request, _pool_or_404(pk))


@login_required
def pool_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_perm(request, "catalog.manage_resources")
    pool = _pool_or_404(pk) if pk else None
    initial = (
        {
            "business_line": pool.business_line.code if pool.business_line else None,
            "kind": pool.kind,
            "name": pool.name,
            "range_start": pool.range_start,
            "range_end": pool.range_end,
            "explicit_numbers": pool.explicit_numbers,
            "capacity": pool.capacity,
            "note": pool.note,
            "is_active": pool.is_active,
        }
        if pool
        else {"is_active": True, "capacity": 0}
    )
    form = PoolForm(request.POST or None, initial=initial)
    if pool:
        form.fields["business_line"].disabled = True
        form.fields["kind"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_resource_pool(actor=request.user, pool=pool, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, gettext("资源池已保存。"))
            return redirect(saved)
    return render(
        request,
        "catalog/pool_form.html",
        {
            "form": form,
            "pool": pool,
            "title": gettext("修改资源池：%(pool)s") % {"pool": pool.name} if pool else gettext("新增资源池"),
            "breadcrumbs": [
                (POOLS_CRUMB, reverse("catalog:pools")),
                (pool.name if pool else "新增", None),
            ],
        },
    )


@login_required
@require_POST
def pool_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, "catalog.manage_resources")
    pool = _pool_or_404(pk)
    form = AllocateForm(request.POST, number_pool=pool.is_number_pool)
    if form.is_valid():
        try:
            actions.allocate_resource(
                pool,
                actor=request.user,
                partner=form.cleaned_data["partner"],
                quantity=form.cleaned_data["quantity"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, gettext("已分配。"))
            return redirect(pool)
    return _render_pool(request, pool, form)


@login_required
@require_POST
def allocation_release(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, "catalog.manage_resources")
    allocation = ResourceAllocation.objects.filter(pk=pk).select_related("pool").first()
    if allocation is None:
        raise Http404
    try:
        actions.release_resource(allocation, actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, gettext("已释放。"))
    except DomainError as exc:
        messages.error(request, exc.full_message)
    return redirect(allocation.pool)
