"""The next step on the application page: each state offers the actions the viewer's role may
take next, with the deadline of the acceptance window; the decision form shows the score it
decides on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from vasops.admission import next_steps
from vasops.admission.review.models import ReviewMeeting
from vasops.admission.tests.factories import ApplicationFactory
from vasops.core import roles
from vasops.core.testing import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def product_staff(settings):
    settings.VASOPS_STAFF_2FA = False
    return StaffFactory(username="next_step_staff", roles=[roles.PRODUCT_STAFF])


def card(client, app) -> str:
    body = client.get(app.get_absolute_url()).content.decode()
    assert 'data-testid="next-steps"' in body
    return body.split('data-testid="next-steps"')[1].split("</ul>")[0]


def test_after_initial_approval_staff_are_offered_to_schedule_the_exam_by_day_15(client, product_staff):
    app = ApplicationFactory(state="initial_approved")
    client.force_login(product_staff)
    html = card(client, app)
    assert "安排考核" in html
    assert reverse("admission:exam_sitting_create") + f"?application={app.pk}" in html
    assert f"{app.window_month.year}年{app.window_month.month}月15日 前" in html


def test_after_the_exam_staff_are_offered_to_schedule_the_review_by_day_20(client, product_staff):
    app = ApplicationFactory(state="exam_passed")
    client.force_login(product_staff)
    html = card(client, app)
    assert "安排评审会" in html
    assert reverse("admission:review_meeting_create") + f"?application={app.pk}" in html
    assert f"{app.window_month.month}月20日 前" in html


def test_a_role_without_the_permission_sees_the_step_and_who_takes_it_but_no_button(client, settings):
    settings.VASOPS_STAFF_2FA = False
    auditor = StaffFactory(username="next_step_auditor", roles=[roles.AUDITOR])
    app = ApplicationFactory(state="exam_passed")
    client.force_login(auditor)
    html = card(client, app)
    assert "安排评审会" in html and reverse("admission:review_meeting_create") not in html
    assert "由产品创新部、部门负责人办理" in html


def test_the_partner_sees_what_its_application_waits_for_not_staff_buttons(client):
    app = ApplicationFactory(state="initial_approved")
    from vasops.partners.tests.factories import partner_user

    client.force_login(partner_user(app.partner, admin=True))
    html = card(client, app)
    assert "接入考核" in html  # rules.next_step: the partner's own next step
    assert reverse("admission:exam_sitting_create") not in html


def test_every_state_on_the_way_names_a_next_step_with_a_due_date():
    for state in ["submitted", "initial_approved", "exam_passed", "reviewed"]:
        app = ApplicationFactory(state=state)
        steps = next_steps.steps_for(None, app, partner_side=True)
        assert steps and all(s.due is not None for s in steps), state
        assert all(not s.allowed for s in steps)  # a partner takes none of the staff's steps


def test_the_decision_form_shows_the_review_score(client, product_staff, settings):
    head = StaffFactory(username="next_step_head", roles=[roles.DEPARTMENT_HEAD])
    app = ApplicationFactory(state="reviewed")
    ReviewMeeting.objects.create(
        application=app,
        date=app.window_month.replace(day=18),
        place="会议室",
        panel_size=5,
        seed="s",
        state="meeting_completed",
        aggregate_score=Decimal("86.40"),
        created_by=product_staff,
        completed_at=dt.datetime(2026, 4, 18, 10, tzinfo=dt.UTC),
    )
    client.force_login(head)
    body = client.get(reverse("admission:application_decide", args=[app.pk])).content.decode()
    score = body.split('data-testid="review-score"')[1].split("</div></div>")[0]
    assert "86.40" in score and "5 位评委" in score
