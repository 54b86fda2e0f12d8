"""Complaint pages: intake with the product lookup, the complaint page's acts, the partner's
portal (isolation), the public form and status page (throttled, nothing of others), the dashboard
and the exports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import override_settings

from vasops.complaints import actions
from vasops.complaints.models import Complaint, Refund
from vasops.complaints.tests import factories
from vasops.core import clock

MSISDN = "13012345678"
TODAY = dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def tuesday():
    cache.clear()
    with clock.frozen(TODAY):
        yield
    cache.clear()


@pytest.fixture
def dispatched(agent, product):
    c, _ = actions.receive_complaint(
        actor=agent,
        source="console",
        msisdn=MSISDN,
        category="unauthorised_order",
        description="未订购被扣费",
        product=product,
    )
    return actions.dispatch_complaint(c, actor=agent)


def test_an_agent_looks_up_the_users_products_and_records_the_complaint(
    client, agent, product, other_product
):
    factories.subscribe(MSISDN, product)
    client.force_login(agent)
    page = client.post("/complaints/new/", {"op": "lookup", "msisdn": MSISDN})
    assert page.status_code == 200
    html = page.content.decode()
    assert product.name in html and other_product.name not in html
    response = client.post(
        "/complaints/new/",
        {
            "op": "save",
            "msisdn": MSISDN,
            "product": product.pk,
            "category": "charge_dispute",
            "description": "多扣费",
        },
    )
    c = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/complaints/{c.pk}/"
    assert (c.owner, c.product) == (agent, product)


def test_the_complaint_page_runs_the_acts_end_to_end(client, agent, product, partner_staff):
    factories.subscribe(MSISDN, product)
    c, _ = actions.receive_complaint(
        actor=agent,
        source="console",
        msisdn=MSISDN,
        category="unauthorised_order",
        description="x",
        product=product,
    )
    client.force_login(agent)
    assert (
        client.post(f"/complaints/{c.pk}/", {"op": "dispatch", "dispatch-note": "请核查"}).status_code == 302
    )
    client.force_login(partner_staff)
    page = client.get(f"/complaints/{c.pk}/").content.decode()
    assert "130****5678" in page and MSISDN not in page
    assert (
        client.post(f"/complaints/{c.pk}/", {"op": "answer", "answer-partner_answer": "已退订"}).status_code
        == 302
    )
    client.force_login(agent)
    response = client.post(
        f"/complaints/{c.pk}/",
        {
            "op": "refund",
            "refund-period_start": "2026-12-01",
            "refund-period_end": "2026-12-01",
            "refund-upheld": "on",
            "refund-unsubscribe": "on",
        },
    )
    assert response.status_code == 302
    assert Refund.objects.get().amount_fen == 1000  # the month's 5-yuan charge, doubled
    client.post(
        f"/complaints/{c.pk}/",
        {"op": "close", "close-reply": "已退订并退费 10 元", "close-verdict": "upheld"},
    )
    c.refresh_from_db()
    assert c.state == "closed"
    page = client.get(f"/complaints/{c.pk}/").content.decode()
    assert "已计入 2026-12 结算扣款" in page


def test_partner_a_cannot_open_partner_b_complaint_page_or_list(
    client, dispatched, other_staff, partner_staff
):
    client.force_login(other_staff)
    assert client.get(f"/complaints/{dispatched.pk}/").status_code == 404
    assert (
        client.post(
            f"/complaints/{dispatched.pk}/", {"op": "answer", "answer-partner_answer": "x"}
        ).status_code
        == 404
    )
    assert dispatched.number not in client.get("/complaints/my/").content.decode()
    assert dispatched.number not in client.get("/complaints/my/?export=csv").content.decode()
    assert client.get("/complaints/").status_code == 302  # partners have their own list
    client.force_login(partner_staff)
    assert dispatched.number in client.get("/complaints/my/").content.decode()


def test_console_lists_export_and_partners_cannot_reach_the_dashboard(
    client, agent, dispatched, partner_staff
):
    client.force_login(agent)
    assert dispatched.number in client.get("/complaints/?tab=mine").content.decode()
    xlsx = client.get("/complaints/?tab=all&export=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get("/complaints/refunds/?export=csv").status_code == 200
    dash = client.get("/complaints/dashboard/")
    assert dash.status_code == 200 and b"<svg" in dash.content
    assert client.get("/complaints/dashboard/?export=xlsx").status_code == 200
    client.force_login(partner_staff)
    assert client.get("/complaints/dashboard/").status_code == 403


def test_a_user_files_a_complaint_and_checks_it_without_seeing_others(client, agent, product):
    factories.subscribe(MSISDN, product)
    response = client.post(
        "/complaints/public/new/",
        {
            "msisdn": MSISDN,
            "product_hint": product.product_code,
            "category": "unauthorised_order",
            "description": "没订过",
        },
    )
    c = Complaint.objects.get()
    assert c.number in response.content.decode() and c.product == product and c.source == "public"
    page = client.post("/complaints/public/status/", {"number": c.number, "msisdn": MSISDN}).content.decode()
    assert "处理中" in page and "130****5678" in page and product.partner.name not in page
    wrong = client.post(
        "/complaints/public/status/", {"number": c.number, "msisdn": "13099999999"}
    ).content.decode()
    assert "未找到该投诉" in wrong and "没订过" not in wrong


def test_the_user_reopens_a_closed_complaint_from_the_status_page(client, agent, dispatched, partner_staff):
    actions.answer_complaint(dispatched, actor=partner_staff, answer="已退订")
    actions.close_complaint(dispatched, actor=agent, reply="已退订")
    page = client.post(
        "/complaints/public/status/",
        {"op": "reopen", "number": dispatched.number, "msisdn": MSISDN, "reason": "又扣费了"},
    )
    assert "已收到您的再次投诉" in page.content.decode()
    dispatched.refresh_from_db()
    assert (dispatched.state, dispatched.reopen_count) == ("dispatched", 1)


@override_settings(VASOPS_COMPLAINT_PUBLIC_PER_HOUR=2)
def test_the_public_pages_are_throttled(client, db):
    for _ in range(2):
        assert (
            client.post("/complaints/public/status/", {"number": "TS1", "msisdn": MSISDN}).status_code == 200
        )
    assert client.post("/complaints/public/status/", {"number": "TS1", "msisdn": MSISDN}).status_code == 429


def test_the_home_pages_show_what_needs_the_agent_and_the_partner(
    client, agent, dispatched, partner_staff, other_staff
):
    client.force_login(agent)
    assert dispatched.number in client.get("/console/").content.decode()
    client.force_login(partner_staff)
    assert dispatched.number in client.get("/portal/").content.decode()
    client.force_login(other_staff)
    assert dispatched.number not in client.get("/portal/").content.decode()


def test_each_partner_sees_only_its_own_refunds(client, agent, product, partner_staff, other_staff):
    factories.cdr(MSISDN, product, 300, clock.now())
    c, _ = actions.receive_complaint(
        actor=agent,
        source="console",
        msisdn=MSISDN,
        category="charge_dispute",
        description="x",
        product=product,
    )
    actions.refund_complaint(c, actor=agent, period_start=TODAY, period_end=TODAY, upheld=False)
    client.force_login(partner_staff)
    assert c.number in client.get("/complaints/refunds/?export=csv").content.decode()
    client.force_login(other_staff)
    assert c.number not in client.get("/complaints/refunds/?export=csv").content.decode()
    assert client.get(f"/complaints/{c.pk}/").status_code == 404
