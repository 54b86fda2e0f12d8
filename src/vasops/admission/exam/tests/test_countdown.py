"""The exam countdown runs from the seconds left that the server sends (by the business clock),
not from the browser's clock against a deadline; the server closes the paper when time is up.

The business date here (2026-04-13) is not the machine's date: the clock is "moved", as in the
demo, where a deadline compared with the browser's clock showed "剩余时间：56219:56"."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse

from vasops.admission.exam import actions
from vasops.admission.tests import support as f
from vasops.core import clock, roles
from vasops.core.testing import StaffFactory

pytestmark = pytest.mark.django_db

APP_JS = Path(__file__).resolve().parents[3] / "core" / "static" / "vasops" / "app.js"


@pytest.fixture
def paper(freeze, settings):
    settings.VASOPS_STAFF_2FA = False
    staff = StaffFactory(username="countdown_staff", roles=[roles.PRODUCT_STAFF])
    freeze("2026-04-11")
    partner, user = f.partner("倒计时")
    f.bank(staff, 4)
    sitting = actions.schedule_exam(
        f.application(partner, user),
        actor=staff,
        date=dt.date(2026, 4, 13),
        duration_minutes=60,
        questions_per_paper=3,
        business_person="甲",
        technical_person="乙",
    )
    freeze("2026-04-13")
    return user, sitting.papers.get(category="business")


def remaining_on_page(html: str) -> int:
    m = re.search(r'id="countdown" data-remaining="(\d+)"[^>]*>(\d+):(\d\d)<', html)
    assert m, "countdown not on the page"
    seconds, minutes, secs = int(m.group(1)), int(m.group(2)), int(m.group(3))
    assert minutes * 60 + secs == seconds  # the page shows the same value before any script runs
    return seconds


def test_countdown_is_the_seconds_left_by_the_business_clock(client, paper, monkeypatch):
    user, p = paper
    client.force_login(user)
    client.post(reverse("admission:exam_paper_start", args=[p.pk]))
    p.refresh_from_db()
    assert p.state == "paper_in_progress"
    assert p.started_at.astimezone(clock.SHANGHAI).date() == dt.date(2026, 4, 13)

    html = client.get(reverse("admission:exam_paper", args=[p.pk])).content.decode()
    assert 3590 <= remaining_on_page(html) <= 3600  # a 60-minute paper, just started

    # 20 minutes later by the business clock: 40 minutes left, whatever the machine's date
    monkeypatch.setattr(clock, "now", lambda: p.started_at + dt.timedelta(minutes=20))
    html = client.get(reverse("admission:exam_paper", args=[p.pk])).content.decode()
    assert remaining_on_page(html) == 40 * 60

    # past the deadline and its grace: the server closes the paper with the saved answers
    monkeypatch.setattr(clock, "now", lambda: p.started_at + dt.timedelta(minutes=62))
    html = client.get(reverse("admission:exam_paper", args=[p.pk])).content.decode()
    p.refresh_from_db()
    assert p.state == "paper_submitted" and p.auto_closed
    assert 'id="countdown"' not in html and "自动交卷" in html


def test_the_page_script_never_reads_a_deadline_against_the_browser_clock():
    js = APP_JS.read_text(encoding="utf-8")
    assert "dataset.remaining" in js
    assert "dataset.deadline" not in js and "Date.now()" not in js
