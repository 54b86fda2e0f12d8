"""The demo clock (DEBUG demos): staff move the business date, and the move is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from vasops.core import clock, roles
from vasops.core.models import AuditEvent
from vasops.core.testing import make_user, verify_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_clock(settings, tmp_path):
    settings.VASOPS_DEMO_CLOCK_FILE = str(tmp_path / "demo_today")
    return settings.VASOPS_DEMO_CLOCK_FILE


def test_staff_move_the_demo_date_and_the_move_is_audited(client, demo_clock):
    staff = make_user("clock_head", staff=True, roles=[roles.DEPARTMENT_HEAD])
    verify_client(client, staff)
    response = client.post(reverse("console:demo_clock"), {"day": "2027-01-12"})
    assert response.status_code == 302
    assert clock.today() == dt.date(2027, 1, 12)
    event = AuditEvent.objects.get(action="console.demo_clock_set")
    assert event.actor == staff and event.after == {"today": "2027-01-12"}
    clock.set_demo_day(None)


def test_without_the_demo_clock_the_page_is_refused(client):
    staff = make_user("clock_head2", staff=True, roles=[roles.DEPARTMENT_HEAD])
    verify_client(client, staff)
    assert client.get(reverse("console:demo_clock")).status_code == 403
    assert not AuditEvent.objects.filter(action="console.demo_clock_set").exists()
