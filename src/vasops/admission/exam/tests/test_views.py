"""Exam pages and API: permission, partner isolation, import all-or-nothing, the portal paper."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from vasops.admission.exam import actions
from vasops.admission.models import Question
from vasops.admission.tests import support as f
from vasops.api.models import ApiToken
from vasops.core import roles
from vasops.core.testing import StaffFactory

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _no_2fa(settings):
    settings.VASOPS_STAFF_2FA = False


@pytest.fixture
def staff(db):
    return StaffFactory(username="exam_view_staff", roles=[roles.PRODUCT_STAFF])


@pytest.fixture
def two_partners(staff, freeze):
    freeze("2026-04-11")
    pa, ua = f.partner("甲")
    pb, ub = f.partner("乙")
    f.bank(staff, 4)
    sittings = []
    for p, u in ((pa, ua), (pb, ub)):
        app = f.application(p, u)
        sittings.append(
            actions.schedule_exam(
                app,
                actor=staff,
                date=dt.date(2026, 4, 13),
                duration_minutes=30,
                questions_per_paper=3,
                business_person="甲",
                technical_person="乙",
            )
        )
    return ua, ub, sittings[0], sittings[1]


def xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(actions.IMPORT_HEADERS)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("bank.xlsx", out.getvalue(), XLSX)


GOOD = [
    ["业务", "单选", "受理时间？", "1-10 日", "11-15 日", None, None, None, None, "A"],
    ["技术", "多选", "接入方式？", "专线", "VPN", "公网", None, None, None, "AB"],
    ["业务", "判断", "80 分通过", None, None, None, None, None, None, "对"],
]


def test_import_good_file_creates_all_questions(client, staff):
    client.force_login(staff)
    resp = client.post(reverse("admission:exam_question_import"), {"file": xlsx(GOOD)})
    assert resp.status_code == 302
    assert Question.objects.count() == 3
    assert Question.objects.get(qtype="multiple").answer == "AB"


def test_import_file_with_bad_row_reports_row_and_field_and_imports_nothing(client, staff):
    client.force_login(staff)
    bad = [
        *GOOD,
        ["业务", "单选", "坏题", "甲", "乙", None, None, None, None, "D"],
        ["其他", "单选", "x", "a", "b"],
    ]
    resp = client.post(reverse("admission:exam_question_import"), {"file": xlsx(bad)})
    assert resp.status_code == 400
    assert Question.objects.count() == 0
    errors = resp.context["row_errors"]
    assert (5, "答案") in [(e.row, e.field) for e in errors]
    assert (6, "类别") in [(e.row, e.field) for e in errors]
    assert "第 5 行" in str(errors[0]) or "第 5 行" in str(errors[1])


def test_import_action_all_or_nothing(staff):
    with pytest.raises(actions.QuestionImportError) as exc:
        actions.import_questions(
            xlsx([*GOOD, ["技术", "判断", "", None, None, None, None, None, None, "对"]]), actor=staff
        )
    assert [(e.row, e.field) for e in exc.value.errors] == [(5, "题目")]
    assert Question.objects.count() == 0


def test_template_download_has_the_import_headers(client, staff):
    client.force_login(staff)
    resp = client.get(reverse("admission:exam_question_template"))
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content)).active
    assert [c.value for c in ws[1]] == actions.IMPORT_HEADERS
    # the template itself imports cleanly
    assert len(actions.import_questions(io.BytesIO(resp.content), actor=staff)) == 3


def test_bank_pages_refuse_partner_users_and_work_for_staff(client, staff, two_partners):
    ua, *_ = two_partners
    client.force_login(ua)
    for name in ("exam_question_list", "exam_question_create", "exam_sitting_list", "exam_question_import"):
        assert client.get(reverse(f"admission:{name}")).status_code == 403
    client.force_login(staff)
    assert (
        client.get(reverse("admission:exam_question_list") + "?category=business&qtype=truefalse").status_code
        == 200
    )
    assert client.get(reverse("admission:exam_sitting_list")).status_code == 200
    q = Question.objects.first()
    assert client.get(reverse("admission:exam_question_edit", args=[q.pk])).status_code == 200


def test_staff_sitting_detail_and_publish(client, staff, two_partners, freeze):
    _, _, sa, _ = two_partners
    client.force_login(staff)
    resp = client.get(reverse("admission:exam_sitting_detail", args=[sa.pk]))
    assert resp.status_code == 200 and sa.seed in resp.content.decode()
    resp = client.post(
        reverse("admission:exam_sitting_record", args=[sa.pk]),
        {"business_score": 85, "technical_score": 80, "reason": "纸质考试"},
    )
    assert resp.status_code == 302
    client.post(reverse("admission:exam_sitting_publish", args=[sa.pk]))
    sa.application.refresh_from_db()
    assert sa.application.state == "exam_passed"


def test_partner_a_cannot_open_partner_b_paper_pages(client, two_partners, freeze):
    ua, _, sa, sb = two_partners
    freeze("2026-04-13")
    client.force_login(ua)
    own = sa.papers.first()
    other = sb.papers.first()
    assert client.get(reverse("admission:exam_paper", args=[own.pk])).status_code == 200
    for name in ("exam_paper",):
        assert client.get(reverse(f"admission:{name}", args=[other.pk])).status_code == 404
    for name in ("exam_paper_start", "exam_paper_save", "exam_paper_submit"):
        assert client.post(reverse(f"admission:{name}", args=[other.pk])).status_code == 404
    assert client.get(reverse("admission:exam_sitting_detail", args=[sb.pk])).status_code == 403
    listing = client.get(reverse("admission:exam_portal")).content.decode()
    assert reverse("admission:exam_paper", args=[own.pk]) in listing
    assert reverse("admission:exam_paper", args=[other.pk]) not in listing


def test_portal_paper_flow_start_autosave_submit_hides_answers(client, two_partners, freeze):
    ua, _, sa, _ = two_partners
    freeze("2026-04-13")
    client.force_login(ua)
    paper = sa.papers.get(category="business")
    client.post(reverse("admission:exam_paper_start", args=[paper.pk]))
    paper.refresh_from_db()
    assert paper.state == "paper_in_progress"
    page = client.get(reverse("admission:exam_paper", args=[paper.pk])).content.decode()
    assert "countdown" in page
    q = paper.questions[0]
    resp = client.post(
        reverse("admission:exam_paper_save", args=[paper.pk]),
        {f"q_{q['id']}": q["answer"]},
        HTTP_HX_REQUEST="true",
    )
    assert resp.status_code == 200 and "已自动保存" in resp.content.decode()
    data = {f"q_{x['id']}": x["answer"] for x in paper.questions}
    client.post(reverse("admission:exam_paper_submit", args=[paper.pk]), data)
    paper.refresh_from_db()
    assert paper.state == "paper_submitted" and paper.score == 100
    page = client.get(reverse("admission:exam_paper", args=[paper.pk])).content.decode()
    assert "成绩将在考核结果公布后显示" in page and "100 分" not in page


def test_paper_not_openable_before_sitting_day(client, two_partners):
    ua, _, sa, _ = two_partners
    client.force_login(ua)
    paper = sa.papers.first()
    client.post(reverse("admission:exam_paper_start", args=[paper.pk]))
    paper.refresh_from_db()
    assert paper.state == "paper_not_started"


def test_api_sittings_are_scoped_and_questions_are_staff_only(client, staff, two_partners):
    ua, _, sa, sb = two_partners
    _, secret = ApiToken.issue(ua)
    h = {"Authorization": f"Bearer {secret}"}
    resp = client.get("/api/v1/admission/exam/sittings", headers=h)
    assert resp.status_code == 200
    assert [s["id"] for s in resp.json()] == [sa.pk] and resp["X-Total-Count"] == "1"
    assert resp.json()[0]["seed"] is None
    assert client.get(f"/api/v1/admission/exam/sittings/{sb.pk}", headers=h).status_code == 404
    assert client.get("/api/v1/admission/exam/questions", headers=h).status_code == 403
    assert client.post(f"/api/v1/admission/exam/sittings/{sa.pk}/publish", headers=h).status_code == 403
    _, staff_secret = ApiToken.issue(staff)
    hs = {"Authorization": f"Bearer {staff_secret}"}
    resp = client.get("/api/v1/admission/exam/questions?category=business", headers=hs)
    assert resp.status_code == 200 and resp["X-Total-Count"] == "4"
    resp = client.post(
        f"/api/v1/admission/exam/sittings/{sa.pk}/scores",
        {"business_score": 79, "technical_score": 90, "reason": "纸质"},
        content_type="application/json",
        headers=hs,
    )
    assert resp.status_code == 200
    resp = client.post(f"/api/v1/admission/exam/sittings/{sa.pk}/publish", headers=hs)
    assert resp.status_code == 200 and resp.json()["passed"] is False


def test_staff_forms_render_and_schedule_through_page(client, staff, freeze):
    freeze("2026-04-11")
    p, u = f.partner("丁")
    app = f.application(p, u)
    f.bank(staff, 3)
    client.force_login(staff)
    assert client.get(reverse("admission:exam_question_create")).status_code == 200
    assert client.get(reverse("admission:exam_sitting_create")).status_code == 200
    data = {
        "application": app.pk,
        "date": "2026-04-16",
        "duration_minutes": 30,
        "questions_per_paper": 2,
        "business_person": "甲",
        "technical_person": "乙",
    }
    resp = client.post(reverse("admission:exam_sitting_create"), data)
    assert (
        resp.status_code == 200 and "11–15" in resp.content.decode()
    )  # error shown next to the date, input kept
    assert 'value="甲"' in resp.content.decode()
    resp = client.post(reverse("admission:exam_sitting_create"), {**data, "date": "2026-04-15"})
    assert resp.status_code == 302
    q = Question.objects.first()
    resp = client.post(reverse("admission:exam_question_retire", args=[q.pk]), {"reason": "过时"})
    assert resp.status_code == 302
    q.refresh_from_db()
    assert q.retired
