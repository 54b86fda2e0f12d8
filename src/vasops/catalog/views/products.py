"""Product pages: the partner's products and product-new forms (portal), the catalogue, the
review queue, review and operations (console), and the shared detail page."""

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
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from vasops.catalog import actions, queries
from vasops.catalog.forms import ProductForm, ReviewForm
from vasops.catalog.labels import extra_field_label
from vasops.catalog.models import BillingMode, BusinessLine, Product, ProductTestCase, ProductType
from vasops.catalog.views.common import form_error, own_partner, product_or_404
from vasops.core.errors import DomainError
from vasops.core.listing import Column, Filter, ListConfig, ObjectListView
from vasops.core.rules import format_fen
from vasops.partners import queries as partner_queries

COLUMNS = [
    Column("name", gettext_lazy("产品名称"), link=True, sort="name"),
    Column("product_code", gettext_lazy("产品代码"), sort="product_code"),
    Column("business_line__name", gettext_lazy("业务线"), accessor=lambda p: p.business_line.label),
    Column("access_number", gettext_lazy("接入号")),
    Column("product_type", gettext_lazy("类型")),
    Column("billing_mode", gettext_lazy("计费方式")),
    Column("fee", gettext_lazy("资费（元）"), accessor=lambda p: format_fen(p.fee_fen)),
    Column("state", gettext_lazy("状态"), badge=True, accessor=lambda p: p.get_state_display()),
    Column("effective", gettext_lazy("生效状态"), accessor=lambda p: queries.effective_status(p).label),
]


def _filters() -> list[Filter]:
    return [
        Filter("line", gettext("业务线"), queries.business_line_choices, lookup="business_line__code"),
        Filter("state", gettext("状态"), list(Product.State.choices)),
        Filter("type", gettext("产品类型"), list(ProductType.choices), lookup="product_type"),
        Filter("billing", gettext("计费方式"), list(BillingMode.choices), lookup="billing_mode"),
    ]


@method_decorator(login_required, name="dispatch")
class MyProductsView(ObjectListView):
    title = gettext_lazy("我的产品")
    export_name = "my-products"
    empty_text = gettext_lazy("还没有产品。点击“新增产品”按业务线填写附件2《新增产品申请资料》。")
    config = ListConfig(columns=COLUMNS, filters=[], search_fields=["name", "product_code", "access_number"])

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            own_partner(request)
        self.config = ListConfig(
            columns=COLUMNS, filters=_filters(), search_fields=["name", "product_code", "access_number"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[Product]:
        return queries.visible_products(self.request.user).filter(partner=own_partner(self.request))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        url = reverse("catalog:product_create")
        ctx.update(
            create_url=("新增产品", url), empty_action=("新增产品", url), breadcrumbs=[("我的产品", None)]
        )
        return ctx


@login_required
def product_create(request: HttpRequest) -> HttpResponse:
    partner = own_partner(request)
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
            form_error(form, exc, {"fee_fen": "fee"})
        else:
            if "submit" in request.POST:
                return _submit_and_redirect(request, product)
            messages.success(request, gettext("已保存草稿。确认无误后点击“提交审核”。"))
            return redirect(product)
    lines = BusinessLine.objects.filter(is_active=True)
    return render(
        request,
        "catalog/product_form.html",
        {
            "form": form,
            "line": line,
            "lines": lines,
            "title": gettext("新增产品"),
            "breadcrumbs": [
                (gettext("我的产品"), reverse("catalog:my_products")),
                (gettext("新增产品"), None),
            ],
        },
    )


def _submit_and_redirect(request: HttpRequest, product: Product) -> HttpResponse:
    try:
        actions.submit_product(product, actor=request.user)
        messages.success(request, gettext("已提交审核，产品创新部审核后会通知您。"))
    except DomainError as exc:
        messages.error(request, exc.full_message)
    return redirect(product)


@login_required
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    product = product_or_404(request, pk)
    if product.state != Product.State.DRAFT:
        messages.error(request, gettext("只有草稿或被退回的产品可以修改。"))
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
            form_error(form, exc, {"fee_fen": "fee"})
        else:
            if "submit" in request.POST:
                return _submit_and_redirect(request, product)
            messages.success(request, gettext("已保存。"))
            return redirect(product)
    return render(
        request,
        "catalog/product_form.html",
        {
            "form": form,
            "line": line,
            "product": product,
            "title": gettext("修改产品：%(name)s") % {"name": product.name},
            "breadcrumbs": [(product.name, product.get_absolute_url()), (gettext("修改"), None)],
        },
    )


@login_required
@require_POST
def product_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _submit_and_redirect(request, product_or_404(request, pk))


@login_required
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    product = product_or_404(request, pk)
    user = request.user
    own = partner_queries.partner_of(user)
    is_member = own is not None and own.pk == product.partner_id
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
            (extra_field_label(spec), (product.details or {}).get(spec["name"], ""))
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
    product = product_or_404(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("请选择审核结论。"))
        return redirect(product)
    try:
        actions.review_product(
            product,
            actor=request.user,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
            product_code=form.cleaned_data["product_code"],
        )
        messages.success(request, gettext("审核结论已保存。"))
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
    product = product_or_404(request, pk)
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


@method_decorator(login_required, name="dispatch")
class ProductListView(ObjectListView):
    title = gettext_lazy("产品目录")
    export_name = "products"
    empty_text = gettext_lazy("目录中还没有产品；合作伙伴在门户提交新增产品后会出现在“产品审核”中。")
    config = ListConfig(columns=[])

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not request.user.has_perm("catalog.view_product"):
            raise DjangoPermissionDenied
        self.config = ListConfig(
            columns=[Column("partner__name", gettext("合作伙伴"), sort="partner__name"), *COLUMNS],
            filters=_filters(),
            search_fields=["name", "product_code", "access_number", "partner__name"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[Product]:
        return queries.visible_products(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["breadcrumbs"] = [("产品目录", None)]
        # the import page needs both (catalog/views/product_import.py): offer it only then
        if self.request.user.has_perms(["catalog.manage_product", "catalog.review_product"]):
            ctx["create_url"] = (gettext("批量导入"), reverse("catalog:product_import"))
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
            "title": gettext("产品审核"),
            "breadcrumbs": [(gettext("产品审核"), None)],
        },
    )
