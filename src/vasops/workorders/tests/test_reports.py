"""Work-order SLA report: figures computed by hand over stage rows, plus the page and API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.urls import reverse

from vasops.core.clock import SHANGHAI
from vasops.workorders import actions, reports
from vasops.workorders.models import WorkOrder
from vasops.workorders.reports import StageFact

DUE = dt.datetime(2026, 11, 10, 23, 59, 59, tzinfo=SHANGHAI)
START = dt.datetime(2026, 11, 9, 9, 0, tzinfo=SHANGHAI)
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI)


def plain_days(a: dt.date, b: dt.date) -> int:
    return (b - a).days  # every day a working day, for hand-computed figures


def fact(
    wo: int, stage: str = "approval", *, finished=None, due=DUE, start=START, active=True, priority="normal"
):
    return StageFact(wo, "om_complaint", priority, stage, start, due, finished, active)


# --- pure figures ----------------------------------------------------------------------------


def test_finishing_exactly_at_due_is_on_time_one_second_later_is_late():
    assert reports.stage_on_time(fact(1, finished=DUE), NOW) is True
    assert reports.stage_on_time(fact(1, finished=DUE + dt.timedelta(seconds=1)), NOW) is False


def test_unfinished_stage_is_undecided_until_due_then_late():
    assert reports.stage_on_time(fact(1), DUE) is None
    assert reports.stage_on_time(fact(1), DUE + dt.timedelta(seconds=1)) is False


def test_p90_of_ten_values_is_the_ninth_smallest():
    assert reports.p90([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]) == 9
    assert reports.p90([5]) == 5
    assert reports.p90([]) is None


def test_mean_and_percent():
    assert reports.mean([1, 2, 4]) == 2.33
    assert reports.percent(2, 3) == 66.7
    assert reports.percent(0, 0) is None


def test_group_figures_by_hand():
    # wo 1: approval on time (2 days), network on time (3 days)        → on time overall
    # wo 2: approval late (finished 11-12, 3 days)                      → late overall
    # wo 3: approval on time (0 days), network open and past due now   → late, overdue now
    # wo 4: approval open, not yet due at NOW                           → undecided
    net_due = dt.datetime(2026, 11, 15, 23, 59, 59, tzinfo=SHANGHAI)
    facts = [
        fact(1, finished=dt.datetime(2026, 11, 10, 18, 0, tzinfo=SHANGHAI)),
        fact(
            1,
            "network",
            start=dt.datetime(2026, 11, 10, 18, 0, tzinfo=SHANGHAI),
            due=net_due,
            finished=dt.datetime(2026, 11, 13, 10, 0, tzinfo=SHANGHAI),
        ),
        fact(2, finished=dt.datetime(2026, 11, 12, 10, 0, tzinfo=SHANGHAI)),
        fact(3, finished=dt.datetime(2026, 11, 9, 17, 0, tzinfo=SHANGHAI)),
        fact(3, "network", start=dt.datetime(2026, 11, 9, 17, 0, tzinfo=SHANGHAI), due=net_due),
        fact(4, due=dt.datetime(2026, 11, 25, 23, 59, 59, tzinfo=SHANGHAI)),
        fact(5, priority="emergency", finished=DUE),
    ]
    groups = reports.sla_report(facts, now=NOW, count_days=plain_days)
    assert [(g.type, g.priority) for g in groups] == [
        ("om_complaint", "normal"),
        ("om_complaint", "emergency"),
    ]
    g = groups[0]
    assert (g.work_orders, g.decided, g.on_time, g.overdue_now) == (4, 3, 1, 1)
    assert g.on_time_pct == 33.3
    approval, network = g.stages
    assert (approval.stage, approval.count, approval.decided, approval.on_time) == ("approval", 4, 3, 2)
    assert approval.on_time_pct == 66.7
    # handling days of finished approvals: 1 (11-09→11-10), 3 (11-09→11-12), 0 → mean 1.33, p90 3
    assert approval.mean_days == 1.33 and approval.p90_days == 3
    assert (network.count, network.decided, network.on_time) == (2, 2, 1)
    assert network.mean_days == 3 and network.p90_days == 3
    e = groups[1]
    assert (e.work_orders, e.on_time, e.on_time_pct) == (1, 1, 100.0)


def test_closed_work_order_with_open_stage_is_not_overdue_now():
    groups = reports.sla_report([fact(1, active=False)], now=NOW, count_days=plain_days)
    assert groups[0].overdue_now == 0


@pytest.mark.parametrize(
    ("month", "today", "expected"),
    [
        ("2026-11", dt.date(2026, 12, 5), (dt.date(2026, 11, 1), dt.date(2026, 11, 30))),
        ("2026-12", dt.date(2026, 12, 5), (dt.date(2026, 12, 1), dt.date(2026, 12, 31))),
        (None, dt.date(2026, 12, 5), (dt.date(2026, 11, 6), dt.date(2026, 12, 5))),
        ("garbage", dt.date(2026, 12, 5), (dt.date(2026, 11, 6), dt.date(2026, 12, 5))),
    ],
)
def test_period_month_or_last_30_days(month, today, expected):
    assert reports.period_for(month, today)[:2] == expected


def test_excel_export_has_header_and_rows():
    import io

    from openpyxl import load_workbook

    groups = reports.sla_report([fact(1, finished=DUE)], now=NOW, count_days=plain_days)
    wb = load_workbook(io.BytesIO(reports.to_xlsx(groups, "2026 年 11 月")))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[1][0] == "类型" and rows[2][0] == "运维投诉" and rows[2][9] == 100.0


# --- page and API ----------------------------------------------------------------------------


@pytest.fixture
def wo(cal, freeze, user_a):
    freeze("2026-11-09")
    wo = actions.open_work_order(actor=user_a, type="om_complaint", title="投诉")
    # created_at follows the business clock (2026-11-09 above); pin it to the reported instant
    WorkOrder.objects.filter(pk=wo.pk).update(created_at=START)
    return wo


def test_report_page_for_om_staff_with_chart_and_export(client, no_2fa, om, wo):
    client.force_login(om)
    body = client.get(reverse("workorders:sla_report") + "?month=2026-11").content.decode()
    assert "运维投诉" in body and "/static/vendor/chart.umd.min.js" in body and "cdn" not in body.lower()
    r = client.get(reverse("workorders:sla_report") + "?month=2026-11&export=xlsx")
    assert r.status_code == 200 and "spreadsheetml" in r["Content-Type"]


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "11/2026", "2026-00", "abcd-ef"])
def test_an_invalid_month_is_said_not_silently_replaced(client, no_2fa, om, wo, bad):
    client.force_login(om)
    body = client.get(reverse("workorders:sla_report"), {"month": bad}).content.decode()
    assert f"月份“{bad}”无效" in body and "最近 30 天" in body
    _, secret = apps.get_model("api", "ApiToken").issue(om)
    r = client.get(
        "/api/v1/work-orders/sla-report", {"month": bad}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert r.status_code == 400 and r.json()["code"] == "workorders.bad_month"


def test_valid_month_boundaries():
    assert reports.valid_month("2026-01") and reports.valid_month("2026-12")
    assert not reports.valid_month("2026-00") and not reports.valid_month("2026-13")


def test_report_page_refused_to_partner_and_finance(client, no_2fa, user_a, finance):
    for user in (user_a, finance):
        client.force_login(user)
        assert client.get(reverse("workorders:sla_report")).status_code == 403


def test_report_api(client, om, user_a, wo):
    def get(user):
        _, secret = apps.get_model("api", "ApiToken").issue(user)
        return client.get(
            "/api/v1/work-orders/sla-report?month=2026-11", headers={"Authorization": f"Bearer {secret}"}
        )

    r = get(om)
    assert r.status_code == 200
    assert r.json()["groups"][0]["work_orders"] == 1 and r.json()["unit"] == "working_days"
    assert get(user_a).status_code == 403
