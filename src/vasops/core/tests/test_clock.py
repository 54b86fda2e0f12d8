"""The business clock: VASOPS_TODAY only with DEBUG/tests, honoured by clock.today(); frozen()."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vasops.core import clock

ROOT = Path(__file__).resolve().parents[4]


def _import_settings(**env):
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "VASOPS_TESTING", "VASOPS_TODAY"}}
    base.update(env)
    base["PYTHONPATH"] = str(ROOT / "src")
    base["VASOPS_VAR_DIR"] = base.get("VASOPS_VAR_DIR", str(ROOT / "var"))
    return subprocess.run(
        [sys.executable, "-c", "import vasops.settings"],
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def test_vasops_today_is_refused_in_production_settings():
    result = _import_settings(SECRET_KEY="x" * 50, VASOPS_TODAY="2026-01-05")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "VASOPS_TODAY freezes the business clock and is only honoured with DEBUG=1" in result.stderr


def test_vasops_today_is_accepted_with_debug():
    result = _import_settings(SECRET_KEY="x" * 50, VASOPS_TODAY="2026-01-05", DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_production_settings_without_vasops_today_import():
    result = _import_settings(SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr


def test_clock_today_honours_vasops_today(settings):
    settings.VASOPS_TODAY = "2026-03-02"
    assert clock.today() == dt.date(2026, 3, 2)
    assert clock.local_date(clock.now()) == dt.date(2026, 3, 2)


def test_without_vasops_today_clock_is_the_real_shanghai_date(settings):
    settings.VASOPS_TODAY = None
    from django.utils import timezone

    assert clock.today() == timezone.now().astimezone(clock.SHANGHAI).date()


def test_frozen_nests_and_restores(settings):
    settings.VASOPS_TODAY = None
    real = clock.today()
    with clock.frozen("2026-01-05") as day:
        assert day == dt.date(2026, 1, 5)
        assert clock.today() == dt.date(2026, 1, 5)
        with clock.frozen(dt.date(2026, 2, 1)):
            assert clock.today() == dt.date(2026, 2, 1)
        assert clock.today() == dt.date(2026, 1, 5)
    assert clock.today() == real


def test_frozen_wins_over_vasops_today(settings):
    settings.VASOPS_TODAY = "2026-03-02"
    with clock.frozen("2026-07-01"):
        assert clock.today() == dt.date(2026, 7, 1)


def test_freeze_fixture_sets_the_date(freeze):
    freeze("2026-01-05")
    assert clock.today() == dt.date(2026, 1, 5)


def test_end_of_day_is_the_last_second_in_shanghai():
    eod = clock.end_of_day(dt.date(2026, 1, 5))
    assert eod.astimezone(dt.UTC) == dt.datetime(2026, 1, 5, 15, 59, 59, tzinfo=dt.UTC)


@pytest.mark.parametrize("bad", ["2026-13-01", "not-a-date"])
def test_frozen_refuses_a_bad_date(bad):
    with pytest.raises(ValueError), clock.frozen(bad):
        pass


# --- one clock: every timestamp the platform writes comes from the business clock ----------


def test_every_automatic_timestamp_reads_the_business_clock():
    from django.apps import apps
    from django.db import models

    from vasops.core.fields import ClockDateTimeField

    wall_clock = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model.__module__.startswith("vasops.")
        for field in model._meta.fields
        if isinstance(field, models.DateTimeField)
        and (field.auto_now or field.auto_now_add)
        and not isinstance(field, ClockDateTimeField)
    ]
    assert wall_clock == []


@pytest.mark.django_db
def test_inbox_deadlines_and_documents_are_stamped_on_the_moved_business_date(
    django_capture_on_commit_callbacks,
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from vasops.core import documents, notify
    from vasops.core.models import Deadline, Notification
    from vasops.core.testing import UserFactory

    user = UserFactory()
    with clock.frozen("2030-05-06"):
        with django_capture_on_commit_callbacks(execute=True):
            notify.send([user], subject="测试", body="", url="/")
        deadline = Deadline.objects.create(object_type="x.y", object_id="1", kind="k", due_at=clock.now())
        doc = documents.store(
            SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
            actor=user,
            partner_id=None,
            kind="test",
            field="file",
        )
        notify.mark_read(user)
    note = Notification.objects.get(recipient=user)
    assert note.read_at is not None
    for stamp in (note.created_at, note.read_at, deadline.created_at, doc.uploaded_at):
        assert clock.local_date(stamp) == dt.date(2030, 5, 6)
