"""Resource pools: 企业代码, 业务接入号, 通道配额, E1 lines — one pool model, one allocation act."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from vasops.catalog import queries, rules
from vasops.catalog.actions.common import MANAGE_RESOURCES, actor_user
from vasops.catalog.errors import CatalogError
from vasops.catalog.events import CatalogEvent
from vasops.catalog.models import BusinessLine, Product, ResourceAllocation, ResourcePool
from vasops.core import audit, clock, notify
from vasops.core.errors import DomainError, required_text
from vasops.core.marks import gettext_noop
from vasops.core.permissions import require
from vasops.partners import queries as partner_queries
from vasops.partners.models import Partner

POOL_FIELDS = [
    "business_line_id",
    "kind",
    "name",
    "range_start",
    "range_end",
    "explicit_numbers",
    "capacity",
    "note",
    "is_active",
]


ALLOCATION_FIELDS = [
    "pool_id",
    "kind",
    "number",
    "partner_id",
    "product_id",
    "quantity",
    "reason",
    "released_at",
]


def _locked_pool(pool: ResourcePool | int) -> ResourcePool:
    """The pool row locked: allocations of one pool are serialised on it."""
    pk = pool if isinstance(pool, int) else pool.pk
    return ResourcePool.objects.select_for_update(of=("self",)).select_related("business_line").get(pk=pk)


def _record_allocation(
    pool: ResourcePool, allocation: ResourceAllocation, *, actor: Any, used: int, reason: notify.Message
) -> None:
    audit.record(
        actor=actor or "system",
        action=CatalogEvent.RESOURCE_ALLOCATED,
        obj=pool,
        partner_id=allocation.partner_id,
        before={"used": used},
        after={**audit.snapshot(allocation, ALLOCATION_FIELDS), "used": used + allocation.quantity},
        reason=reason,
    )


def _grant(
    pool: ResourcePool,
    *,
    actor: Any,
    partner: Partner,
    quantity: int,
    product: Product | None,
    reason: notify.Message,
) -> ResourceAllocation:
    """Take ``quantity`` channels / E1 lines from the locked ``pool`` or refuse with
    catalog.resource_pool_full."""
    used = queries.pool_used(pool)
    problem = rules.pool_full_problem(str(pool), pool.capacity, used, quantity)
    if problem:
        raise DomainError(CatalogError.RESOURCE_POOL_FULL, problem, status=409, field="quantity")
    allocation = ResourceAllocation.objects.create(
        pool=pool,
        kind=pool.kind,
        partner=partner,
        product=product,
        quantity=quantity,
        reason=notify.plain(reason),
        reason_message=notify.stored(reason),
        allocated_by=actor_user(actor),
    )
    _record_allocation(pool, allocation, actor=actor, used=used, reason=reason)
    return allocation


def _take_number(
    pools: list[ResourcePool], kind: str, *, actor: Any, partner: Partner, reason: notify.Message
) -> ResourceAllocation:
    """The next free number of ``kind`` from the locked ``pools`` (in order), within each pool's
    capacity, skipping numbers held by an allocation or already on a partner; refuse with
    catalog.resource_pool_full (naming 第二章 二、4) when none has room."""
    taken = queries.held_numbers(kind) | partner_queries.assigned_numbers(kind)
    for pool in pools:
        used = queries.pool_used(pool)
        if used >= queries.pool_capacity(pool):
            continue
        for number in queries.pool_candidates(pool):
            if number in taken:
                continue
            try:
                with transaction.atomic():
                    allocation = ResourceAllocation.objects.create(
                        pool=pool,
                        kind=kind,
                        number=number,
                        partner=partner,
                        quantity=1,
                        reason=notify.plain(reason),
                        reason_message=notify.stored(reason),
                        allocated_by=actor_user(actor),
                    )
            except IntegrityError:
                taken.add(number)
                continue
            _record_allocation(pool, allocation, actor=actor, used=used, reason=reason)
            return allocation
    raise DomainError(
        CatalogError.RESOURCE_POOL_FULL,
        rules.number_pools_exhausted_problem(kind),
        status=409,
        clause=rules.CLAUSE_RESOURCE,
    )


def take_channel(product: Product, *, actor: Any) -> ResourceAllocation | None:
    """A product of a line that needs a channel holds one channel of the line's 通道配额 pool
    from its submission (kept across return-and-resubmit; released on rejection/retirement)."""
    line = product.business_line
    if not line.needs_channel:
        return None
    held = product.resource_allocations.filter(
        pool__kind=ResourcePool.Kind.CHANNEL, released_at__isnull=True
    ).first()
    if held is not None:
        return held
    pool = ResourcePool.objects.filter(
        business_line=line, kind=ResourcePool.Kind.CHANNEL, is_active=True
    ).first()
    if pool is None:
        raise DomainError(
            CatalogError.RESOURCE_POOL_MISSING,
            gettext("业务线“%(line_name)s”需要通道，但尚未配置可用的通道配额资源池；请联系产品创新部。")
            % {"line_name": line.label},
            status=409,
        )
    return _grant(
        _locked_pool(pool),
        actor=actor,
        partner=product.partner,
        quantity=1,
        product=product,
        reason=notify.text(gettext_noop("产品“%(name)s”提交审核占用通道"), name=product.name),
    )


def _release(allocation: ResourceAllocation, *, actor: Any, reason: notify.Message) -> ResourceAllocation:
    pool = _locked_pool(allocation.pool_id)
    used = queries.pool_used(pool)
    allocation.released_at = clock.now()
    allocation.released_by = actor_user(actor)
    allocation.release_reason = notify.plain(reason)[:500]
    allocation.save(update_fields=["released_at", "released_by", "release_reason"])
    audit.record(
        actor=actor,
        action=CatalogEvent.RESOURCE_RELEASED,
        obj=pool,
        partner_id=allocation.partner_id,
        before={"used": used},
        after={**audit.snapshot(allocation, ALLOCATION_FIELDS), "used": used - allocation.quantity},
        reason=reason,
    )
    return allocation


def release_product_resources(product: Product, *, actor: Any, reason: notify.Message) -> None:
    for allocation in ResourceAllocation.objects.select_for_update().filter(
        product=product, released_at__isnull=True
    ):
        _release(allocation, actor=actor, reason=reason)


def _check_pool_definition(
    kind: str,
    business_line: BusinessLine | None,
    *,
    range_start: str,
    range_end: str,
    explicit: list[str],
    capacity: int,
) -> None:
    if kind in rules.NUMBER_KINDS:
        if business_line is not None:
            raise DomainError(
                CatalogError.INVALID_POOL,
                gettext("企业代码与业务接入号资源池不分业务线。"),
                field="business_line",
            )
        msgs = rules.number_pool_problems(kind, range_start, range_end, explicit, capacity)
        if msgs:
            raise DomainError(CatalogError.INVALID_POOL, "；".join(msgs), field="range_start")
    elif business_line is None:
        raise DomainError(
            CatalogError.INVALID_POOL,
            gettext("通道配额与 E1 线路资源池须选择业务线。"),
            field="business_line",
        )
    elif range_start or range_end or explicit:
        raise DomainError(
            CatalogError.INVALID_POOL, gettext("通道配额与 E1 线路资源池没有号段。"), field="range_start"
        )


@transaction.atomic(durable=True)
def save_resource_pool(
    *,
    actor: Any,
    kind: str,
    name: str,
    capacity: int = 0,
    business_line: BusinessLine | None = None,
    range_start: str = "",
    range_end: str = "",
    explicit_numbers: str = "",
    note: str = "",
    is_active: bool = True,
    pool: ResourcePool | None = None,
) -> ResourcePool:
    """Create a pool or change an existing one (name, capacity, numbers, note, active flag):
    企业代码 / 业务接入号 pools list a range and/or numbers (capacity 0 = all of them); 通道配额 /
    E1 pools are one per business line and kind. The capacity never drops below what is held."""
    require(actor, MANAGE_RESOURCES)
    if pool is not None:
        pool = _locked_pool(pool)
        kind, business_line = pool.kind, pool.business_line
    if kind not in ResourcePool.Kind.values:
        raise DomainError(CatalogError.INVALID_POOL, gettext("未知的资源类型。"), field="kind")
    name = (name or "").strip()
    if not name:
        raise DomainError(CatalogError.INVALID_POOL, gettext("请填写资源池名称。"), field="name")
    range_start, range_end = (range_start or "").strip(), (range_end or "").strip()
    explicit = rules.parse_numbers(explicit_numbers)
    _check_pool_definition(
        kind,
        business_line,
        range_start=range_start,
        range_end=range_end,
        explicit=explicit,
        capacity=capacity,
    )
    if pool is None:
        if (
            business_line is not None
            and ResourcePool.objects.filter(business_line=business_line, kind=kind).exists()
        ):
            raise DomainError(
                CatalogError.INVALID_POOL,
                gettext("业务线“%(business_line_name)s”已有%(pool_kind)s资源池，请修改它的容量。")
                % {"business_line_name": business_line.label, "pool_kind": rules.POOL_KIND_LABELS[kind]},
                field="kind",
            )
        used, before = 0, None
        pool = ResourcePool(business_line=business_line, kind=kind)
    else:
        used = queries.pool_used(pool)
        before = audit.snapshot(pool, POOL_FIELDS)
    if kind in rules.NUMBER_KINDS:
        effective = rules.number_pool_capacity(
            capacity, rules.number_pool_size(range_start, range_end, explicit)
        )
        if effective < used:
            raise DomainError(
                CatalogError.INVALID_POOL,
                gettext("容量不能小于当前已分配的号码数 %(used)s。") % {"used": used},
                field="capacity",
            )
    else:
        problem = rules.capacity_problem(capacity, used)
        if problem:
            raise DomainError(CatalogError.INVALID_POOL, problem, field="capacity")
    pool.name, pool.capacity, pool.note, pool.is_active = name, capacity, (note or "").strip(), is_active
    pool.range_start, pool.range_end, pool.explicit_numbers = range_start, range_end, "\n".join(explicit)
    pool.save()
    audit.record(
        actor=actor,
        action=CatalogEvent.POOL_SAVED,
        obj=pool,
        before=before,
        after=audit.snapshot(pool, POOL_FIELDS),
    )
    return pool


@transaction.atomic  # nested: see the docstring
def allocate_resource(
    pool: ResourcePool | None = None,
    *,
    actor: Any,
    partner: Partner,
    kind: str | None = None,
    quantity: int = 1,
    reason: notify.Message = "",
    product: Product | None = None,
) -> ResourceAllocation:
    """The one way to take a resource. Channels / E1 lines: ``quantity`` of ``pool`` to
    ``partner``. Numbers: the next free enterprise code / service access number of ``pool``, or
    — given only ``kind`` — of the active pools of that kind in order (the admission decision).
    A full pool refuses with catalog.resource_pool_full naming the pool and its capacity.

    ``actor`` holds catalog.manage_resources, or is None when the allocation is the consequence of
    an act already permission-checked (an acceptance decision): audited as the system. Runs inside
    that decision's transaction, so a plain, not durable, atomic."""
    if actor is not None:
        require(actor, MANAGE_RESOURCES)
    reason = notify.stripped(reason or "")
    if pool is None:
        if kind not in rules.NUMBER_KINDS:
            raise DomainError(CatalogError.INVALID_POOL, gettext("请选择资源池。"), field="pool")
        pools = list(
            ResourcePool.objects.select_for_update().filter(kind=kind, is_active=True).order_by("id")
        )
        return _take_number(pools, kind, actor=actor, partner=partner, reason=reason)
    pool = _locked_pool(pool)
    if not pool.is_active:
        raise DomainError(
            CatalogError.INVALID_POOL, gettext("资源池“%(pool)s”已停用。") % {"pool": pool}, status=409
        )
    if quantity < 1:
        raise DomainError(CatalogError.INVALID_POOL, gettext("分配数量至少为 1。"), field="quantity")
    if product is not None and product.partner_id != partner.pk:
        raise DomainError(CatalogError.INVALID_POOL, gettext("所选产品不属于该合作伙伴。"), field="product")
    if pool.kind in rules.NUMBER_KINDS:
        if quantity != 1:
            raise DomainError(CatalogError.INVALID_POOL, gettext("号码每次分配 1 个。"), field="quantity")
        return _take_number([pool], pool.kind, actor=actor, partner=partner, reason=reason)
    return _grant(pool, actor=actor, partner=partner, quantity=quantity, product=product, reason=reason)


@transaction.atomic(durable=True)
def release_resource(allocation: ResourceAllocation, *, actor: Any, reason: str) -> ResourceAllocation:
    """Staff give an allocation back to its pool (with a reason)."""
    require(actor, MANAGE_RESOURCES)
    text = required_text(reason, CatalogError.REASON_REQUIRED, gettext("释放资源必须填写原因。"))
    allocation = ResourceAllocation.objects.select_for_update().get(pk=allocation.pk)
    if allocation.released_at is not None:
        raise DomainError(CatalogError.ALLOCATION_RELEASED, gettext("该分配已释放。"), status=409)
    return _release(allocation, actor=actor, reason=text)
