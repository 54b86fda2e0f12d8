"""Pages: portal and console, partner isolation on each, clear refusals, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from vasops.admission import actions
from vasops.admission.tests.conftest import CAPABILITY, OPENING, complete_application, pdf, to_reviewed
from vasops.catalog.models import ResourcePool
from vasops.partners.tests.factories import contract_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def app_a(partner_a, freeze):
    freeze("2026-01-05")
    _p, user = partner_a
    return complete_application(user)


PARTNER_PAGES = [
    "application_detail",
    "application_edit",
    "application_materials",
    "application_products",
    "application_check",
    "application_withdraw",
    "application_access_data",
]
STAFF_PAGES = ["application_review", "application_decide", "application_tests", "application_contract"]


@pytest.mark.parametrize("name", PARTNER_PAGES + STAFF_PAGES + ["application_work_orders"])
def test_another_partners_application_is_404_on_every_page(client, app_a, partner_b, name):
    _q, other = partner_b
    client.force_login(other)
    assert client.get(reverse(f"admission:{name}", args=[app_a.pk])).status_code == 404


@pytest.mark.parametrize("name", ["application_submit", "application_start_testing", "application_open"])
def test_another_partners_application_is_404_on_post_routes(client, app_a, partner_b, name):
    _q, other = partner_b
    client.force_login(other)
    assert client.post(reverse(f"admission:{name}", args=[app_a.pk])).status_code in (403, 404)
    app_a.refresh_from_db()
    assert app_a.state == "draft"


def test_my_applications_lists_own_only(client, app_a, partner_a, partner_b):
    _q, other = partner_b
    client.force_login(other)
    body = client.get(reverse("admission:my_applications")).content.decode()
    assert app_a.number not in body
    client.force_login(partner_a[1])
    assert app_a.number in client.get(reverse("admission:my_applications")).content.decode()


@pytest.mark.parametrize("name", ["admission:application_list", "catalog:pools", "admission:settings"])
def test_console_pages_are_forbidden_to_partner_users(client, app_a, partner_a, name):
    client.force_login(partner_a[1])
    assert client.get(reverse(name)).status_code == 403


def test_new_application_outside_the_window_shows_next_opening(client, partner_a, freeze):
    freeze("2026-02-03")
    client.force_login(partner_a[1])
    body = client.get(reverse("admission:application_new")).content.decode()
    assert "2026年04月01日" in body
    resp = client.post(reverse("admission:application_new"), {**CAPABILITY, "business_lines": ["SMS"]})
    assert resp.status_code == 200
    assert "2026年04月01日" in resp.content.decode()


def test_new_application_in_the_window_is_created(client, partner_b, freeze):
    freeze("2026-01-05")
    client.force_login(partner_b[1])
    resp = client.post(reverse("admission:application_new"), {**CAPABILITY, "business_lines": ["SMS"]})
    assert resp.status_code == 302
    detail = client.get(resp["Location"]).content.decode()
    assert "ZR202601-" in detail and "上传资料" in detail


def test_a_cp_creates_an_application_without_capability_declarations(client, freeze):
    """第二章 一(五)2: the form does not ask a CP for leased line, call centre or rates."""
    import datetime as dt

    from vasops.partners.tests.factories import PartnerFactory, partner_user

    freeze("2026-01-05")
    partner = PartnerFactory(kind="CP", qualified=dt.date(2030, 12, 31))
    client.force_login(partner_user(partner, admin=True))
    page = client.get(reverse("admission:application_new")).content.decode()
    assert "第二章 一(五)2" in page
    resp = client.post(reverse("admission:application_new"), {"business_lines": ["SMS"]})
    assert resp.status_code == 302
    app = partner.applications.get()
    assert (app.access_method, app.call_centre_seats, app.connect_rate_bp) == ("", 0, 0)


def test_an_sp_must_fill_in_its_capability_declarations(client, partner_b, freeze):
    freeze("2026-01-05")
    client.force_login(partner_b[1])
    resp = client.post(reverse("admission:application_new"), {"business_lines": ["SMS"]})
    assert resp.status_code == 200 and not partner_b[0].applications.exists()


def test_partner_flow_materials_products_check_submit(client, partner_b, freeze):
    freeze("2026-01-05")
    _q, user = partner_b
    client.force_login(user)
    app = actions.create_application(actor=user, business_lines=["SMS"], **CAPABILITY)
    check = client.get(reverse("admission:application_check", args=[app.pk])).content.decode()
    # each problem in words with its clause, no error code shown to the partner
    assert "缺少申请资料：商业计划书" in check and "admission.material_missing" not in check
    resp = client.post(reverse("admission:application_submit", args=[app.pk]))
    assert resp.status_code == 302
    app.refresh_from_db()
    assert app.state == "draft"
    from vasops.admission import rules

    for kind, _l in rules.MATERIALS:
        r = client.post(
            reverse("admission:application_materials", args=[app.pk]), {"kind": kind, "file": pdf()}
        )
        assert r.status_code == 302
    bad = client.post(
        reverse("admission:application_materials", args=[app.pk]),
        {"kind": "business_plan", "file": pdf("x.exe").__class__("x.txt", b"hello", "text/plain")},
    )
    assert bad.status_code == 200 and "类型不被接受" in bad.content.decode()
    r = client.post(
        reverse("admission:application_products", args=[app.pk]),
        {
            "business_line": "SMS",
            "name": "天气",
            "description": "",
            "fee_yuan": "3.00",
            "billing_mode": "monthly",
        },
    )
    assert r.status_code == 302
    assert app.products.get().fee_fen == 300
    client.post(reverse("admission:application_submit", args=[app.pk]))
    app.refresh_from_db()
    assert app.state == "submitted"


@pytest.fixture
def staff_client(client, staff, no_2fa):
    client.force_login(staff)
    return client


def test_console_list_filters_and_export(staff_client, app_a):
    url = reverse("admission:application_list")
    assert app_a.number in staff_client.get(url).content.decode()
    assert app_a.number not in staff_client.get(url, {"state": "submitted"}).content.decode()
    assert (
        app_a.number in staff_client.get(url, {"window_month": "2026-01-01", "kind": "SP"}).content.decode()
    )
    export = staff_client.get(url, {"export": "csv"})
    assert export.status_code == 200 and app_a.number in export.content.decode("utf-8-sig")


def test_detail_shows_only_allowed_buttons(staff_client, app_a, partner_a):
    body = staff_client.get(app_a.get_absolute_url()).content.decode()
    assert "初审" not in body.split('data-testid="actions"')[1].split("</div>")[0]
    actions.submit_application(app_a, actor=partner_a[1])
    body = staff_client.get(app_a.get_absolute_url()).content.decode()
    assert reverse("admission:application_review", args=[app_a.pk]) in body
    assert reverse("admission:application_decide", args=[app_a.pk]) not in body


def test_review_form_requires_a_reason_and_keeps_input(staff_client, app_a, partner_a):
    actions.submit_application(app_a, actor=partner_a[1])
    url = reverse("admission:application_review", args=[app_a.pk])
    resp = staff_client.post(url, {"decision": "return", "reason": ""})
    assert resp.status_code == 200
    resp = staff_client.post(url, {"decision": "return", "reason": "缺少盖章"})
    assert resp.status_code == 302
    app_a.refresh_from_db()
    assert app_a.state == "returned"
    again = staff_client.post(url, {"decision": "approve", "reason": "x"})
    assert again.status_code == 200 and "不能执行" in again.content.decode()


def test_decision_page_full_pool_message(staff_client, app_a):
    to_reviewed(app_a)
    resp = staff_client.post(
        reverse("admission:application_decide", args=[app_a.pk]), {"decision": "accept", "reason": "ok"}
    )
    assert resp.status_code == 200
    assert "资源池已满" in resp.content.decode()


def test_resource_pool_page_creates_and_shows_usage(staff_client):
    """The enterprise-code pool admission allocates from is kept on the catalogue's pool pages."""
    url = reverse("catalog:pool_new")
    resp = staff_client.post(
        url,
        {
            "kind": "enterprise_code",
            "name": "44段",
            "range_start": "44000001",
            "range_end": "44000010",
            "capacity": 0,
            "is_active": "on",
        },
    )
    assert resp.status_code == 302
    assert "10 / 0 / 10" in staff_client.get(resp["Location"]).content.decode()
    bad = staff_client.post(
        url,
        {
            "kind": "enterprise_code",
            "name": "x",
            "range_start": "45000001",
            "range_end": "45000002",
            "capacity": 0,
            "is_active": "on",
        },
    )
    # the refusal names the rule (the form's help text mentions 44 as well: assert the message)
    assert bad.status_code == 200 and "企业代码“45000001”须以本省号段 44 开头。" in bad.content.decode()
    assert ResourcePool.objects.count() == 1


def test_settings_page_updates_months(staff_client):
    url = reverse("admission:settings")
    assert staff_client.get(url).status_code == 200
    assert staff_client.post(url, {"acceptance_months": "2,5", "reason": "调整"}).status_code == 302
    bad = staff_client.post(url, {"acceptance_months": "13"})
    assert bad.status_code == 200 and "1–12" in bad.content.decode()


def test_timeline_is_visible_to_the_partner(client, app_a, partner_a):
    actions.submit_application(app_a, actor=partner_a[1])
    client.force_login(partner_a[1])
    body = client.get(app_a.get_absolute_url()).content.decode()
    assert "提交申请" in body and "创建申请" in body


def test_every_page_renders_through_the_whole_lifecycle(staff_client, staff, client, app_a, partner_a, pools):
    """Walk an application to contracted; each state's detail and action pages render (no 500)."""
    from vasops.admission import rules
    from vasops.admission.tests.test_preparation import _close_orders
    from vasops.workorders.models import VAS_SYSTEMS

    _p, user = partner_a
    partner_client = client.__class__()
    partner_client.force_login(user)

    def pages(app):
        assert staff_client.get(app.get_absolute_url()).status_code == 200
        assert partner_client.get(app.get_absolute_url()).status_code == 200
        for name in [*STAFF_PAGES, "application_work_orders"]:
            assert staff_client.get(reverse(f"admission:{name}", args=[app.pk])).status_code == 200, name
        for name in PARTNER_PAGES:
            assert partner_client.get(reverse(f"admission:{name}", args=[app.pk])).status_code == 200, name

    pages(app_a)
    app = to_reviewed(app_a)
    pages(app)
    app = actions.decide_application(app, actor=staff, decision="accept", reason="ok")
    pages(app)
    resp = partner_client.post(
        reverse("admission:application_access_data", args=[app.pk]),
        {"technical_contact": "王工", "server_addresses": "10.0.0.1", "business_summary": "短信"},
    )
    assert resp.status_code == 302
    code = str(VAS_SYSTEMS[0][0])
    assert (
        staff_client.post(
            reverse("admission:application_work_orders", args=[app.pk]), {"systems": [code]}
        ).status_code
        == 302
    )
    app.refresh_from_db()
    pages(app)
    assert "数据修改工单" in staff_client.get(app.get_absolute_url()).content.decode()
    # the work orders are linked for who may open them; finance sees the number without a link
    # to a page that would answer 404
    from vasops.core import roles
    from vasops.core.testing import StaffFactory
    from vasops.workorders import queries as wo_queries

    order = wo_queries.for_object(app).first()
    link = f'href="{order.get_absolute_url()}"'
    assert link in staff_client.get(app.get_absolute_url()).content.decode()
    finance_client = client.__class__()
    finance_client.force_login(StaffFactory(username="fin1", roles=[roles.FINANCE]))
    seen = finance_client.get(app.get_absolute_url())
    assert seen.status_code == 200
    assert order.number in seen.content.decode() and link not in seen.content.decode()
    assert finance_client.get(order.get_absolute_url()).status_code == 404
    _close_orders(app)
    staff_client.post(reverse("admission:application_start_testing", args=[app.pk]))
    app.refresh_from_db()
    assert app.state == "testing"
    for line, case, _t in rules.access_cases_for(app.line_codes()):
        r = staff_client.post(
            reverse("admission:application_tests", args=[app.pk]),
            {"case": f"{line}:{case}", "passed": "1", "note": ""},
        )
        assert r.status_code == 302
    pages(app)
    opening_url = reverse("admission:application_open", args=[app.pk])
    form = staff_client.get(opening_url).content.decode()
    assert "附件5" in form and "退订方式" in form and app.cs_hotline in form  # pre-filled hotline
    refused = staff_client.post(opening_url, {**OPENING, "unsubscribe_method": ""})
    assert refused.status_code == 200
    app.refresh_from_db()
    assert app.state == "testing"
    staff_client.post(opening_url, OPENING)
    app.refresh_from_db()
    assert app.state == "opened" and app.opening_data["tariff"] == OPENING["tariff"]
    assert "开通资料·退订方式" in staff_client.get(app.get_absolute_url()).content.decode()
    contract_data(app.partner)
    r = staff_client.post(
        reverse("admission:application_contract", args=[app.pk]),
        {
            "term_start": "2026-02-01",
            "term_end": "2027-01-31",
            "settlement_ratio_bp": "7000",
            "signed_copy": pdf(),
        },
    )
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.state == "contracted"
    pages(app)
    body = partner_client.get(app.get_absolute_url()).content.decode()
    assert "签订合同" in body and "70.00%" in body


def test_staff_record_the_paper_application_on_its_page(staff_client, app_a, partner_a, freeze):
    """第三章 一、1: the application page says whether the formal paper application arrived."""
    actions.submit_application(app_a, actor=partner_a[1])
    detail = staff_client.get(app_a.get_absolute_url()).content.decode()
    assert "正式书面申请" in detail and "尚未收到" in detail and "登记书面申请" in detail
    url = reverse("admission:application_paper", args=[app_a.pk])
    assert "第三章 一、1" in staff_client.get(url).content.decode()
    assert (
        staff_client.post(url, {"received_on": "2026-01-09", "receiver": "杨莹"}).status_code == 200
    )  # future
    assert staff_client.post(url, {"received_on": "2026-01-05", "receiver": "杨莹"}).status_code == 302
    assert "2026-01-05 收到，接收人 杨莹" in staff_client.get(app_a.get_absolute_url()).content.decode()
