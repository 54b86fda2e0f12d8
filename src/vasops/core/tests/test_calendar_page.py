"""The working-day calendar page in the console."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.core import calendar
from vasops.core.models import AuditEvent, WorkCalendar

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(freeze):
    freeze("2026-01-05")
    calendar.seed_years([2026])


def test_staff_sees_the_year_grid_with_make_up_days_marked(staff_client, seeded):
    response = staff_client.get("/console/calendar/2026/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "2026 年工作日历" in html
    assert html.count('<div class="card-header py-1">') == 12
    # Saturday 2026-02-14 is a make-up working day of the Spring Festival.
    cell = html.split('data-date="2026-02-14"', 1)[1].split("</td>", 1)[0]
    assert 'title="2026年2月14日 调休上班（春节）"' in cell
    assert '<span class="badge text-bg-warning">调</span>' in cell
    # Monday 2026-02-16 is a holiday on a weekday.
    cell = html.split('data-date="2026-02-16"', 1)[1].split("</td>", 1)[0]
    assert "春节" in cell and '<span class="badge text-bg-danger">休</span>' in cell
    # An ordinary Monday carries no mark.
    cell = html.split('data-date="2026-03-02"', 1)[1].split("</td>", 1)[0]
    assert "badge" not in cell


def test_calendar_defaults_to_the_business_year(staff_client, seeded):
    assert staff_client.get("/console/calendar/").context["year"] == 2026


def test_missing_next_year_alert_is_shown(staff_client, seeded):
    html = staff_client.get("/console/calendar/").content.decode()
    assert "尚未维护 2027 年的工作日历" in html


def test_no_alert_when_next_year_is_seeded(staff_client, seeded):
    calendar.seed_years([2027])
    html = staff_client.get("/console/calendar/").content.decode()
    assert "尚未维护" not in html


def test_editing_a_day_without_reason_is_refused_inline(staff_client, seeded):
    response = staff_client.post(
        "/console/calendar/2026/",
        {"date": "2026-10-12", "is_working_day": "0", "note": "临时放假", "reason": ""},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "这个字段是必填项" in html
    assert 'value="临时放假"' in html  # nothing typed is lost
    assert WorkCalendar.objects.get(date=dt.date(2026, 10, 12)).is_working_day is True
    assert not AuditEvent.objects.filter(action="core.calendar_day_set").exists()


def test_blank_reason_of_spaces_is_refused_by_the_action(staff_client, seeded):
    response = staff_client.post(
        "/console/calendar/2026/",
        {"date": "2026-10-12", "is_working_day": "0", "note": "", "reason": "   "},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "这个字段是必填项" in html or "修改工作日历必须填写原因" in html
    assert WorkCalendar.objects.get(date=dt.date(2026, 10, 12)).is_working_day is True


def test_editing_a_day_with_reason_saves_and_writes_audit(staff_client, staff, seeded):
    response = staff_client.post(
        "/console/calendar/2026/",
        {"date": "2026-10-12", "is_working_day": "0", "note": "临时放假", "reason": "省公司通知"},
    )
    assert response.status_code == 302
    row = WorkCalendar.objects.get(date=dt.date(2026, 10, 12))
    assert (row.is_working_day, row.note, row.source) == (False, "临时放假", "manual")
    event = AuditEvent.objects.get(action="core.calendar_day_set")
    assert event.actor == staff
    assert event.reason == "省公司通知"
    assert event.before == {"is_working_day": True, "note": ""}
    assert event.after == {"is_working_day": False, "note": "临时放假"}
    assert calendar.is_working_day(dt.date(2026, 10, 12)) is False


def test_seed_button_generates_a_missing_year(staff_client, seeded):
    response = staff_client.post("/console/calendar/2027/", {"seed": "1"})
    assert response.status_code == 302
    assert WorkCalendar.objects.filter(date__year=2027).count() == 365
    assert AuditEvent.objects.filter(action="core.calendar_year_seeded").exists()


def test_partner_user_gets_403(client, partner_user, seeded):
    client.force_login(partner_user)
    assert client.get("/console/calendar/").status_code == 403
    response = client.post(
        "/console/calendar/2026/", {"date": "2026-10-12", "is_working_day": "0", "reason": "x"}
    )
    assert response.status_code == 403
    assert WorkCalendar.objects.get(date=dt.date(2026, 10, 12)).is_working_day is True
