"""Decision consequences: resources, lockout, deferral."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.admission import actions
from vasops.admission.tests.conftest import complete_application, to_reviewed
from vasops.catalog import actions as catalog_actions
from vasops.catalog.models import ResourceAllocation, ResourcePool
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.models import AuditEvent, Deadline, Notification
from vasops.partners.models import Restriction

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(partner_a, freeze):
    freeze("2026-01-05")
    partner, user = partner_a
    return to_reviewed(complete_application(user)), partner, user


def test_accept_allocates_unique_codes_records_admission_and_opens_deadline(reviewed, staff, pools):
    app, partner, user = reviewed
    app = actions.decide_application(app, actor=staff, decision="accept", reason="评审通过")
    assert app.state == "accepted"
    assert app.enterprise_code == "44000001"
    assert app.service_access_number == "1065500"
    partner.refresh_from_db()
    assert partner.enterprise_code == "44000001" and partner.state == "admitted"
    assert Deadline.objects.filter(object_id=str(app.pk), kind="access_data", state="open").count() == 1
    ev = AuditEvent.objects.get(action="admission.application_accepted", object_id=str(app.pk))
    assert ev.after["enterprise_code"] == "44000001" and ev.reason == "评审通过"
    assert Notification.objects.filter(recipient=user, body__contains="44000001").exists()


def test_accepted_codes_are_held_in_the_catalogue_pools_by_the_partner(reviewed, staff, pools):
    app, partner, _user = reviewed
    actions.decide_application(app, actor=staff, decision="accept", reason="评审通过")
    held = ResourceAllocation.objects.filter(partner=partner, released_at__isnull=True)
    assert {(a.kind, a.number, a.pool_id) for a in held} == {
        ("enterprise_code", "44000001", pools[0].pk),
        ("service_access_number", "1065500", pools[1].pk),
    }
    assert all(app.number in a.reason for a in held)
    assert AuditEvent.objects.filter(
        action="catalog.resource_allocated", object_id=str(pools[0].pk), partner_id=partner.pk
    ).exists()


def test_decision_needs_permission_and_reviewed_state(reviewed, outsider, staff, pools, partner_b, freeze):
    app, _partner, user = reviewed
    with pytest.raises(PermissionDenied):
        actions.decide_application(app, actor=outsider, decision="accept", reason="x")
    with pytest.raises(PermissionDenied):
        actions.decide_application(app, actor=user, decision="accept", reason="x")
    _q, other_user = partner_b
    draft = actions.create_application(actor=other_user, business_lines=["SMS"])
    with pytest.raises(DomainError) as exc:
        actions.decide_application(draft, actor=staff, decision="accept", reason="x")
    assert exc.value.code == "core.invalid_transition"
    with pytest.raises(DomainError) as exc:
        actions.decide_application(app, actor=staff, decision="maybe", reason="x")
    assert exc.value.code == "admission.invalid_decision"


def test_full_pool_refuses_with_resource_pool_full(reviewed, staff, partner_b):
    app, _partner, _user = reviewed
    pool = ResourcePool.objects.create(
        kind="enterprise_code", name="满", explicit_numbers="44000001", capacity=1
    )
    ResourcePool.objects.create(
        kind="service_access_number", name="号", range_start="10655", range_end="10659"
    )
    ResourceAllocation.objects.create(pool=pool, kind="enterprise_code", number="44000001")
    with pytest.raises(DomainError) as exc:
        actions.decide_application(app, actor=staff, decision="accept", reason="ok")
    assert exc.value.code == "catalog.resource_pool_full"
    assert "企业代码" in exc.value.message
    app.refresh_from_db()
    assert app.state == "reviewed"
    assert not ResourceAllocation.objects.filter(kind="service_access_number").exists()


def test_capacity_limits_a_pool_below_its_range(reviewed, staff):
    app, _partner, _user = reviewed
    pool = ResourcePool.objects.create(
        kind="enterprise_code", name="小", range_start="44000001", range_end="44000009", capacity=1
    )
    ResourcePool.objects.create(
        kind="service_access_number", name="号", range_start="10655", range_end="10659"
    )
    ResourceAllocation.objects.create(pool=pool, kind="enterprise_code", number="44000005")
    with pytest.raises(DomainError) as exc:
        actions.decide_application(app, actor=staff, decision="accept", reason="ok")
    assert exc.value.code == "catalog.resource_pool_full"


def test_database_refuses_a_double_allocation(pools):
    from django.db import IntegrityError, transaction

    code, _n = pools
    ResourceAllocation.objects.create(pool=code, kind="enterprise_code", number="44000001")
    with pytest.raises(IntegrityError), transaction.atomic():
        ResourceAllocation.objects.create(pool=code, kind="enterprise_code", number="44000001")


def test_second_accept_takes_the_next_free_number(reviewed, staff, pools, partner_b, freeze):
    app, _p, _u = reviewed
    actions.decide_application(app, actor=staff, decision="accept", reason="ok")
    _q, other = partner_b
    freeze("2026-01-06")
    second = to_reviewed(complete_application(other))
    second = actions.decide_application(second, actor=staff, decision="accept", reason="ok")
    assert second.enterprise_code == "44000002"
    assert second.service_access_number == "1065501"


def test_reject_locks_the_partner_out_for_3_months(reviewed, staff, freeze):
    app, partner, user = reviewed
    freeze("2026-01-06")
    actions.decide_application(app, actor=staff, decision="reject", reason="不符合")
    lock = Restriction.objects.get(partner=partner, kind="lockout")
    assert lock.starts_on == dt.date(2026, 1, 6)
    assert lock.ends_on == dt.date(2026, 4, 5)
    assert AuditEvent.objects.filter(action="admission.application_rejected", object_id=str(app.pk)).exists()
    freeze("2026-04-04")  # the day before the end, inside the April window
    with pytest.raises(DomainError) as exc:
        actions.create_application(actor=user, business_lines=["SMS"])
    assert exc.value.code == "partners.locked_out"
    freeze("2026-04-05")  # the last day of the lockout
    with pytest.raises(DomainError):
        actions.create_application(actor=user, business_lines=["SMS"])
    freeze("2026-04-06")  # end + 1
    assert actions.create_application(actor=user, business_lines=["SMS"]).state == "draft"


def test_defer_allows_a_new_application_in_a_later_window(reviewed, staff, freeze):
    app, partner, user = reviewed
    app = actions.decide_application(app, actor=staff, decision="defer", reason="资源暂缺")
    assert app.state == "deferred"
    assert not Restriction.objects.filter(partner=partner).exists()
    freeze("2026-04-01")
    assert actions.create_application(actor=user, business_lines=["SMS"]).window_month == dt.date(2026, 4, 1)


def test_create_pool_validates_and_needs_permission(staff, outsider):
    with pytest.raises(PermissionDenied):
        catalog_actions.save_resource_pool(
            actor=outsider, kind="enterprise_code", name="x", range_start="44000001", range_end="44000002"
        )
    with pytest.raises(DomainError) as exc:
        catalog_actions.save_resource_pool(
            actor=staff, kind="enterprise_code", name="x", range_start="45000001", range_end="45000002"
        )
    assert exc.value.code == "catalog.invalid_pool"
    pool = catalog_actions.save_resource_pool(
        actor=staff,
        kind="enterprise_code",
        name="44 段",
        range_start="44000001",
        range_end="44000100",
        capacity=50,
    )
    assert AuditEvent.objects.filter(action="catalog.pool_saved", object_id=str(pool.pk)).exists()
