"""Audit events are append-only and shown on every object page via {% history_panel %}."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from vasops.core import audit
from vasops.core.models import AuditEvent, WorkCalendar
from vasops.core.request_context import reset, set_ip

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    import datetime as dt

    return WorkCalendar.objects.create(date=dt.date(2026, 2, 14), is_working_day=True, source="manual")


def test_record_writes_actor_object_change_reason_and_ip(staff, day):
    token = set_ip("10.1.2.3")
    try:
        event = audit.record(
            actor=staff,
            action="core.calendar_day_set",
            obj=day,
            partner_id=5,
            before={"is_working_day": False},
            after=audit.snapshot(day, ["is_working_day", "date"]),
            reason="调休通知",
        )
    finally:
        reset(token)
    event.refresh_from_db()
    assert event.actor == staff
    assert event.actor_label == "王主任"
    assert event.object_type == "core.workcalendar"
    assert event.object_id == "2026-02-14"
    assert event.after == {"is_working_day": True, "date": "2026-02-14"}
    assert event.ip == "10.1.2.3"
    assert event.partner_id == 5


def test_system_actor_is_labelled(day):
    event = audit.record(actor="sweep", action="x.y", obj=day)
    assert event.actor is None and event.actor_label == "sweep"
    assert audit.record(actor=None, action="x.y", obj=day).actor_label == "system"


def test_saving_an_existing_event_is_refused(staff, day):
    event = audit.record(actor=staff, action="core.test", obj=day)
    event.reason = "rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_deleting_an_event_is_refused(staff, day):
    event = audit.record(actor=staff, action="core.test", obj=day)
    with pytest.raises(RuntimeError, match="append-only"):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_and_delete_are_refused(staff, day):
    audit.record(actor=staff, action="core.test", obj=day)
    with pytest.raises(RuntimeError, match="append-only"):
        AuditEvent.objects.all().update(reason="x")
    with pytest.raises(RuntimeError, match="append-only"):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(reason="").count() == 1


def test_history_panel_renders_the_events_of_that_object_only(staff, day):
    import datetime as dt

    other = WorkCalendar.objects.create(date=dt.date(2026, 2, 15), is_working_day=False, source="manual")
    audit.record(actor=staff, action="core.calendar_day_set", obj=day, reason="国务院通知", after={"a": 1})
    audit.record(actor=staff, action="core.other_thing", obj=other)
    html = Template("{% load vasops %}{% history_panel obj %}").render(
        Context({"obj": day, "request": RequestFactory().get("/")})
    )
    assert "操作历史" in html
    # the action in words, not its code
    assert "工作日历已修改" in html and "core.calendar_day_set" not in html
    # the reason as typed, marked as what a person wrote (the words walk reads around it)
    assert "原因：<span data-user-data>国务院通知</span>" in html
    assert "王主任" in html
    assert "core.other_thing" not in html


def test_history_panel_without_events_says_so(day):
    html = Template("{% load vasops %}{% history_panel obj %}").render(Context({"obj": day}))
    assert "暂无操作记录" in html
