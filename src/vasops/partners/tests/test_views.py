"""Pages: registration flow, my-company pages, staff console, and partner isolation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from vasops.core.models import AuditEvent, User
from vasops.partners import actions
from vasops.partners.models import Partner, Qualification, Restriction
from vasops.partners.tests.conftest import credit_code, scan

pytestmark = pytest.mark.django_db
D = dt.date

FORM = {
    "name": "楚天信息",
    "kind": "SP",
    "locality": "out_of_province",
    "credit_code": credit_code(800001),
    "legal_representative": "李四",
    "address": "武汉市江汉区",
    "cs_hotline": "8001234567",
    "username": "chutian",
    "password": "Chutian-2026!",
    "password2": "Chutian-2026!",
    "display_name": "王五",
    "email": "ww@example.com",
    "phone": "",
}


def test_registration_page_creates_partner_logs_in_and_redirects_home(client):
    assert client.get(reverse("partners:register")).status_code == 200
    response = client.post(reverse("partners:register"), FORM)
    assert response.status_code == 302 and response.url == reverse("home")
    partner = Partner.objects.get(name="楚天信息")
    assert partner.locality == "out_of_province"
    me = client.get(reverse("partners:me"))
    assert me.status_code == 200
    text = me.content.decode()
    assert "跨地区增值电信业务经营许可证" in text and "缺少" in text


@pytest.mark.parametrize(
    ("over", "field_text"),
    [
        ({"cs_hotline": "13912345678"}, "手机号码"),
        ({"cs_hotline": "02788888888"}, "不是 800/400/1010xxx/1010xxxx"),
        ({"credit_code": "91350100M000100Y44"}, "校验位不正确"),
        ({"password2": "other-Pass-1"}, "两次输入的密码不一致"),
        ({"password": "12345678", "password2": "12345678"}, "密码"),
    ],
)
def test_registration_shows_inline_errors_and_keeps_input(client, over, field_text):
    response = client.post(reverse("partners:register"), {**FORM, **over})
    assert response.status_code == 400
    text = response.content.decode()
    assert field_text in text and "invalid-feedback" in text
    assert 'value="楚天信息"' in text  # nothing typed is lost
    assert not Partner.objects.exists()


def test_registration_refuses_duplicate_name_next_to_the_field(client, make_partner):
    make_partner("楚天信息")
    response = client.post(reverse("partners:register"), FORM)
    assert response.status_code == 400
    assert "已注册" in response.content.decode()


def test_me_without_membership_is_404(client, staff, no_2fa):
    client.force_login(staff)
    assert client.get(reverse("partners:me")).status_code == 404


def test_partner_admin_sets_hotline_contact_bank_and_uploads_qualification(client, admin_a, partner_a):
    client.force_login(admin_a)
    r = client.post(reverse("partners:me_hotline"), {"cs_hotline": "13912345678"})
    assert r.status_code == 400 and "手机号码" in r.content.decode()
    assert client.post(reverse("partners:me_hotline"), {"cs_hotline": "10101234"}).status_code == 302
    r = client.post(
        reverse("partners:me_contact", args=["technical"]),
        {"role": "technical", "name": "技", "phone": "1", "email": "t@example.com"},
    )
    assert r.status_code == 302
    r = client.post(
        reverse("partners:me_bank"),
        {"bank_name": "工行", "account_name": "甲公司", "account_number": "62220000111"},
    )
    assert r.status_code == 302
    r = client.post(
        reverse("partners:me_qualification"),
        {
            "kind": "vas_licence",
            "number": "B2-2026",
            "issuer": "湖北省通信管理局",
            "valid_from": "2026-01-01",
            "valid_until": "2026-12-31",
            "annual_inspection_date": "",
            "scan": scan(),
        },
    )
    assert r.status_code == 302, r.content.decode()
    partner_a.refresh_from_db()
    assert partner_a.cs_hotline == "10101234"
    assert partner_a.contacts.get().name == "技"
    q = Qualification.objects.get(partner=partner_a, kind="vas_licence")
    page = client.get(reverse("partners:me")).content.decode()
    assert "B2-2026" in page and "有效期至 2026-12-31" in page
    assert client.get(reverse("partners:qualification", args=[q.pk])).status_code == 200
    assert client.get(reverse("core:download", args=[q.document.uuid])).status_code == 200


def test_upload_of_a_non_document_is_refused_next_to_the_field(client, admin_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin_a)
    r = client.post(
        reverse("partners:me_qualification"),
        {
            "kind": "vas_licence",
            "number": "1",
            "issuer": "x",
            "valid_from": "2026-01-01",
            "scan": SimpleUploadedFile("a.pdf", b"hello world"),
        },
    )
    assert r.status_code == 400 and "类型不被接受" in r.content.decode()


def test_partner_user_who_is_not_admin_cannot_add_users(client, user_a):
    client.force_login(user_a)
    assert client.get(reverse("partners:me_add_user")).status_code == 403


def test_partner_admin_adds_a_user(client, admin_a, partner_a):
    client.force_login(admin_a)
    r = client.post(
        reverse("partners:me_add_user"),
        {
            "username": "clerk",
            "password": "Clerk-2026!",
            "password2": "Clerk-2026!",
            "display_name": "职员",
            "email": "c@example.com",
        },
    )
    assert r.status_code == 302
    assert User.objects.get(username="clerk").partner_membership.partner == partner_a


# --- isolation ---------------------------------------------------------------------------


def _qualification(partner, user):
    return actions.upload_qualification(
        partner,
        actor=user,
        kind="business_licence",
        number="B-1",
        issuer="x",
        valid_from=D(2020, 1, 1),
        valid_until=None,
        scan=scan(),
    )


def test_partner_a_cannot_see_partner_b_detail_qualification_or_document(
    client, admin_a, partner_a, partner_b, admin_b
):
    q_b = _qualification(partner_b, admin_b)
    r_b = actions.impose_restriction(
        partner_b, kind="lockout", reason="x", source="", starts_on=D(2026, 1, 1)
    )
    client.force_login(admin_a)
    assert client.get(reverse("partners:detail", args=[partner_b.pk])).status_code == 404
    assert client.get(reverse("partners:qualification", args=[q_b.pk])).status_code == 404
    assert client.get(reverse("core:download", args=[q_b.document.uuid])).status_code == 404
    assert client.get(reverse("partners:lift_restriction", args=[r_b.pk])).status_code == 404
    assert client.get(reverse("partners:suspend", args=[partner_b.pk])).status_code == 404
    # its own partner: visible, read-only
    own = client.get(reverse("partners:detail", args=[partner_a.pk]))
    assert own.status_code == 200 and "乙公司" not in own.content.decode()
    assert client.get(reverse("partners:suspend", args=[partner_a.pk])).status_code == 403


def test_partner_users_cannot_open_staff_lists(client, admin_a):
    client.force_login(admin_a)
    assert client.get(reverse("partners:list")).status_code == 403
    assert client.get(reverse("partners:restrictions")).status_code == 403


def test_anonymous_is_sent_to_login(client, partner_a):
    r = client.get(reverse("partners:detail", args=[partner_a.pk]))
    assert r.status_code == 302 and "/accounts/login/" in r.url


# --- staff console ---------------------------------------------------------------------------


def test_staff_list_search_filters_and_export(client, staff, make_partner, no_2fa):
    make_partner("甲公司", kind="SP")
    make_partner("丙内容", kind="CP")
    client.force_login(staff)
    text = client.get(reverse("partners:list")).content.decode()
    assert "甲公司" in text and "丙内容" in text
    text = client.get(reverse("partners:list"), {"kind": "CP"}).content.decode()
    assert "丙内容" in text and "甲公司" not in text
    text = client.get(reverse("partners:list"), {"q": "甲"}).content.decode()
    assert "甲公司" in text and "丙内容" not in text
    csv = client.get(reverse("partners:list"), {"export": "csv"})
    assert csv["Content-Type"].startswith("text/csv") and "甲公司" in csv.content.decode()


def test_staff_detail_shows_tabs_and_history(client, staff, partner_a, no_2fa):
    client.force_login(staff)
    text = client.get(reverse("partners:detail", args=[partner_a.pk])).content.decode()
    for label in (
        "详情",
        "联系人",
        "资质",
        "银行账户",
        "限制",
        "用户",
        "文档",
        "历史",
        "操作历史",
        "暂停",
        "登记限制",
    ):
        assert label in text


def test_auditor_sees_detail_without_action_buttons(client, auditor, partner_a, no_2fa):
    client.force_login(auditor)
    text = client.get(reverse("partners:detail", args=[partner_a.pk])).content.decode()
    assert reverse("partners:suspend", args=[partner_a.pk]) not in text
    assert client.post(reverse("partners:suspend", args=[partner_a.pk]), {"reason": "x"}).status_code == 403


def test_staff_suspends_and_resumes_with_reason(client, staff, partner_a, no_2fa):
    client.force_login(staff)
    r = client.post(reverse("partners:suspend", args=[partner_a.pk]), {"reason": ""})
    assert r.status_code == 400
    r = client.post(reverse("partners:suspend", args=[partner_a.pk]), {"reason": "投诉"})
    assert r.status_code == 302
    partner_a.refresh_from_db()
    assert partner_a.state == "suspended"
    r = client.post(reverse("partners:suspend", args=[partner_a.pk]), {"reason": "再次"})
    assert r.status_code == 400 and "不能执行" in r.content.decode()
    assert client.post(reverse("partners:resume", args=[partner_a.pk]), {"reason": "整改"}).status_code == 302
    partner_a.refresh_from_db()
    assert partner_a.state == "registered"


def test_staff_adds_and_lifts_restriction_via_pages(client, staff, partner_a, no_2fa, freeze):
    freeze("2026-01-15")
    client.force_login(staff)
    r = client.post(
        reverse("partners:add_restriction", args=[partner_a.pk]),
        {
            "kind": "lockout",
            "reason": "驳回",
            "source": "ZR1",
            "starts_on": "2026-01-15",
            "business_line": "",
            "ends_on": "",
        },
    )
    assert r.status_code == 302
    restriction = Restriction.objects.get()
    assert restriction.ends_on == D(2026, 4, 14)
    listing = client.get(reverse("partners:restrictions"), {"lifted": "no"}).content.decode()
    assert "甲公司" in listing
    assert (
        client.post(
            reverse("partners:lift_restriction", args=[restriction.pk]), {"reason": "误登"}
        ).status_code
        == 302
    )
    listing = client.get(reverse("partners:restrictions"), {"lifted": "no"}).content.decode()
    assert "甲公司" not in listing
    assert "甲公司" in client.get(reverse("partners:restrictions"), {"lifted": "yes"}).content.decode()
    assert AuditEvent.objects.filter(action="partners.restriction_lifted", reason="误登").exists()


def test_staff_pages_need_second_factor_when_enabled(client, staff, settings):
    settings.VASOPS_STAFF_2FA = True
    client.force_login(staff)
    assert client.get(reverse("partners:list")).status_code == 302


def test_me_page_links_edits_to_change_requests_once_admitted(client, admin_a, partner_a):
    client.force_login(admin_a)
    before = client.get(reverse("partners:me")).content.decode()
    assert reverse("partners:me_hotline") in before and "申请变更" not in before
    Partner.objects.filter(pk=partner_a.pk).update(state="admitted")
    after = client.get(reverse("partners:me")).content.decode()
    change = reverse("partners:change_new")
    for kind in ("company", "cs_hotline", "bank_account", "contacts"):
        assert f"{change}?kind={kind}" in after
    assert reverse("partners:me_hotline") not in after and reverse("partners:me_bank") not in after
