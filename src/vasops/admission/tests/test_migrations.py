"""The data migration that hands business lines and number pools to the catalogue (admission 0003,
catalog 0005): admission's codes become the catalogue's lines, every pool and allocation is kept,
and the backward migration restores them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("admission", "0002_console_list_indexes"), ("catalog", "0004_review_queue_index")]
AFTER = [("admission", "0003_catalog_owns_lines_and_pools"), ("catalog", "0005_one_pool_model")]


def _migrate(targets):
    """Migrate the test database to ``targets``; the historical models there."""
    return MigrationExecutor(connection).migrate(targets).apps


def _seed_old(apps):
    User = apps.get_model("core", "User")
    Partner = apps.get_model("partners", "Partner")
    Restriction = apps.get_model("partners", "Restriction")
    Application = apps.get_model("admission", "Application")
    ApplicationProduct = apps.get_model("admission", "ApplicationProduct")
    AccessTestResult = apps.get_model("admission", "AccessTestResult")
    OldPool = apps.get_model("admission", "ResourcePool")
    AllocatedNumber = apps.get_model("admission", "AllocatedNumber")
    AuditEvent = apps.get_model("core", "AuditEvent")
    user = User.objects.create(username="mig_staff")
    partner = Partner.objects.create(
        name="迁移企业",
        kind="SP",
        locality="local",
        credit_code="91420100MA4K000011",
        legal_representative="张三",
        address="武汉",
        enterprise_code="44000001",
        service_access_number="1065500",
        state="admitted",
    )
    app = Application.objects.create(
        number="ZR202601-0001",
        partner=partner,
        window_month=dt.date(2026, 1, 1),
        business_lines=["sms", "wap"],
        created_by=user,
        enterprise_code="44000001",
        service_access_number="1065500",
    )
    ApplicationProduct.objects.create(
        application=app, business_line="sms", name="天气", billing_mode="monthly"
    )
    ApplicationProduct.objects.create(
        application=app, business_line="wap", name="资讯", billing_mode="per_use"
    )
    AccessTestResult.objects.create(
        application=app, business_line="sms", case_code="sms_mo", passed=True, tested_by=user
    )
    Restriction.objects.create(
        partner=partner,
        kind="violation_exclusion",
        business_line="ivr",
        reason="违规",
        starts_on=dt.date(2026, 1, 1),
    )
    codes = OldPool.objects.create(
        kind="enterprise_code", name="44 段", range_start="44000001", range_end="44000009", capacity=5
    )
    numbers = OldPool.objects.create(
        kind="service_access_number", name="106", explicit_numbers="1065500\n1065501", is_active=False
    )
    AllocatedNumber.objects.create(pool=codes, kind="enterprise_code", number="44000001", application=app)
    AllocatedNumber.objects.create(
        pool=numbers, kind="service_access_number", number="1065500", application=app
    )
    AllocatedNumber.objects.create(
        pool=codes, kind="enterprise_code", number="44000002"
    )  # reserved, no holder
    AuditEvent.objects.create(
        action="admission.pool_created", object_type="admission.resourcepool", object_id=str(codes.pk)
    )
    return partner


@pytest.mark.django_db(transaction=True)
def test_codes_become_catalogue_lines_and_every_allocation_is_kept_both_ways():
    try:
        partner = _seed_old(_migrate(BEFORE))
        apps = _migrate(AFTER)
        Application = apps.get_model("admission", "Application")
        ApplicationProduct = apps.get_model("admission", "ApplicationProduct")
        AccessTestResult = apps.get_model("admission", "AccessTestResult")
        Restriction = apps.get_model("partners", "Restriction")
        Pool = apps.get_model("catalog", "ResourcePool")
        Allocation = apps.get_model("catalog", "ResourceAllocation")
        AuditEvent = apps.get_model("core", "AuditEvent")

        app = Application.objects.get(number="ZR202601-0001")
        assert sorted(line.code for line in app.business_lines.all()) == ["SMS", "WAP"]
        assert sorted(p.business_line.code for p in ApplicationProduct.objects.all()) == ["SMS", "WAP"]
        assert AccessTestResult.objects.get().business_line.code == "SMS"
        assert Restriction.objects.get().business_line == "IVR"

        code_pool = Pool.objects.get(kind="enterprise_code")
        assert (code_pool.name, code_pool.range_start, code_pool.range_end, code_pool.capacity) == (
            "44 段",
            "44000001",
            "44000009",
            5,
        )
        assert code_pool.business_line_id is None
        number_pool = Pool.objects.get(kind="service_access_number")
        assert number_pool.explicit_numbers == "1065500\n1065501" and not number_pool.is_active
        held = {(a.pool_id, a.kind, a.number, a.partner_id) for a in Allocation.objects.all()}
        assert held == {
            (code_pool.pk, "enterprise_code", "44000001", partner.pk),
            (number_pool.pk, "service_access_number", "1065500", partner.pk),
            (code_pool.pk, "enterprise_code", "44000002", None),
        }
        assert all(a.quantity == 1 and a.released_at is None for a in Allocation.objects.all())
        history = AuditEvent.objects.get(action="admission.pool_created")
        assert (history.object_type, history.object_id) == ("catalog.resourcepool", str(code_pool.pk))

        apps = _migrate(BEFORE)
        Application = apps.get_model("admission", "Application")
        AllocatedNumber = apps.get_model("admission", "AllocatedNumber")
        assert sorted(Application.objects.get().business_lines) == ["sms", "wap"]
        assert sorted(AllocatedNumber.objects.values_list("number", flat=True)) == [
            "1065500",
            "44000001",
            "44000002",
        ]
        assert apps.get_model("partners", "Restriction").objects.get().business_line == "ivr"
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
