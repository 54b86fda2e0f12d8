"""A fee change taking effect produces the SMS platform's GBK notification file from the
subscriber provider hook, recorded as a Document on the change request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from vasops.catalog import actions, hooks
from vasops.catalog.models import ProductChangeRequest
from vasops.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_subscribers():
    seen: list[int] = []

    def provider(product):
        seen.append(product.pk)
        yield from ["13800000001", "13900000002", "13800000001", " ", "not-a-number", "18600000003"]

    previous = hooks.register_subscriber_provider(provider)
    yield seen
    hooks.register_subscriber_provider(previous)


def _approved_change(product, user_a, staff, *, fee_fen, name=None):
    change = actions.request_change(
        product,
        actor=user_a,
        name=name or product.name,
        description=product.description,
        fee_fen=fee_fen,
        effective_on=dt.date(2026, 2, 1),
    )
    return actions.review_change(change, actor=staff, decision="approve")


def test_default_provider_yields_nobody(live_product):
    assert list(hooks.subscribers_of(live_product())) == []


def test_fee_change_taking_effect_writes_one_gbk_line_per_subscriber(
    live_product, user_a, staff, freeze, fake_subscribers
):
    product = live_product(billing_mode="per_use", fee_fen=200, code="9044000101")
    change = _approved_change(product, user_a, staff, fee_fen=150)
    freeze("2026-02-01")
    assert actions.apply_due_changes() == 1
    change.refresh_from_db()
    doc = change.notification_file
    assert doc is not None and doc.kind == "fee_change_notice" and doc.partner_id is None
    data = doc.file.open("rb").read()
    assert doc.size == len(data)
    lines = data.decode("gbk").split("\r\n")
    assert lines == [
        "MSISDN,产品代码,原资费（元）,新资费（元）,生效日期",
        "13800000001,9044000101,2.00,1.50,2026-02-01",
        "13900000002,9044000101,2.00,1.50,2026-02-01",
        "18600000003,9044000101,2.00,1.50,2026-02-01",
        "",
    ]
    assert fake_subscribers == [product.pk]
    entry = AuditEvent.objects.get(action="catalog.fee_notice_produced")
    assert entry.after["subscribers"] == 3 and entry.object_id == str(change.pk)


def test_change_without_a_fee_change_produces_no_file(live_product, user_a, staff, freeze, fake_subscribers):
    product = live_product()
    change = _approved_change(product, user_a, staff, fee_fen=product.fee_fen, name="新名字")
    freeze("2026-02-01")
    actions.apply_due_changes()
    change.refresh_from_db()
    assert change.state == "effective" and change.notification_file is None
    assert fake_subscribers == []


def test_sweep_run_twice_produces_the_file_once(live_product, user_a, staff, freeze, fake_subscribers):
    product = live_product(billing_mode="per_use", fee_fen=200)
    _approved_change(product, user_a, staff, fee_fen=150)
    freeze("2026-02-01")
    actions.apply_due_changes()
    actions.apply_due_changes()
    assert AuditEvent.objects.filter(action="catalog.fee_notice_produced").count() == 1


def test_change_page_links_the_file_for_staff_but_not_for_the_partner(
    client, no_2fa, live_product, user_a, staff, freeze, fake_subscribers
):
    product = live_product(billing_mode="per_use", fee_fen=200)
    change = _approved_change(product, user_a, staff, fee_fen=150)
    freeze("2026-02-01")
    actions.apply_due_changes()
    doc = ProductChangeRequest.objects.get(pk=change.pk).notification_file
    link = reverse("core:download", args=[doc.uuid])
    page = reverse("catalog:change_detail", args=[change.pk])
    client.force_login(staff)
    assert f'href="{link}"' in client.get(page).content.decode()
    assert client.get(link).status_code == 200
    client.force_login(user_a)
    assert f'href="{link}"' not in client.get(page).content.decode()
    assert client.get(link).status_code in (403, 404)
