from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from vasops.core import clock
from vasops.core.models import AuditEvent, Notification
from vasops.workorders import actions
from vasops.workorders.tasks import sweep_work_orders

SH = clock.SHANGHAI


@pytest.fixture
def wo(cal, freeze, om, head):
    freeze("2026-02-12")
    return actions.open_work_order(actor=om, type="om_complaint", title="投诉", assignee=om)  # due 02-14


def at(day: str, time: str = "10:00:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=SH)


def test_reminds_once_when_one_working_day_remains(wo, om):
    first = sweep_work_orders(now=at("2026-02-13"))
    second = sweep_work_orders(now=at("2026-02-13", "15:00:00"))
    assert (first["reminded"], second["reminded"]) == (1, 0)
    assert Notification.objects.filter(recipient=om, subject__contains="即将到期").count() == 1


def test_not_reminded_while_two_working_days_remain(wo):
    assert sweep_work_orders(now=at("2026-02-12"))["reminded"] == 0


def test_not_overdue_at_the_last_second_of_the_due_day(wo):
    result = sweep_work_orders(now=at("2026-02-14", "23:59:59"))
    wo.refresh_from_db()
    assert result["overdue"] == 0 and not wo.overdue and wo.escalated_at is None


def test_overdue_escalates_once_to_department_heads_even_if_swept_twice(wo, head):
    now = at("2026-02-15", "00:00:00")
    first = sweep_work_orders(now=now)
    second = sweep_work_orders(now=now + dt.timedelta(hours=1))
    wo.refresh_from_db()
    assert wo.overdue and wo.escalated_at == now
    assert (first["escalated"], second["escalated"]) == (1, 0)
    assert (first["overdue"], second["overdue"]) == (1, 0)
    assert Notification.objects.filter(recipient=head, subject__contains="超期升级").count() == 1
    assert (
        AuditEvent.objects.filter(action="workorders.work_order_escalated", object_id=str(wo.pk)).count() == 1
    )


def test_resolved_work_orders_are_not_swept(wo, om):
    actions.resolve(wo, actor=om, result="ok")
    assert sweep_work_orders(now=at("2026-03-01"))["checked"] == 0


def test_management_command_runs_the_sweep(wo, capsys):
    call_command("sweep_work_orders")
    assert "checked=1" in capsys.readouterr().out
