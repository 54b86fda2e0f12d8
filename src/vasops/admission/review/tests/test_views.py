"""Expert review pages and API: experts see only their meetings, documents, staff pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from vasops.admission.review import actions
from vasops.admission.tests import support as f
from vasops.api.models import ApiToken
from vasops.core import documents, roles
from vasops.core.testing import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_2fa(settings):
    settings.VASOPS_STAFF_2FA = False


@pytest.fixture
def staff(db):
    return StaffFactory(username="review_view_staff", roles=[roles.PRODUCT_STAFF])


@pytest.fixture
def scene(staff, freeze):
    """Two meetings with disjoint one-expert panels (expert 0 on A's, expert 1 on B's)."""
    freeze("2026-04-16")
    pa, ua = f.partner("甲")
    pb, ub = f.partner("乙")
    e0 = actions.create_expert(
        actor=staff, user=f.user("ex0", role=roles.EXPERT), name="专家零", specialities=[]
    )
    e1 = actions.create_expert(
        actor=staff, user=f.user("ex1", role=roles.EXPERT), name="专家一", specialities=[]
    )
    actions.add_conflict(e1, pa, actor=staff, reason="回避甲")
    actions.add_conflict(e0, pb, actor=staff, reason="回避乙")
    ma = actions.schedule_review_meeting(
        f.application(pa, ua, state="exam_passed"),
        actor=staff,
        date=dt.date(2026, 4, 20),
        place="A",
        panel_size=1,
    )
    mb = actions.schedule_review_meeting(
        f.application(pb, ub, state="exam_passed"),
        actor=staff,
        date=dt.date(2026, 4, 20),
        place="B",
        panel_size=1,
    )
    return {"pa": pa, "ua": ua, "ub": ub, "e0": e0, "e1": e1, "ma": ma, "mb": mb}


def test_site_home_redirects_expert_to_expert_home(client, scene):
    client.force_login(scene["e0"].user)
    resp = client.get(reverse("home"))
    assert resp.status_code == 302 and resp["Location"] == reverse("admission:expert_home")


def test_expert_sees_only_own_meetings_another_expert_gets_404(client, scene):
    client.force_login(scene["e0"].user)
    home = client.get(reverse("admission:expert_home")).content.decode()
    assert reverse("admission:expert_meeting", args=[scene["ma"].pk]) in home
    assert reverse("admission:expert_meeting", args=[scene["mb"].pk]) not in home
    assert client.get(reverse("admission:expert_meeting", args=[scene["ma"].pk])).status_code == 200
    assert client.get(reverse("admission:expert_meeting", args=[scene["mb"].pk])).status_code == 404
    other_sheet = scene["mb"].sheets.get()
    assert (
        client.post(reverse("admission:expert_sheet", args=[other_sheet.pk]), {"submit": "1"}).status_code
        == 404
    )
    assert client.get(reverse("admission:review_meeting_detail", args=[scene["mb"].pk])).status_code == 403


def test_expert_scores_and_submits_own_sheet_through_page(client, scene):
    meeting = scene["ma"]
    sheet = meeting.sheets.get()
    client.force_login(scene["e0"].user)
    data = {f"score_{c}": 88 for c in meeting.weights} | {"comment": "演示流畅", "submit": "1"}
    resp = client.post(reverse("admission:expert_sheet", args=[sheet.pk]), data)
    assert resp.status_code == 302
    sheet.refresh_from_db()
    assert sheet.state == "sheet_submitted" and str(sheet.weighted_total) == "88.00"
    resp = client.post(reverse("admission:expert_sheet", args=[sheet.pk]), data)
    assert resp.status_code == 400  # locked
    page = client.get(reverse("admission:expert_meeting", args=[meeting.pk])).content.decode()
    assert "88.00" in page


def test_assigned_expert_may_download_partner_documents_others_not(client, scene):
    doc = documents.store(
        SimpleUploadedFile(
            "plan.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf"
        ),
        actor=scene["ua"],
        partner_id=scene["pa"].pk,
        kind="admission.business_plan",
    )
    url = reverse("core:download", args=[doc.uuid])
    client.force_login(scene["e0"].user)
    assert client.get(url).status_code == 200
    client.force_login(scene["e1"].user)
    assert client.get(url).status_code == 404


def test_partner_users_cannot_reach_review_pages(client, scene):
    client.force_login(scene["ua"])
    for name in ("review_expert_list", "review_meeting_list", "review_meeting_create", "review_indicators"):
        assert client.get(reverse(f"admission:{name}")).status_code == 403
    assert client.get(reverse("admission:expert_meeting", args=[scene["ma"].pk])).status_code == 404
    assert client.get(reverse("admission:review_meeting_detail", args=[scene["ma"].pk])).status_code == 403


def test_staff_pages_show_seed_and_record_absence(client, staff, scene):
    client.force_login(staff)
    for name in ("review_expert_list", "review_meeting_list", "review_meeting_create", "review_indicators"):
        assert client.get(reverse(f"admission:{name}")).status_code == 200
    assert client.get(reverse("admission:review_expert_detail", args=[scene["e0"].pk])).status_code == 200
    page = client.get(reverse("admission:review_meeting_detail", args=[scene["ma"].pk])).content.decode()
    assert scene["ma"].seed in page
    resp = client.post(
        reverse("admission:review_meeting_attendance", args=[scene["ma"].pk]), {"attended": "0"}
    )
    assert resp.status_code == 302
    scene["ma"].application.refresh_from_db()
    assert scene["ma"].application.state == "review_absent"
    assert scene["pa"].restrictions.filter(kind="ban").exists()


def test_weights_page_refuses_sum_other_than_10000(client, staff):
    """A sum of 9999 is refused with the sum named and nothing saved; 10000 is saved. (The page
    always explains "合计须为 10000", so the refusal is asserted by its own words.)"""
    from vasops.admission.review.models import ReviewIndicator

    client.force_login(staff)
    actions.ensure_default_indicators()
    saved = dict(ReviewIndicator.objects.values_list("code", "weight_bp"))
    data = {f"w_{s.code}": 1000 for s in actions.rules.DEFAULT_INDICATORS}
    data["w_innovation"] = 999
    resp = client.post(reverse("admission:review_indicators"), data)
    assert resp.status_code == 200
    assert "各指标权重之和须为 10000 基点（100%），当前为 9999。" in resp.content.decode()
    assert dict(ReviewIndicator.objects.values_list("code", "weight_bp")) == saved
    data["w_innovation"] = 1000
    assert client.post(reverse("admission:review_indicators"), data).status_code == 302
    assert ReviewIndicator.objects.get(code="innovation").weight_bp == 1000


def test_api_expert_sees_only_own_meetings_and_sheets(client, scene, staff):
    _, secret = ApiToken.issue(scene["e0"].user)
    h = {"Authorization": f"Bearer {secret}"}
    resp = client.get("/api/v1/admission/review/meetings", headers=h)
    assert [m["id"] for m in resp.json()] == [scene["ma"].pk]
    assert client.get(f"/api/v1/admission/review/meetings/{scene['mb'].pk}", headers=h).status_code == 404
    sheets = client.get("/api/v1/admission/review/sheets", headers=h).json()
    assert [s["meeting_id"] for s in sheets] == [scene["ma"].pk]
    other = scene["mb"].sheets.get()
    resp = client.put(
        f"/api/v1/admission/review/sheets/{other.pk}",
        {"scores": {}},
        content_type="application/json",
        headers=h,
    )
    assert resp.status_code == 404
    assert (
        client.post(
            "/api/v1/admission/review/draw",
            {"application_id": scene["ma"].application_id, "panel_size": 1, "seed": "s"},
            content_type="application/json",
            headers=h,
        ).status_code
        == 403
    )
    _, partner_secret = ApiToken.issue(scene["ua"])
    hp = {"Authorization": f"Bearer {partner_secret}"}
    assert client.get("/api/v1/admission/review/meetings", headers=hp).json() == []
    assert client.get("/api/v1/admission/review/sheets", headers=hp).json() == []


def test_api_draw_is_reproducible_and_attendance(client, staff, scene):
    _, secret = ApiToken.issue(staff)
    h = {"Authorization": f"Bearer {secret}"}
    body = {"application_id": scene["ma"].application_id, "panel_size": 1, "seed": scene["ma"].seed}
    first = client.post(
        "/api/v1/admission/review/draw", body, content_type="application/json", headers=h
    ).json()
    again = client.post(
        "/api/v1/admission/review/draw", body, content_type="application/json", headers=h
    ).json()
    assert first["experts"] == again["experts"] == [scene["e0"].pk]
    resp = client.post(
        f"/api/v1/admission/review/meetings/{scene['mb'].pk}/attendance",
        {"attended": True},
        content_type="application/json",
        headers=h,
    )
    assert resp.status_code == 200 and resp.json()["attended"] is True


def test_meeting_create_page_previews_then_schedules_with_the_seed(client, staff, freeze):
    freeze("2026-04-16")
    p, u = f.partner("戊")
    app = f.application(p, u, state="exam_passed")
    for i in range(3):
        actions.create_expert(
            actor=staff, user=f.user(f"mx{i}", role=roles.EXPERT), name=f"专家{i}", specialities=[]
        )
    client.force_login(staff)
    assert client.get(reverse("admission:review_expert_create")).status_code == 200
    data = {
        "application": app.pk,
        "date": "2026-04-22",
        "place": "会议室",
        "panel_size": 2,
        "seed": "page-seed",
    }
    resp = client.post(reverse("admission:review_meeting_create"), {**data, "preview": "1"})
    assert resp.status_code == 200
    previewed = [e.pk for e in resp.context["preview"]]
    resp = client.post(reverse("admission:review_meeting_create"), {**data, "schedule": "1"})
    assert resp.status_code == 302
    meeting = app.review_meetings.get()
    assert meeting.seed == "page-seed"
    assert list(meeting.members.values_list("expert_id", flat=True)) == previewed


def test_the_score_sheets_indicator_labels_give_the_weight_in_the_readers_language():
    from django.utils import translation

    from vasops.admission.review.forms import ScoreSheetForm

    indicators = [("team", "团队实力", 2500)]
    with translation.override("en"):
        assert ScoreSheetForm(indicators=indicators, initial_scores={}).fields["score_team"].label == (
            "团队实力 (weight 25.00%)"
        )
    with translation.override("zh-hans"):
        assert ScoreSheetForm(indicators=indicators, initial_scores={}).fields["score_team"].label == (
            "团队实力（权重 25.00%）"
        )
