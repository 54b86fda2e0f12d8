"""Resource pools (通道配额 / E1 lines per business line): capacity boundaries, the channel a
product takes at submission, permission and audit of each action, staff pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from vasops.catalog import actions, rules
from vasops.catalog.models import ResourceAllocation, ResourcePool
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.models import AuditEvent

pytestmark = pytest.mark.django_db


# --- rules ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("used", "requested", "refused"),
    [
        (9, 1, False),  # capacity - 1 held: the last one is granted
        (10, 1, True),  # capacity held: full
        (11, 1, True),  # above capacity (capacity lowered earlier): still full
        (8, 2, False),
        (8, 3, True),
        (0, 10, False),
        (0, 11, True),
    ],
)
def test_pool_grants_only_while_used_plus_requested_fits_capacity_10(used, requested, refused):
    problem = rules.pool_full_problem("短信 · 通道配额 · 主池", 10, used, requested)
    assert (problem is not None) is refused
    if refused:
        assert "短信 · 通道配额 · 主池" in problem and "容量 10" in problem


@pytest.mark.parametrize(
    ("capacity", "used", "ok"), [(0, 0, False), (1, 0, True), (4, 5, False), (5, 5, True)]
)
def test_capacity_is_at_least_one_and_never_below_what_is_held(capacity, used, ok):
    assert (rules.capacity_problem(capacity, used) is None) is ok


# number pools (企业代码 / 业务接入号), formerly admission's


@pytest.mark.parametrize(
    ("code", "ok"),
    [("44000001", True), ("45000001", False), ("4400001", False), ("4400000a", False), ("440000011", False)],
)
def test_enterprise_code_is_8_digits_in_block_44(code: str, ok: bool) -> None:
    assert (rules.enterprise_code_problem(code) is None) is ok


def test_pool_definition_checks() -> None:
    assert rules.number_pool_problems("enterprise_code", "44000001", "44000010", [], 0) == []
    assert rules.number_pool_problems("enterprise_code", "44000001", "44000010", [], 11)  # capacity > size
    assert rules.number_pool_problems("enterprise_code", "44000010", "44000001", [], 0)  # reversed
    assert rules.number_pool_problems("enterprise_code", "", "", [], 0)  # empty
    assert rules.number_pool_problems("enterprise_code", "", "", ["45000001"], 0)  # wrong block
    assert rules.range_size("0998", "1001") == 4
    assert list(rules.range_numbers("0998", "1000")) == ["0998", "0999", "1000"]


# --- actions ----------------------------------------------------------------------------------


@pytest.fixture
def channel_line(sms):
    sms.needs_channel = True
    sms.save()
    return sms


@pytest.fixture
def make_pool(staff, sms):
    def _make(capacity: int, *, kind: str = "channel", line=None) -> ResourcePool:
        return actions.save_resource_pool(
            actor=staff, business_line=line or sms, kind=kind, name="主池", capacity=capacity
        )

    return _make


def _fill(pool, partner, staff, n):
    if n:
        actions.allocate_resource(pool, actor=staff, partner=partner, quantity=n, reason="预占")


@pytest.mark.parametrize(("held", "refused"), [(2, False), (3, True)])
def test_product_submission_on_a_channel_line_takes_a_channel_until_the_pool_is_full(
    channel_line, make_pool, make_product, partner_a, partner_b, user_a, staff, held, refused
):
    pool = make_pool(3)
    _fill(pool, partner_b, staff, held)
    product = make_product(partner_a, user_a)
    if refused:
        with pytest.raises(DomainError) as exc:
            actions.submit_product(product, actor=user_a)
        assert exc.value.code == "catalog.resource_pool_full"
        assert "主池" in exc.value.message and "容量 3" in exc.value.message
        product.refresh_from_db()
        assert product.state == "draft"
    else:
        actions.submit_product(product, actor=user_a)
        held_now = ResourceAllocation.objects.get(product=product, released_at__isnull=True)
        assert held_now.pool == pool and held_now.partner == partner_a


def test_submission_above_capacity_after_capacity_was_lowered_is_refused(
    channel_line, make_pool, make_product, partner_a, partner_b, user_a, staff
):
    pool = make_pool(4)
    _fill(pool, partner_b, staff, 4)
    # capacity + 1 held: the pool row says 3 but 4 are out (written directly: the action refuses)
    ResourcePool.objects.filter(pk=pool.pk).update(capacity=3)
    with pytest.raises(DomainError) as exc:
        actions.submit_product(make_product(partner_a, user_a), actor=user_a)
    assert exc.value.code == "catalog.resource_pool_full"


def test_submission_on_a_channel_line_without_a_pool_is_refused(
    channel_line, make_product, partner_a, user_a
):
    with pytest.raises(DomainError) as exc:
        actions.submit_product(make_product(partner_a, user_a), actor=user_a)
    assert exc.value.code == "catalog.resource_pool_missing"


def test_line_without_channel_needs_no_pool(make_product, partner_a, user_a):
    product = actions.submit_product(make_product(partner_a, user_a), actor=user_a)
    assert product.state == "submitted"
    assert not ResourceAllocation.objects.exists()


def test_resubmission_after_return_keeps_the_one_channel(
    channel_line, make_pool, make_product, partner_a, user_a, staff
):
    make_pool(1)
    product = actions.submit_product(make_product(partner_a, user_a), actor=user_a)
    actions.review_product(product, actor=staff, decision="return", reason="补材料")
    actions.submit_product(product, actor=user_a)  # the pool is full, but this product holds one
    assert ResourceAllocation.objects.filter(product=product, released_at__isnull=True).count() == 1


def test_rejection_releases_the_products_channel(
    channel_line, make_pool, make_product, partner_a, user_a, staff
):
    pool = make_pool(1)
    product = actions.submit_product(make_product(partner_a, user_a), actor=user_a)
    actions.review_product(product, actor=staff, decision="reject", reason="不符合要求")
    assert not ResourceAllocation.objects.filter(pool=pool, released_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action="catalog.resource_released").exists()


def test_allocate_beyond_capacity_names_pool_and_capacity(make_pool, partner_a, staff):
    pool = make_pool(2, kind="e1")
    actions.allocate_resource(pool, actor=staff, partner=partner_a, quantity=2)
    with pytest.raises(DomainError) as exc:
        actions.allocate_resource(pool, actor=staff, partner=partner_a, quantity=1)
    assert exc.value.code == "catalog.resource_pool_full"
    assert "E1 线路" in exc.value.message and "容量 2" in exc.value.message


def test_release_gives_capacity_back_and_is_audited(make_pool, partner_a, staff):
    pool = make_pool(1)
    allocation = actions.allocate_resource(pool, actor=staff, partner=partner_a)
    actions.release_resource(allocation, actor=staff, reason="合作伙伴退租")
    actions.allocate_resource(pool, actor=staff, partner=partner_a)  # room again
    entry = AuditEvent.objects.filter(action="catalog.resource_released").get()
    assert entry.reason == "合作伙伴退租" and entry.partner_id == partner_a.pk
    with pytest.raises(DomainError) as exc:
        actions.release_resource(allocation, actor=staff, reason="再次")
    assert exc.value.code == "catalog.allocation_released"


def test_release_needs_a_reason(make_pool, partner_a, staff):
    allocation = actions.allocate_resource(make_pool(1), actor=staff, partner=partner_a)
    with pytest.raises(DomainError) as exc:
        actions.release_resource(allocation, actor=staff, reason=" ")
    assert exc.value.code == "catalog.reason_required"


def test_allocation_is_audited_with_usage(make_pool, partner_a, staff):
    pool = make_pool(5)
    actions.allocate_resource(pool, actor=staff, partner=partner_a, quantity=2, reason="新开通")
    entry = AuditEvent.objects.filter(action="catalog.resource_allocated").get()
    assert entry.before == {"used": 0} and entry.after["used"] == 2 and entry.partner_id == partner_a.pk


def test_capacity_cannot_drop_below_what_is_held(make_pool, partner_a, staff):
    pool = make_pool(3)
    actions.allocate_resource(pool, actor=staff, partner=partner_a, quantity=2)
    with pytest.raises(DomainError) as exc:
        actions.save_resource_pool(
            actor=staff, pool=pool, business_line=pool.business_line, kind=pool.kind, name="主池", capacity=1
        )
    assert exc.value.code == "catalog.invalid_pool"
    pool = actions.save_resource_pool(
        actor=staff, pool=pool, business_line=pool.business_line, kind=pool.kind, name="主池", capacity=2
    )
    assert AuditEvent.objects.filter(action="catalog.pool_saved").count() == 2


def test_one_pool_per_line_and_kind(make_pool, staff, sms):
    make_pool(1)
    with pytest.raises(DomainError) as exc:
        make_pool(2)
    assert exc.value.code == "catalog.invalid_pool"


@pytest.mark.parametrize("who", ["user_a", "auditor"])
def test_pool_actions_need_manage_resources(request, make_pool, partner_a, sms, who):
    actor = request.getfixturevalue(who)
    pool = make_pool(2)
    allocation = actions.allocate_resource(pool, actor=request.getfixturevalue("staff"), partner=partner_a)
    with pytest.raises(PermissionDenied):
        actions.save_resource_pool(actor=actor, business_line=sms, kind="e1", name="x", capacity=1)
    with pytest.raises(PermissionDenied):
        actions.allocate_resource(pool, actor=actor, partner=partner_a)
    with pytest.raises(PermissionDenied):
        actions.release_resource(allocation, actor=actor, reason="x")


# --- pages ------------------------------------------------------------------------------------


def test_staff_page_lists_pools_with_usage_and_allocates(client, no_2fa, make_pool, partner_a, staff):
    pool = make_pool(2)
    client.force_login(staff)
    page = client.get(reverse("catalog:pools"))
    assert page.status_code == 200 and "主池" in page.content.decode()
    response = client.post(
        reverse("catalog:pool_allocate", args=[pool.pk]),
        {"partner": partner_a.pk, "quantity": 3, "reason": "x"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "已满" in body and "容量 2" in body  # refused next to the form
    response = client.post(
        reverse("catalog:pool_allocate", args=[pool.pk]),
        {"partner": partner_a.pk, "quantity": 2, "reason": "x"},
    )
    assert response.status_code == 302
    allocation = ResourceAllocation.objects.get()
    response = client.post(reverse("catalog:allocation_release", args=[allocation.pk]), {"reason": "退租"})
    assert response.status_code == 302
    allocation.refresh_from_db()
    assert allocation.released_at is not None


def test_staff_creates_a_pool_through_the_form(client, no_2fa, staff, sms):
    client.force_login(staff)
    response = client.post(
        reverse("catalog:pool_new"),
        {"business_line": "SMS", "kind": "e1", "name": "E1 池", "capacity": 4, "is_active": "on"},
    )
    assert response.status_code == 302
    assert ResourcePool.objects.get(kind="e1").capacity == 4


@pytest.mark.parametrize(
    ("route", "method"),
    [
        ("catalog:pools", "get"),
        ("catalog:pool_new", "get"),
        ("catalog:pool_detail", "get"),
        ("catalog:pool_edit", "get"),
        ("catalog:pool_allocate", "post"),
        ("catalog:allocation_release", "post"),
    ],
)
def test_partner_users_cannot_reach_resource_pages(
    client, make_pool, partner_a, staff, user_a, route, method
):
    pool = make_pool(2)
    allocation = actions.allocate_resource(pool, actor=staff, partner=partner_a)
    args = (
        []
        if route in ("catalog:pools", "catalog:pool_new")
        else [allocation.pk if route == "catalog:allocation_release" else pool.pk]
    )
    client.force_login(user_a)  # even the partner holding the allocation
    response = getattr(client, method)(reverse(route, args=args), {"partner": partner_a.pk, "reason": "x"})
    assert response.status_code in (403, 404)
    allocation.refresh_from_db()
    assert allocation.released_at is None
    assert ResourceAllocation.objects.count() == 1


def test_pool_pages_render_sorted_by_usage_and_in_detail(client, no_2fa, make_pool, partner_a, staff):
    pool = make_pool(3)
    actions.allocate_resource(pool, actor=staff, partner=partner_a, quantity=2, reason="开通")
    client.force_login(staff)
    assert client.get(reverse("catalog:pools") + "?sort=-used").status_code == 200
    body = client.get(reverse("catalog:pool_detail", args=[pool.pk])).content.decode()
    assert "3 / 2 / 1" in body and partner_a.name in body


def test_business_line_form_sets_needs_channel(client, no_2fa, staff, sms):
    client.force_login(staff)
    response = client.post(
        reverse("catalog:business_line_edit", args=["SMS"]),
        {
            "code": "SMS",
            "name": sms.name,
            "service_type": sms.service_type,
            "vas_systems": sms.vas_systems,
            "needs_channel": "on",
            "is_active": "on",
            "sort_order": 0,
        },
    )
    assert response.status_code == 302
    sms.refresh_from_db()
    assert sms.needs_channel is True


def test_a_reason_the_platform_wrote_on_an_allocation_reads_in_the_readers_language(
    make_pool, partner_a, staff
):
    from django.utils import translation

    from vasops.core import notify
    from vasops.core.marks import gettext_noop

    pool = make_pool(5)
    why = notify.text(gettext_noop("准入申请 %(number)s 准入通过（%(lines)s）"), number="ZR-9", lines="SMS")
    platform = actions.allocate_resource(pool, actor=staff, partner=partner_a, reason=why)
    typed = actions.allocate_resource(pool, actor=staff, partner=partner_a, reason="临时扩容")
    platform.refresh_from_db()
    assert platform.reason == "准入申请 ZR-9 准入通过（SMS）"
    with translation.override("en"):
        assert "ZR-9" in platform.reason_text and "准入" not in platform.reason_text
        assert typed.reason_text == "临时扩容"
