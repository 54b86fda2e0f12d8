import pytest

from vasops.api.models import ApiToken
from vasops.core import calendar
from vasops.core.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth():
    user = make_user("gateway-client")
    _, secret = ApiToken.issue(user)
    return {"Authorization": f"Bearer {secret}"}


def test_add_working_days_route_crosses_spring_festival_and_make_up_day(client, auth):
    calendar.seed_years([2026])
    r = client.get("/api/v1/calendar/working-days/add?start=2026-02-13&n=2", headers=auth)
    assert r.status_code == 200
    body = r.json()
    assert body["due_date"] == "2026-02-24"
    assert body["due_at"].startswith("2026-02-24T23:59:59")


def test_calendar_year_lists_make_up_saturday_as_working_day_in_chinese(client, auth):
    calendar.seed_years([2026])
    r = client.get("/api/v1/calendar/2026", headers=auth)
    assert r.status_code == 200
    days = {d["date"]: d for d in r.json()}
    assert len(days) == 365
    assert days["2026-02-14"]["is_working_day"] is True
    assert days["2026-02-17"]["is_working_day"] is False
    assert "春节" in r.content.decode()  # UTF-8, not \\u escapes


def test_missing_calendar_year_is_a_clear_404(client, auth):
    r = client.get("/api/v1/calendar/2045", headers=auth)
    assert r.status_code == 404
    assert r.json()["code"] == "core.calendar_missing"
    assert "2045" in r.json()["message"]


def test_calendar_routes_require_authentication(client):
    assert client.get("/api/v1/calendar/today").status_code == 401


def test_today_route_follows_the_business_clock(client, auth, freeze):
    freeze("2026-02-14")
    calendar.seed_years([2026])
    body = client.get("/api/v1/calendar/today", headers=auth).json()
    assert body == {"today": "2026-02-14", "is_working_day": True}


def test_healthz_answers_without_login(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.content == b"ok"


def test_n_out_of_range_is_refused_naming_the_field(client, auth):
    r = client.get("/api/v1/calendar/working-days/add?start=2026-02-13&n=400", headers=auth)
    assert r.status_code == 422  # the bound is in the OpenAPI document (maximum 365)
    assert r.json()["field"] == "n"
    assert "不能大于 365" in r.json()["message"]
