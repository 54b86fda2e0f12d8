from __future__ import annotations

import datetime as dt

import pytest

from vasops.core import calendar, clock
from vasops.workorders import rules

SH = clock.SHANGHAI


@pytest.mark.parametrize(
    ("type_", "priority", "days"),
    [
        (rules.APP_UPGRADE, rules.NORMAL, [2, 5, 3]),
        (rules.OM_DATA_QUERY, rules.NORMAL, [2, 5, 3]),
        (rules.OM_COMPLAINT, rules.NORMAL, [2, 5, 3]),
        (rules.APP_UPGRADE, rules.EMERGENCY, [1, 3, 2]),
        (rules.OM_DATA_QUERY, rules.EMERGENCY, [1, 3, 2]),
        (rules.OM_COMPLAINT, rules.EMERGENCY, [1, 3, 2]),
        (rules.DATA_CHANGE, rules.NORMAL, [7]),
        (rules.DATA_CHANGE, rules.EMERGENCY, [7]),
    ],
)
def test_stage_plan_working_days_follow_the_seed(type_, priority, days):
    plan = rules.stage_plan(type_, priority)
    assert [s.working_days for s in plan] == days


def test_om_stages_are_approval_network_implementation_in_that_order():
    plan = rules.stage_plan(rules.OM_COMPLAINT)
    assert [s.label for s in plan] == ["审批", "网络公司处理", "实施"]
    assert [s.group for s in plan] == ["product_staff", "om_engineer", "om_engineer"]


def test_data_change_has_a_single_implementation_stage():
    assert [s.label for s in rules.stage_plan(rules.DATA_CHANGE)] == ["实施"]


@pytest.mark.parametrize("bad", [("nope", rules.NORMAL), (rules.APP_UPGRADE, "urgent")])
def test_unknown_type_or_priority_is_refused(bad):
    with pytest.raises(ValueError):
        rules.stage_plan(*bad)


def test_partner_types_exclude_data_change():
    assert rules.PARTNER_TYPES == {rules.APP_UPGRADE, rules.OM_DATA_QUERY, rules.OM_COMPLAINT}


def test_vas_systems_are_exported_from_models():
    from vasops.workorders.models import VAS_SYSTEMS

    codes = [c for c, _ in VAS_SYSTEMS]
    assert codes[0] == "sms_gateway" and "boss_it" in codes and len(codes) == 10


DUE = dt.datetime(2026, 2, 24, 23, 59, 59, tzinfo=SH)


@pytest.mark.parametrize(
    ("now", "finished", "expected"),
    [
        (DUE - dt.timedelta(seconds=1), False, False),
        (DUE, False, False),  # the last second of the due day is still on time
        (DUE + dt.timedelta(seconds=1), False, True),
        (DUE + dt.timedelta(days=3), True, False),  # finished stages are never overdue
    ],
)
def test_overdue_only_strictly_after_the_deadline(now, finished, expected):
    assert rules.is_overdue(DUE, now, finished=finished) is expected


@pytest.mark.parametrize(
    ("remaining", "overdue", "colour"),
    [(5, False, "green"), (2, False, "green"), (1, False, "amber"), (0, False, "amber"), (0, True, "red")],
)
def test_sla_colour_amber_at_one_day_left_red_when_overdue(remaining, overdue, colour):
    assert rules.sla_colour(remaining, overdue=overdue) == colour


def test_remind_once_at_one_working_day_left_escalate_once_when_overdue():
    assert rules.should_remind(1, overdue=False, already_reminded=False)
    assert not rules.should_remind(2, overdue=False, already_reminded=False)
    assert not rules.should_remind(1, overdue=False, already_reminded=True)
    assert rules.should_escalate(overdue=True, already_escalated=False)
    assert not rules.should_escalate(overdue=True, already_escalated=True)
    assert not rules.should_escalate(overdue=False, already_escalated=False)


# --- deadlines on the real 2026 calendar (Spring Festival 2026-02-15..23, make-up Sat 02-14) ----
@pytest.mark.parametrize(
    ("start", "days", "due_day"),
    [
        (dt.date(2026, 2, 12), 2, dt.date(2026, 2, 14)),  # Thu + 2 = make-up Saturday
        (dt.date(2026, 2, 13), 2, dt.date(2026, 2, 24)),  # Fri + 2 skips the holiday
        (dt.date(2026, 2, 13), 1, dt.date(2026, 2, 14)),  # emergency approval
        (dt.date(2026, 2, 13), 5, dt.date(2026, 2, 27)),  # network company
        (dt.date(2026, 2, 10), 7, dt.date(2026, 2, 26)),  # data change across the holiday
        (dt.date(2026, 2, 16), 1, dt.date(2026, 2, 24)),  # raised during the holiday
        (dt.date(2026, 1, 5), 3, dt.date(2026, 1, 8)),  # an ordinary week
    ],
)
def test_stage_deadline_is_end_of_the_nth_working_day_in_shanghai(cal, start, days, due_day):
    due = calendar.deadline_after(start, days)
    assert due == dt.datetime.combine(due_day, dt.time(23, 59, 59), tzinfo=SH)
