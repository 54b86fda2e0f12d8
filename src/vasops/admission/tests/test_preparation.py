"""System preparation: the 2-working-day deadline, the sweep, work orders, testing, opening."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.admission import actions, queries, tasks
from vasops.admission.tests.conftest import OPENING, complete_application, to_reviewed
from vasops.core import calendar, clock
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.models import AuditEvent, Deadline, Notification

pytestmark = pytest.mark.django_db

DATA = {
    "technical_contact": "王工 027-1",
    "server_addresses": "10.0.0.1:8080",
    "business_summary": "天气短信",
}


@pytest.fixture
def accepted_on_festival_friday(partner_a, staff, pools, freeze):
    calendar.seed_years([2026])
    freeze("2026-01-05")
    _partner, user = partner_a
    app = to_reviewed(complete_application(user))
    freeze("2026-02-13")  # Friday before the 2026 Spring Festival
    app = actions.decide_application(app, actor=staff, decision="accept", reason="ok")
    return app, user


def test_access_data_due_end_of_tuesday_after_spring_festival(accepted_on_festival_friday):
    app, _user = accepted_on_festival_friday
    due = clock.local_date(app.access_data_due_at)
    assert due == dt.date(2026, 2, 24)
    deadline = queries.open_deadline(app)
    assert deadline is not None and deadline.due_at == clock.end_of_day(dt.date(2026, 2, 24))
    assert app.prep_month == dt.date(2026, 2, 1)


def test_access_data_on_time_meets_deadline_and_starts_preparation(accepted_on_festival_friday, freeze):
    app, user = accepted_on_festival_friday
    freeze("2026-02-24")
    app = actions.submit_access_data(app, actor=user, data=DATA)
    assert app.state == "preparing" and app.prep_month == dt.date(2026, 2, 1)
    assert Deadline.objects.get(object_id=str(app.pk)).state == "met"
    assert AuditEvent.objects.filter(action="admission.access_data_submitted", object_id=str(app.pk)).exists()


def test_access_data_must_be_complete_and_from_own_partner(accepted_on_festival_friday, partner_b, staff):
    app, user = accepted_on_festival_friday
    with pytest.raises(DomainError) as exc:
        actions.submit_access_data(app, actor=user, data={"technical_contact": "x"})
    assert exc.value.code == "admission.access_data_incomplete"
    _q, other = partner_b
    with pytest.raises(PermissionDenied):
        actions.submit_access_data(app, actor=other, data=DATA)
    with pytest.raises(PermissionDenied):
        actions.submit_access_data(app, actor=staff, data=DATA)


def test_sweep_postpones_missed_deadline_once(accepted_on_festival_friday, staff, freeze):
    app, user = accepted_on_festival_friday
    freeze("2026-02-24")
    assert tasks.sweep_preparation_deadlines() == 0  # still due today
    freeze("2026-02-25")
    assert tasks.sweep_preparation_deadlines() == 1
    assert tasks.sweep_preparation_deadlines() == 0  # idempotent
    app.refresh_from_db()
    assert app.prep_month == dt.date(2026, 3, 1)
    assert clock.local_date(app.access_data_due_at) == dt.date(2026, 3, 20)
    rows = list(Deadline.objects.filter(object_id=str(app.pk)).order_by("id").values_list("state", flat=True))
    assert rows == ["missed", "open"]
    assert (
        AuditEvent.objects.filter(action="admission.preparation_postponed", object_id=str(app.pk)).count()
        == 1
    )
    assert Notification.objects.filter(recipient=user, subject__contains="推迟").exists()
    assert Notification.objects.filter(recipient=staff, subject__contains="推迟").exists()


def test_late_submission_without_sweep_applies_the_postponement_itself(accepted_on_festival_friday, freeze):
    app, user = accepted_on_festival_friday
    freeze("2026-02-26")
    app = actions.submit_access_data(app, actor=user, data=DATA)
    assert app.state == "preparing"
    assert app.prep_month == dt.date(2026, 3, 1)
    assert tasks.sweep_preparation_deadlines() == 0


def test_management_command_runs_the_sweep(accepted_on_festival_friday, freeze):
    from io import StringIO

    from django.core.management import call_command

    freeze("2026-02-25")
    out = StringIO()
    call_command("admission_sweep", stdout=out)
    assert "preparation_postponed: 1" in out.getvalue()


@pytest.fixture
def preparing(accepted_on_festival_friday, freeze):
    app, user = accepted_on_festival_friday
    freeze("2026-02-24")
    return actions.submit_access_data(app, actor=user, data=DATA), user


def _close_orders(app):
    from vasops.workorders.models import WorkOrder

    WorkOrder.objects.filter(object_id=str(app.pk), object_type="admission.application").update(
        state="closed"
    )


def test_data_change_orders_one_per_system_and_testing_waits_for_them(preparing, staff, outsider):
    from vasops.workorders.models import VAS_SYSTEMS

    app, _user = preparing
    systems = [str(c) for c, _l in VAS_SYSTEMS][:2]
    with pytest.raises(PermissionDenied):
        actions.raise_data_change_orders(app, actor=outsider, systems=systems)
    with pytest.raises(DomainError) as exc:
        actions.start_access_testing(app, actor=staff)
    assert exc.value.code == "admission.work_orders_pending"
    orders = actions.raise_data_change_orders(app, actor=staff, systems=systems)
    assert len(orders) == 2 and {o.type for o in orders} == {"data_change"}
    assert {o.system for o in orders} == set(systems)
    with pytest.raises(DomainError) as exc:
        actions.raise_data_change_orders(app, actor=staff, systems=systems[:1])
    assert exc.value.code == "admission.work_order_exists"
    with pytest.raises(DomainError) as exc:
        actions.start_access_testing(app, actor=staff)
    assert exc.value.code == "admission.work_orders_pending"
    assert len(queries.work_orders_of(app)) == 2
    assert any(e.kind == "work_order" for e in queries.timeline(app))
    _close_orders(app)
    assert actions.start_access_testing(app, actor=staff).state == "testing"


@pytest.fixture
def testing(preparing, staff):
    from vasops.workorders.models import VAS_SYSTEMS

    app, user = preparing
    actions.raise_data_change_orders(app, actor=staff, systems=[str(VAS_SYSTEMS[0][0])])
    _close_orders(app)
    return actions.start_access_testing(app, actor=staff), user


def test_opening_requires_every_case_passed_latest_result_counts(testing, staff, outsider):
    from vasops.admission import rules

    app, _user = testing
    cases = rules.access_cases_for(app.line_codes())
    with pytest.raises(PermissionDenied):
        actions.record_test_result(app, actor=outsider, business_line="SMS", case_code="sms_mo", passed=True)
    with pytest.raises(DomainError) as exc:
        actions.record_test_result(app, actor=staff, business_line="SMS", case_code="sms_mo", passed=False)
    assert exc.value.code == "admission.reason_required"
    for line, code, _t in cases:
        actions.record_test_result(app, actor=staff, business_line=line, case_code=code, passed=True)
    actions.record_test_result(
        app, actor=staff, business_line="SMS", case_code="sms_mo", passed=False, note="乱码"
    )
    with pytest.raises(DomainError) as exc:
        actions.open_access(app, actor=staff, data=OPENING)
    assert exc.value.code == "admission.tests_not_passed"
    # the failing case by its title (附件4), not its code
    assert "上行点播（MO）" in exc.value.message and "sms_mo" not in exc.value.message
    actions.record_test_result(
        app, actor=staff, business_line="SMS", case_code="sms_mo", passed=True, note="复测"
    )
    row = next(c for c in queries.access_checklist(app) if c["code"] == "sms_mo")
    assert len(row["history"]) == 3
    with pytest.raises(PermissionDenied):
        actions.open_access(app, actor=outsider, data=OPENING)
    with pytest.raises(DomainError) as exc:
        actions.open_access(app, actor=staff, data={**OPENING, "tariff": " ", "unsubscribe_method": ""})
    assert exc.value.code == "admission.opening_data_incomplete" and exc.value.field == "tariff"
    assert "资费标准、退订方式" in exc.value.message and "附件5" in exc.value.full_message
    app.refresh_from_db()
    assert app.state == "testing"
    app = actions.open_access(app, actor=staff, data=OPENING)
    assert app.state == "opened" and app.opening_data == OPENING
    app.partner.refresh_from_db()
    assert app.partner.state == "active"
    ev = AuditEvent.objects.get(action="admission.access_opened", object_id=str(app.pk))
    assert ev.after["opening_data"]["unsubscribe_method"] == "发送 TD 到业务接入号"


def test_unknown_test_case_is_refused(testing, staff):
    app, _user = testing
    with pytest.raises(DomainError) as exc:
        actions.record_test_result(app, actor=staff, business_line="WAP", case_code="wap_access", passed=True)
    assert exc.value.code == "admission.unknown_test_case"
