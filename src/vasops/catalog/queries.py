"""Read side of the catalogue. Everything a partner user reaches is scoped to their partner;
another partner's product is simply not there (404)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import IntegerField, Max, Q, QuerySet, Sum
from django.db.models.functions import Cast, Substr
from django.utils.translation import gettext

from vasops.catalog import rules
from vasops.catalog.errors import CatalogError
from vasops.catalog.models import (
    BusinessLine,
    Product,
    ProductChangeRequest,
    ProductVersion,
    ResourceAllocation,
    ResourcePool,
)
from vasops.core.errors import NotFound
from vasops.partners import queries as partner_queries

VIEW = "catalog.view_product"


def business_line_choices() -> list[tuple[str, str]]:
    """(code, name) of the active business lines, in display order; the name in the reader's
    language (``BusinessLine.label``)."""
    return [(line.code, line.label) for line in BusinessLine.objects.filter(is_active=True)]


def active_business_lines() -> QuerySet[BusinessLine]:
    return BusinessLine.objects.filter(is_active=True)


def visible_products(user: Any) -> QuerySet[Product]:
    """Staff holding catalog.view_product: all; a partner user: their own; anyone else: none."""
    qs = Product.objects.select_related("partner", "business_line")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.has_perm(VIEW):
        return qs
    partner = partner_queries.partner_of(user)
    if partner is None:
        return qs.none()
    return qs.filter(partner=partner)


def visible_change_requests(user: Any) -> QuerySet[ProductChangeRequest]:
    qs = ProductChangeRequest.objects.select_related("product", "partner", "product__business_line")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.has_perm(VIEW):
        return qs
    partner = partner_queries.partner_of(user)
    if partner is None:
        return qs.none()
    return qs.filter(partner=partner)


def get_product(user: Any, pk: int) -> Product:
    product = visible_products(user).filter(pk=pk).first()
    if product is None:
        raise NotFound()
    return product


def get_change_request(user: Any, pk: int) -> ProductChangeRequest:
    change = visible_change_requests(user).filter(pk=pk).first()
    if change is None:
        raise NotFound()
    return change


def review_queue_products() -> QuerySet[Product]:
    return Product.objects.filter(state=Product.State.SUBMITTED).select_related("partner", "business_line")


def review_queue_changes() -> QuerySet[ProductChangeRequest]:
    return ProductChangeRequest.objects.filter(state=ProductChangeRequest.State.SUBMITTED).select_related(
        "product", "partner"
    )


def version_at(product: Product | int, when: dt.datetime) -> ProductVersion:
    """The version of ``product`` valid at the aware instant ``when`` (one query). Raises
    DomainError catalog.no_version when none is (the product was not live then)."""
    product_id = product if isinstance(product, int) else product.pk
    version = (
        ProductVersion.objects.filter(product_id=product_id, valid_from__lte=when)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=when))
        .order_by("-valid_from")
        .first()
    )
    if version is None:
        raise NotFound(
            gettext("该产品在 %(when)s 没有生效的版本。") % {"when": format(when, "%Y-%m-%d %H:%M")},
            code_detail=CatalogError.NO_VERSION,
        )
    return version


def effective_status(product: Product) -> rules.EffectiveStatus:
    """Effective status along partner → product (PRM.md §5.2): VAC reads this, never the
    product row alone. A paused partner keeps existing subscribers but refuses new orders;
    frozen or exited refuses all."""
    partner = product.partner
    partner_code = rules.partner_a7_code(getattr(partner, "unicom_status", None), partner.state)
    return rules.effective_status(partner_code, product.unicom_status or "")


def suggest_product_code(line: BusinessLine) -> str:
    """A free product code for ``line``: the service type + 6-digit service number + '01'."""
    # The highest service number in use, computed in the database (one row back, not every code
    # of the line: thousands at province scale).
    used = Product.objects.filter(product_code__startswith=line.service_type).aggregate(
        n=Max(Cast(Substr("product_code", 3, 6), IntegerField()))
    )["n"]
    n = (440000 if used is None else used) + 1
    return f"{line.service_type}{n:06d}01"


def pending_change(product: Product) -> ProductChangeRequest | None:
    return product.change_requests.filter(
        state__in=[ProductChangeRequest.State.SUBMITTED, ProductChangeRequest.State.APPROVED]
    ).first()


# --- resource pools -------------------------------------------------------------------------


def pool_used(pool: ResourcePool) -> int:
    """What ``pool`` has out now: numbers held, or channels / E1 lines held (not released)."""
    total = ResourceAllocation.objects.filter(pool=pool, released_at__isnull=True).aggregate(
        n=Sum("quantity")
    )
    return int(total["n"] or 0)


def pool_capacity(pool: ResourcePool) -> int:
    """How much ``pool`` can give out: its capacity; a number pool at most the numbers it lists
    (capacity 0 = all of them)."""
    if pool.kind not in rules.NUMBER_KINDS:
        return pool.capacity
    size = rules.number_pool_size(
        pool.range_start, pool.range_end, rules.parse_numbers(pool.explicit_numbers)
    )
    return rules.number_pool_capacity(pool.capacity, size)


def pool_free(pool: ResourcePool) -> int:
    used = getattr(pool, "used", None)
    return max(pool_capacity(pool) - (pool_used(pool) if used is None else used), 0)


def pool_candidates(pool: ResourcePool) -> list[str]:
    """The numbers a number pool lists, in order: the explicit ones, then the range."""
    numbers = rules.parse_numbers(pool.explicit_numbers)
    if pool.range_start and pool.range_end:
        numbers += list(rules.range_numbers(pool.range_start, pool.range_end))
    return numbers


def held_numbers(kind: str) -> set[str]:
    """Numbers of ``kind`` held now by an allocation of any pool."""
    rows = ResourceAllocation.objects.filter(kind=kind, released_at__isnull=True).exclude(number="")
    return set(rows.values_list("number", flat=True))


def pools_with_usage() -> QuerySet[ResourcePool]:
    """Every pool with ``used`` annotated (staff page)."""
    return ResourcePool.objects.select_related("business_line").annotate(
        used=Sum("allocations__quantity", filter=Q(allocations__released_at__isnull=True), default=0)
    )


def pool_allocations(pool: ResourcePool) -> QuerySet[ResourceAllocation]:
    return pool.allocations.select_related("partner", "product", "allocated_by", "released_by").order_by(
        "released_at", "-allocated_at"
    )


def full_line_resources(lines: Iterable[BusinessLine]) -> list[str]:
    """Why each of ``lines`` is full: one message per active 通道配额 / E1 pool of theirs that has
    nothing left to give (seed 第二章 二、4: a business whose access resources are full is not
    admitted)."""
    pools = pools_with_usage().filter(
        business_line__in=list(lines), kind__in=rules.LINE_KINDS, is_active=True
    )
    messages = []
    for pool in pools.order_by("business_line__sort_order", "kind"):
        used = int(pool.used)  # type: ignore[attr-defined]
        if pool.business_line is not None and used >= pool.capacity:
            messages.append(
                rules.line_resources_full_message(pool.business_line.label, pool.kind, pool.capacity, used)
            )
    return messages


def products_by_code(codes: list[str]) -> set[str]:
    """Which of ``codes`` are already taken by a product."""
    taken = Product.objects.filter(product_code__in=codes).values_list("product_code", flat=True)
    return {c for c in taken if c}
