"""The generic list page (ObjectListView), exercised through the audit log at /console/audit/."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from vasops.core import audit
from vasops.core.models import WorkCalendar
from vasops.core.testing import make_user

pytestmark = pytest.mark.django_db

URL = "/console/audit/"


@pytest.fixture
def events(staff):
    import datetime as dt

    day = WorkCalendar.objects.create(date=dt.date(2026, 1, 1), is_working_day=False, source="manual")
    for i in range(30):
        audit.record(actor=staff, action=f"core.alpha_{i:02d}", obj=day, reason=f"第{i}次")
    for i in range(5):
        audit.record(actor=staff, action=f"core.beta_{i}", obj=staff, reason="用户变更")
    return day


def test_pagination_shows_the_total_and_25_rows(staff_client, events):
    response = staff_client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "共 35 条" in html
    assert len(response.context["rows"]) == 25
    assert "第 1 / 2 页" in html
    assert len(staff_client.get(URL + "?page=2").context["rows"]) == 10


def test_search_matches_action_and_reason(staff_client, events):
    response = staff_client.get(URL + "?q=beta")
    assert "共 5 条" in response.content.decode()
    response = staff_client.get(URL + "?q=第7次")
    assert "共 1 条" in response.content.decode()


def test_filter_by_object_type(staff_client, events):
    response = staff_client.get(URL + "?object_type=core.user")
    assert "共 5 条" in response.content.decode()
    options = response.context["filters"][0]["options"]
    values = dict(options)
    assert "core.workcalendar" in values and "工作日历" in values["core.workcalendar"]
    assert "admission.application" in values  # every audited model, without scanning the log


def test_sort_by_action_both_ways(staff_client, events):
    asc = [r["obj"].action for r in staff_client.get(URL + "?sort=action").context["rows"]]
    assert asc[0] == "core.alpha_00"
    desc = [r["obj"].action for r in staff_client.get(URL + "?sort=-action").context["rows"]]
    assert desc[0] == "core.beta_4"


def test_unknown_sort_field_is_ignored(staff_client, events):
    response = staff_client.get(URL + "?sort=actor__password")
    assert response.status_code == 200
    assert response.context["rows"][0]["obj"].action == "core.beta_4"  # default: newest first


def test_no_match_shows_the_empty_state_with_a_hint(staff_client, events):
    html = staff_client.get(URL + "?q=nothing-like-this").content.decode()
    assert "共 0 条" in html
    assert "没有符合条件的记录" in html


def test_csv_export_has_bom_chinese_header_and_the_filtered_rows(staff_client, events):
    response = staff_client.get(URL + "?q=beta&export=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["时间", "操作人", "动作", "对象类型", "对象编号", "原因", "IP"]
    assert len(rows) == 6
    assert {r[2] for r in rows[1:]} == {f"core.beta_{i}" for i in range(5)}


def test_csv_export_neutralises_spreadsheet_formulas(staff_client, staff, events):
    audit.record(actor=staff, action="core.gamma", obj=staff, reason='=HYPERLINK("http://x")')
    text = staff_client.get(URL + "?q=gamma&export=csv").content.decode("utf-8")
    row = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1]
    assert row[5] == '\'=HYPERLINK("http://x")'


def test_xlsx_export_opens_with_openpyxl(staff_client, events):
    response = staff_client.get(URL + "?export=xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("时间", "操作人", "动作")
    assert len(rows) == 36
    assert rows[1][1] == "王主任"


def test_user_without_view_audit_gets_403_also_for_export(client, events):
    user = make_user("plain")
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.get(URL + "?export=csv").status_code == 403
