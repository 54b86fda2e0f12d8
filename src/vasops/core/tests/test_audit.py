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


# A reason the platform writes reads in the reader's language; one a person typed reads as typed.

OVERDUE = "办结超时（时限 %(due)s）"  # complaints' escalation (msgid in the catalogue)
EXIT = "产品退出：%(text)s"  # compliance's exit: the frame around what staff typed


def test_a_reason_the_platform_writes_is_stored_in_chinese_with_its_msgid_and_values(day):
    from vasops.core import notify

    event = audit.record(
        actor="system", action="core.test", obj=day, reason=notify.text(OVERDUE, due="2027-01-04 12:11")
    )
    event.refresh_from_db()
    # search, exports and older readers keep the Chinese text
    assert event.reason == "办结超时（时限 2027-01-04 12:11）"
    assert event.reason_message == {"msgid": OVERDUE, "params": {"due": "2027-01-04 12:11"}}
    # a reason someone typed has nothing to translate
    typed = audit.record(actor="system", action="core.test", obj=day, reason="国务院通知")
    assert typed.reason_message is None


def test_a_reason_the_platform_writes_reads_in_english_and_in_chinese(day):
    from django.utils import translation

    from vasops.core import history, notify

    event = audit.record(
        actor="system", action="core.test", obj=day, reason=notify.text(OVERDUE, due="2027-01-04 12:11")
    )
    with translation.override("en"):
        assert history.reason_text(event) == "Closing overdue (deadline 2027-01-04 12:11)"
        # on a page only the value is marked as data: the words around it are checked in English
        assert history.reason_html(event) == (
            "Closing overdue (deadline <span data-user-data>2027-01-04 12:11</span>)"
        )
    with translation.override("zh-hans"):
        assert history.reason_text(event) == "办结超时（时限 2027-01-04 12:11）"


def test_only_the_frame_of_a_system_reason_is_translated_the_typed_part_stays(day):
    from django.utils import translation

    from vasops.core import history, notify

    # a frame inside a frame (an exit whose reason is an upheld violation's label) reads in one language
    label = notify.text("违约 %(number)s（%(name)s）", number="WY202612-0001", name="未执行二次确认")
    nested = audit.record(actor="system", action="core.test", obj=day, reason=notify.text(EXIT, text=label))
    typed = audit.record(
        actor="system", action="core.test", obj=day, reason=notify.text(EXIT, text="内容违规 <b>")
    )
    assert nested.reason == "产品退出：违约 WY202612-0001（未执行二次确认）"
    with translation.override("en"):
        assert history.reason_text(nested) == "Product exit: Violation WY202612-0001 (未执行二次确认)"
        assert history.reason_text(typed) == "Product exit: 内容违规 <b>"
        assert history.reason_html(typed) == "Product exit: <span data-user-data>内容违规 &lt;b&gt;</span>"


def test_an_older_row_without_the_message_shows_its_stored_reason(day):
    from django.utils import translation

    from vasops.core import history

    old = AuditEvent.objects.create(
        action="core.test",
        object_type="core.workcalendar",
        object_id=str(day.pk),
        reason="办结超时（时限 2026-01-04 12:11）",
    )
    with translation.override("en"):
        assert history.reason_text(old) == "办结超时（时限 2026-01-04 12:11）"
        assert (
            history.entry(old).reason_html == "<span data-user-data>办结超时（时限 2026-01-04 12:11）</span>"
        )


def test_the_audit_log_and_its_export_read_system_reasons_in_the_readers_language(client, settings, day):
    from vasops.core import notify
    from vasops.core.testing import make_user

    settings.VASOPS_STAFF_2FA = False
    client.force_login(make_user("reason-auditor", roles=["auditor"], staff=True))
    audit.record(
        actor="system", action="core.test", obj=day, reason=notify.text(OVERDUE, due="2027-01-04 12:11")
    )
    assert "办结超时（时限 2027-01-04 12:11）" in client.get("/console/audit/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/console/audit/").content.decode()
    assert "Closing overdue (deadline 2027-01-04 12:11)" in page and "办结超时" not in page
    csv = client.get("/console/audit/?export=csv").content.decode("utf-8-sig")
    assert "Closing overdue (deadline 2027-01-04 12:11)" in csv
    # the search still finds the row by its Chinese words
    assert "Closing overdue" in client.get("/console/audit/?q=办结超时").content.decode()
