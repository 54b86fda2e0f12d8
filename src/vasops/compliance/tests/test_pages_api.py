"""Pages and API routes: partner isolation on each (another partner's record, block or credit is a
404, drafts are the carrier's), the staff flow through the pages, exports and the dashboard."""

from __future__ import annotations

import pytest
from django.urls import reverse

from vasops.api.models import ApiToken
from vasops.compliance import actions
from vasops.compliance.models import ViolationRecord
from vasops.compliance.tests import factories

pytestmark = pytest.mark.django_db


def auth(user) -> dict[str, str]:
    _token, secret = ApiToken.issue(user)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def no_2fa(settings):
    settings.VASOPS_STAFF_2FA = False


@pytest.fixture
def records(staff, partner, other_partner, product):
    mine = factories.raised(staff, partner, product=product)
    theirs = factories.raised(staff, other_partner)
    draft = actions.draft_violation(
        actor="system", partner=partner, violation_code="spam_mt", summary="草稿", evidence={}
    )
    block_theirs = actions.block_service(
        actor=staff, scope="partner", partner=other_partner, reason="乙被屏蔽"
    )
    return {"mine": mine, "theirs": theirs, "draft": draft, "block_theirs": block_theirs}


# --- pages ---------------------------------------------------------------------------------------


def test_my_violations_lists_only_own_raised_records(client, member, records):
    client.force_login(member)
    page = client.get(reverse("compliance:my_violations")).content.decode()
    assert records["mine"].number in page
    assert records["theirs"].number not in page
    assert records["draft"].number not in page  # a draft is not shown to the partner


@pytest.mark.parametrize(
    "route", ["compliance:violation_detail", "compliance:violation_appeal", "compliance:violation_accept"]
)
def test_another_partners_record_is_404_on_every_page(client, member, records, route):
    client.force_login(member)
    call = client.get if route.endswith("detail") else client.post
    assert call(reverse(route, args=[records["theirs"].pk])).status_code == 404
    assert call(reverse(route, args=[records["draft"].pk])).status_code == 404


def test_another_partners_credit_is_404_and_own_credit_shows_the_chart(
    client, member, other_partner, partner
):
    client.force_login(member)
    assert client.get(reverse("compliance:partner_credit", args=[other_partner.pk])).status_code == 404
    assert client.get(reverse("compliance:credit_chart", args=[other_partner.pk])).status_code == 404
    page = client.get(reverse("compliance:my_credit")).content.decode()
    assert "信用积分走势" in page and "<svg" in page


@pytest.mark.parametrize(
    "route",
    [
        "compliance:violations",
        "compliance:blocks",
        "compliance:credit",
        "compliance:types",
        "compliance:settings",
        "compliance:assessments",
        "compliance:exits",
        "compliance:reports",
        "compliance:block_new",
        "compliance:violation_new",
    ],
)
def test_console_pages_refuse_partner_users(client, member, route):
    client.force_login(member)
    assert client.get(reverse(route)).status_code == 403


def test_partner_appeals_through_the_page(client, member, records):
    client.force_login(member)
    record = records["mine"]
    page = client.get(reverse("compliance:violation_detail", args=[record.pk])).content.decode()
    assert "提交申诉" in page
    response = client.post(reverse("compliance:violation_appeal", args=[record.pk]), {"text": "资费已写明"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.state == ViolationRecord.State.APPEALED


def test_staff_raise_decide_and_see_the_block_through_the_pages(
    client, staff, no_2fa, partner, product, member
):
    client.force_login(staff)
    response = client.post(
        reverse("compliance:violation_new"),
        {
            "partner": partner.pk,
            "product": product.pk,
            "violation_code": "no_second_confirmation",
            "summary": "抽检发现未二次确认",
        },
    )
    assert response.status_code == 302, response.content.decode()
    record = ViolationRecord.objects.get(partner=partner)
    actions.accept_violation(record, actor=member)
    response = client.post(
        reverse("compliance:violation_decide", args=[record.pk]), {"decision": "upheld", "reason": "属实"}
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.state == ViolationRecord.State.UPHELD
    blocks = client.get(reverse("compliance:blocks")).content.decode()
    assert product.name in blocks
    credit = client.get(reverse("compliance:partner_credit", args=[partner.pk])).content.decode()
    assert "95" in credit
    assert client.get(reverse("compliance:reports")).status_code == 200
    export = client.get(reverse("compliance:reports_export"))
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("compliance:violations") + "?export=xlsx").status_code == 200


def test_staff_edit_a_violation_type_makes_a_new_version(client, staff, no_2fa):
    client.force_login(staff)
    response = client.post(
        reverse("compliance:type_edit", args=["spam_mt"]),
        {
            "code": "spam_mt",
            "name": "垃圾短信",
            "grade": "serious",
            "points": "6",
            "penalty": "30000",
            "consequence": "none",
        },
    )
    assert response.status_code == 302
    from vasops.compliance.models import ViolationType

    versions = ViolationType.objects.filter(code="spam_mt").order_by("version")
    assert [(v.version, v.is_current, v.points) for v in versions] == [(1, False, 5), (2, True, 6)]
    assert versions.last().penalty_fen == 3_000_000


def test_settings_page_keeps_the_grade_lines_in_order(client, staff, no_2fa):
    client.force_login(staff)
    data = {
        "appeal_working_days": 5,
        "start_points": 100,
        "excellent_from": 90,
        "good_from": 95,
        "pass_from": 60,
        "points_general": 2,
        "points_serious": 5,
        "points_major": 10,
        "blacklist_months": 6,
        "class_ban_months": 6,
        "assessment_pass_score": 60,
        "assessment_fail_points": 5,
    }
    response = client.post(reverse("compliance:settings"), data)
    assert response.status_code == 200 and "优 &gt; 良" in response.content.decode()
    data["good_from"] = 80
    data["appeal_working_days"] = 7
    assert client.post(reverse("compliance:settings"), data).status_code == 302
    from vasops.compliance.actions.common import numbers

    assert numbers().appeal_working_days == 7


# --- API -----------------------------------------------------------------------------------------


def test_api_lists_are_scoped_to_the_partner(client, member, records):
    data = client.get("/api/v1/compliance/violations", headers=auth(member)).json()
    assert [r["number"] for r in data] == [records["mine"].number]
    assert client.get("/api/v1/compliance/blocks", headers=auth(member)).json() == []


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("post", "/accept", {}),
        ("post", "/appeal", {"text": "不服"}),
        ("post", "/raise", {}),
        ("post", "/decide", {"decision": "upheld", "reason": "x"}),
    ],
)
def test_api_another_partners_record_is_404_on_every_route(client, member, records, method, suffix, body):
    for key in ("theirs", "draft"):
        url = f"/api/v1/compliance/violations/{records[key].pk}{suffix}"
        kwargs = {"headers": auth(member)}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        response = getattr(client, method)(url, **kwargs)
        assert response.status_code == 404, response.json()


def test_api_other_partners_block_and_credit_are_404(client, member, records, other_partner):
    url = f"/api/v1/compliance/blocks/{records['block_theirs'].pk}/lift"
    assert (
        client.post(
            url, data={"reason": "x"}, content_type="application/json", headers=auth(member)
        ).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/compliance/credit/{other_partner.pk}", headers=auth(member)).status_code == 404
    )


def test_api_partner_appeals_and_staff_decide(client, member, staff, records, partner):
    record = records["mine"]
    response = client.post(
        f"/api/v1/compliance/violations/{record.pk}/appeal",
        data={"text": "资费已写明"},
        content_type="application/json",
        headers=auth(member),
    )
    assert response.status_code == 200 and response.json()["state"] == "appealed"
    response = client.post(
        f"/api/v1/compliance/violations/{record.pk}/decide",
        data={"decision": "reduced", "reason": "初犯", "points": 2, "penalty_fen": 100000},
        content_type="application/json",
        headers=auth(staff),
    )
    assert response.status_code == 200, response.json()
    assert response.json()["points_deducted"] == 2
    credit = client.get(f"/api/v1/compliance/credit/{partner.pk}", headers=auth(member)).json()
    assert credit["points"] == 98 and credit["history"][0]["delta"] == -2


def test_api_a_partner_cannot_block(client, member, partner):
    response = client.post(
        "/api/v1/compliance/blocks",
        data={"scope": "partner", "partner_id": partner.pk, "reason": "x"},
        content_type="application/json",
        headers=auth(member),
    )
    assert response.status_code == 403
    assert response.json()["code"] == "core.permission_denied"


def test_the_portal_home_lists_records_open_for_appeal_and_the_partner_page_shows_the_chart(
    client, member, records, partner
):
    client.force_login(member)
    home = client.get(reverse("portal:home")).content.decode()
    assert records["mine"].number in home and records["theirs"].number not in home
    me = client.get(reverse("partners:me")).content.decode()
    assert reverse("compliance:credit_chart", args=[partner.pk]) in me
    chart = client.get(reverse("compliance:credit_chart", args=[partner.pk]))
    assert chart["Content-Type"] == "image/svg+xml" and b"<svg" in chart.content
