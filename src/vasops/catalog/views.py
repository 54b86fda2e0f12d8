"""Pages of the catalogue: the partner portal part (my products, new product, change request)
and the console part (catalogue, review queue, product detail actions). Thin: parse → action
or query → render; a DomainError is shown next to its field or as a message."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from vasops.catalog import actions, importing, queries
from vasops.catalog.forms import (
    AllocateForm,
    BusinessLineForm,
    ChangeRequestForm,
    ImportForm,
    PoolForm,
    ProductForm,
    ReviewForm,
)
from vasops.catalog.models import (
    BillingMode,
    BusinessLine,
    Product,
    ProductTestCase,
    ProductType,
    ResourceAllocation,
    ResourcePool,
)
from vasops.core import documents, imports
from vasops.core.errors import DomainError, NotFound
from vasops.core.listing import Column, Filter, ListConfig, ObjectListView
from vasops.core.rules import format_fen


def _product_or_404(request: HttpRequest, pk: int) -> Product:
    try:
        return queries.get_product(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _form_error(form: Any, exc: DomainError, field_map: dict[str, str] | None = None) -> None:
    field = (field_map or {}).get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, exc.full_message)


def _own_partner(request: HttpRequest) -> Any:
    partner = queries.partner_of(request.user)
    if partner is None:
        raise Http404("仅合作伙伴用户可使用此页面。")
    return partner


# --- portal ---------------------------------------------------------------------------------

COLUMNS = [
    Column("name", "产品名称", link=True, sort="name"),
    Column("product_code", "产品代码", sort="product_code"),
    Column("business_line__name", "业务线"),
    Column("access_number", "接入号"),
    Column("product_type", "类型"),
    Column("billing_mode", "计费方式"),
    Column("fee", "资费（元）", accessor=lambda p: format_fen(p.fee_fen)),
    Column("state", "状态", badge=True, accessor=lambda p: p.get_state_display()),
    Column("effective", "生效状态", accessor=lambda p: queries.effective_status(p).label),
]


def _filters() -> list[Filter]:
    return [
        Filter("line", "业务线", queries.business_line_choices, lookup="business_line__code"),
        Filter("state", "状态", list(Product.State.choices)),
        Filter("type", "产品类型", list(ProductType.choices), lookup="product_type"),
        Filter("billing", "计费方式", list(BillingMode.choices), lookup="billing_mode"),
    ]


@method_decorator(login_required, name="dispatch")
class MyProductsView(ObjectListView):
    title = "我的产品"
    export_name = "my-products"
    empty_text = "还没有产品。点击“新增产品”按业务线填写附件2《新增产品申请资料》。"
    config = ListConfig(columns=COLUMNS, filters=[], search_fields=["name", "product_code", "access_number"])

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            _own_partner(request)
        self.config = ListConfig(
            columns=COLUMNS, filters=_filters(), search_fields=["name", "product_code", "access_number"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[Product]:
        return queries.visible_products(self.request.user).filter(partner=_own_partner(self.request))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        url = reverse("catalog:product_create")
        ctx.update(
            create_url=("新增产品", url), empty_action=("新增产品", url), breadcrumbs=[("我的产品", None)]
        )
        return ctx


@login_required
def product_create(request: HttpRequest) -> HttpResponse:
    partner = _own_partner(request)
    code = request.POST.get("business_line") or request.GET.get("line") or ""
    line = BusinessLine.objects.filter(code=code, is_active=True).first()
    form = ProductForm(
        request.POST or None, request.FILES or None, line=line, initial={"business_line": code}
    )
    if request.method == "POST" and line is not None and form.is_valid():
        try:
            product = actions.create_product(
                actor=request.user,
                partner=partner,
                business_line=line,
                name=form.cleaned_data["name"],
                access_number=form.cleaned_data["access_number"],
                description=form.cleaned_data["description"],
                product_type=form.cleaned_data["product_type"],
                fee_fen=form.cleaned_data["fee"],
                billing_mode=form.cleaned_data["billing_mode"],
                details=form.details(),
                materials=form.cleaned_data["materials"],
            )
        except DomainError as exc:
            _form_error(form, exc, {"fee_fen": "fee"})
        else:
            if "submit" in request.POST:
                return _submit_and_redirect(request, product)
            messages.success(request, "已保存草稿。确认无误后点击“提交审核”。")
            return redirect(product)
    lines = BusinessLine.objects.filter(is_active=True)
    return render(
        request,
        "catalog/product_form.html",
        {
            "form": form,
            "line": line,
            "lines": lines,
            "title": "新增产品",
            "breadcrumbs": [("我的产品", reverse("catalog:my_products")), ("新增产品", None)],
        },
    )


def _submit_and_redirect(request: HttpRequest, product: Product) -> HttpResponse:
    try:
        actions.submit_product(product, actor=request.user)
        messages.success(request, "已提交审核，产品创新部审核后会通知您。")
    except DomainError as exc:
        messages.error(request, exc.full_message)
    return redirect(product)


@login_required
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    product = _product_or_404(request, pk)
    if product.state != Product.State.DRAFT:
        messages.error(request, "只有草稿或被退回的产品可以修改。")
        return redirect(product)
    line = product.business_line
    form = ProductForm(
        request.POST or None, request.FILES or None, line=line, initial=ProductForm.initial_from(product)
    )
    form.fields["business_line"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_product(
                product,
                actor=request.user,
                name=form.cleaned_data["name"],
                access_number=form.cleaned_data["access_number"],
                description=form.cleaned_data["description"],
                product_type=form.cleaned_data["product_type"],
                fee_fen=form.cleaned_data["fee"],
                billing_mode=form.cleaned_data["billing_mode"],
                details=form.details(),
                materials=form.cleaned_data["materials"],
            )
        except DomainError as exc:
            _form_error(form, exc, {"fee_fen": "fee"})
        else:
            if "submit" in request.POST:
                return _submit_and_redirect(request, product)
            messages.success(request, "已保存。")
            return redirect(product)
    return render(
        request,
        "catalog/product_form.html",
        {
            "form": form,
            "line": line,
            "product": product,
            "title": f"修改产品：{product.name}",
            "breadcrumbs": [(product.name, product.get_absolute_url()), ("修改", None)],
        },
    )


@login_required
@require_POST
def product_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _submit_and_redirect(request, _product_or_404(request, pk))


@login_required
def change_create(request: HttpRequest, pk: int) -> HttpResponse:
    product = _product_or_404(request, pk)
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
            _form_error(form, exc, {"fee_fen": "fee"})
        else:
            if change.needs_full_review:
                messages.warning(request, "资费上调，本申请将按产品新增流程审核。")
            else:
                messages.success(request, "变更申请已提交。")
            return redirect(change)
    return render(
        request,
        "catalog/change_form.html",
        {
            "form": form,
            "product": product,
            "title": f"产品变更：{product.name}",
            "breadcrumbs": [(product.name, product.get_absolute_url()), ("产品变更", None)],
        },
    )


# --- shared detail pages --------------------------------------------------------------------


@login_required
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    product = _product_or_404(request, pk)
    user = request.user
    is_member = queries.partner_of(user) is not None and queries.partner_of(user).pk == product.partner_id
    review_form = ReviewForm(
        initial={"product_code": product.product_code or queries.suggest_product_code(product.business_line)}
    )
    ctx = {
        "product": product,
        "title": product.name,
        "effective": queries.effective_status(product),
        "versions": product.versions.order_by("-valid_from"),
        "test_cases": product.test_cases.select_related("recorded_by"),
        "changes": product.change_requests.order_by("-id"),
        "materials": product.materials.all(),
        "is_member": is_member,
        "can_review": user.has_perm("catalog.review_product") and product.state == Product.State.SUBMITTED,
        "can_manage": user.has_perm("catalog.manage_product"),
        "review_form": review_form,
        "details": [
            (spec.get("label", spec["name"]), (product.details or {}).get(spec["name"], ""))
            for spec in product.business_line.extra_fields or []
        ],
        "breadcrumbs": [
            ("我的产品", reverse("catalog:my_products"))
            if is_member
            else ("产品目录", reverse("catalog:products")),
            (product.name, None),
        ],
    }
    return render(request, "catalog/product_detail.html", ctx)


@login_required
@require_POST
def product_review(request: HttpRequest, pk: int) -> HttpResponse:
    product = _product_or_404(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审核结论。")
        return redirect(product)
    try:
        actions.review_product(
            product,
            actor=request.user,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
            product_code=form.cleaned_data["product_code"],
        )
        messages.success(request, "审核结论已保存。")
    except DomainError as exc:
        messages.error(request, exc.full_message)
    return redirect(product)


PRODUCT_OPS = {
    "finish_configuration": "数据制作完成，进入测试。",
    "complete_testing": "测试通过，产品已上线。",
    "fail_testing": "已退回数据制作。",
    "suspend": "产品已暂停。",
    "resume": "产品已恢复。",
    "retire": "产品已下线。",
    "record_test": "测试结果已登记。",
    "add_test_case": "已增加测试项。",
}


@login_required
@require_POST
def product_action(request: HttpRequest, pk: int) -> HttpResponse:
    product = _product_or_404(request, pk)
    op = request.POST.get("op", "")
    if op not in PRODUCT_OPS:
        raise Http404
    reason = request.POST.get("reason", "")
    try:
        if op == "finish_configuration":
            actions.finish_configuration(product, actor=request.user, note=reason)
        elif op == "complete_testing":
            actions.complete_testing(product, actor=request.user)
        elif op == "fail_testing":
            actions.fail_testing(product, actor=request.user, reason=reason)
        elif op == "suspend":
            actions.suspend_product(
                product, actor=request.user, reason=reason, block_port=request.POST.get("block_port") == "1"
            )
        elif op == "resume":
            actions.resume_product(product, actor=request.user, reason=reason)
        elif op == "retire":
            actions.retire_product(product, actor=request.user, reason=reason)
        elif op == "add_test_case":
            actions.add_test_case(product, actor=request.user, name=request.POST.get("name", ""))
        elif op == "record_test":
            case = ProductTestCase.objects.filter(product=product, pk=request.POST.get("case") or 0).first()
            if case is None:
                raise Http404
            actions.record_test_result(
                case,
                actor=request.user,
                passed=request.POST.get("passed") == "1",
                note=request.POST.get("note", ""),
            )
        messages.success(request, PRODUCT_OPS[op])
    except DomainError as exc:
        if exc.status == 403:
            raise DjangoPermissionDenied(exc.message) from exc
        messages.error(request, exc.full_message)
    return redirect(product)


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
        "title": f"产品变更 #{change.pk}",
        "can_review": request.user.has_perm(perm) and change.state == change.State.SUBMITTED,
        "materials": change.materials.all(),
        "notice": change.notification_file
        if change.notification_file and documents.can_download(request.user, change.notification_file)
        else None,
        "breadcrumbs": [
            (change.product.name, change.product.get_absolute_url()),
            (f"变更 #{change.pk}", None),
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
        messages.error(request, "请选择审核结论。")
        return redirect(change)
    try:
        actions.review_change(
            change, actor=request.user, decision=decision, reason=request.POST.get("reason", "")
        )
        messages.success(request, "审核结论已保存。")
    except DomainError as exc:
        messages.error(request, exc.full_message)
    return redirect(change)


# --- console --------------------------------------------------------------------------------


@method_decorator(login_required, name="dispatch")
class ProductListView(ObjectListView):
    title = "产品目录"
    export_name = "products"
    empty_text = "目录中还没有产品；合作伙伴在门户提交新增产品后会出现在“产品审核”中。"
    config = ListConfig(columns=[])

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not request.user.has_perm("catalog.view_product"):
            raise DjangoPermissionDenied
        self.config = ListConfig(
            columns=[Column("partner__name", "合作伙伴", sort="partner__name"), *COLUMNS],
            filters=_filters(),
            search_fields=["name", "product_code", "access_number", "partner__name"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[Product]:
        return queries.visible_products(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["breadcrumbs"] = [("产品目录", None)]
        if self.request.user.has_perm("catalog.manage_product"):
            ctx["create_url"] = ("批量导入", reverse("catalog:product_import"))
        return ctx


REVIEW_QUEUE_PAGE_SIZE = 25


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.has_perm("catalog.review_product") or user.has_perm("catalog.review_change")):
        raise DjangoPermissionDenied
    # Oldest first, one page of each queue at a time: at province scale a thousand pending
    # products would otherwise all be rendered on every visit.
    products = Paginator(
        queries.review_queue_products().order_by("submitted_at", "pk"), REVIEW_QUEUE_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    changes = Paginator(
        queries.review_queue_changes().order_by("created_at", "pk"), REVIEW_QUEUE_PAGE_SIZE
    ).get_page(request.GET.get("cpage"))
    return render(
        request,
        "catalog/review_queue.html",
        {
            "products": products,
            "changes": changes,
            "title": "产品审核",
            "breadcrumbs": [("产品审核", None)],
        },
    )


@method_decorator(login_required, name="dispatch")
class BusinessLineListView(ObjectListView):
    title = "业务线"
    export_name = "business-lines"
    config = ListConfig(
        columns=[
            Column("code", "代码", link=True, sort="code"),
            Column("name", "名称"),
            Column("service_type", "业务类型代码", sort="service_type"),
            Column("vas_systems", "涉及系统", accessor=lambda b: "、".join(b.vas_systems or [])),
            Column("is_active", "启用"),
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
        ctx["create_url"] = ("新增业务线", reverse("catalog:business_line_new"))
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
            messages.success(request, "业务线已保存。")
            return redirect("catalog:business_lines")
        except DomainError as exc:
            _form_error(form, exc)
    return render(
        request,
        "catalog/business_line_form.html",
        {
            "form": form,
            "line": line,
            "title": f"业务线：{line.name}" if line else "新增业务线",
            "breadcrumbs": [
                ("业务线", reverse("catalog:business_lines")),
                (line.name if line else "新增", None),
            ],
        },
    )


# --- bulk import (staff) --------------------------------------------------------------------


def _require_perm(request: HttpRequest, *perms: str) -> None:
    if not all(request.user.has_perm(p) for p in perms):
        raise DjangoPermissionDenied


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=importing.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def product_import(request: HttpRequest) -> HttpResponse:
    _require_perm(request, "catalog.manage_product", "catalog.review_product")
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
            _form_error(form, exc)
        else:
            state = "已上线" if form.cleaned_data["already_live"] else "草稿"
            messages.success(request, f"已导入 {len(created)} 个产品（{state}）。")
            return redirect("catalog:products")
    return render(
        request,
        "catalog/product_import.html",
        {
            "form": form,
            "refused": refused,
            "title": "产品批量导入",
            "breadcrumbs": [("产品目录", reverse("catalog:products")), ("批量导入", None)],
        },
        status=400 if refused is not None or form.errors else 200,
    )


@login_required
def product_import_template(request: HttpRequest) -> HttpResponse:
    _require_perm(request, "catalog.manage_product")
    return _xlsx(importing.template_bytes(), "product-import-template.xlsx")


# --- resource pools: 通道配额 and E1 lines (staff) -------------------------------------------


POOLS_CRUMB = "资源池"


@method_decorator(login_required, name="dispatch")
class PoolListView(ObjectListView):
    title = "资源池"
    export_name = "resource-pools"
    empty_text = (
        "还没有资源池。点击“新增资源池”配置企业代码、业务接入号号段（准入通过时分配），"
        "或为业务线配置通道配额、E1 线路及其容量。"
    )
    config = ListConfig(
        columns=[
            Column("name", "名称", link=True, sort="name"),
            Column("kind", "资源类型", sort="kind"),
            Column("business_line__name", "业务线", sort="business_line__sort_order"),
            Column("capacity", "容量", accessor=queries.pool_capacity),
            Column("used", "已占用", sort="used"),
            Column("free", "剩余", accessor=queries.pool_free),
            Column("is_active", "启用", accessor=lambda p: "是" if p.is_active else "否"),
        ],
        filters=[Filter("kind", "资源类型", list(ResourcePool.Kind.choices))],
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
            ctx["create_url"] = ("新增资源池", reverse("catalog:pool_new"))
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
    _require_perm(request, "catalog.view_resourcepool")
    return _render_pool(request, _pool_or_404(pk))


@login_required
def pool_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_perm(request, "catalog.manage_resources")
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
            _form_error(form, exc)
        else:
            messages.success(request, "资源池已保存。")
            return redirect(saved)
    return render(
        request,
        "catalog/pool_form.html",
        {
            "form": form,
            "pool": pool,
            "title": f"修改资源池：{pool.name}" if pool else "新增资源池",
            "breadcrumbs": [
                (POOLS_CRUMB, reverse("catalog:pools")),
                (pool.name if pool else "新增", None),
            ],
        },
    )


@login_required
@require_POST
def pool_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    _require_perm(request, "catalog.manage_resources")
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
            _form_error(form, exc)
        else:
            messages.success(request, "已分配。")
            return redirect(pool)
    return _render_pool(request, pool, form)


@login_required
@require_POST
def allocation_release(request: HttpRequest, pk: int) -> HttpResponse:
    _require_perm(request, "catalog.manage_resources")
    allocation = ResourceAllocation.objects.filter(pk=pk).select_related("pool").first()
    if allocation is None:
        raise Http404
    try:
        actions.release_resource(allocation, actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, "已释放。")
    except DomainError as exc:
        messages.error(request, exc.full_message)
    return redirect(allocation.pool)
