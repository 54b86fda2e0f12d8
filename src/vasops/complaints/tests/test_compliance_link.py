"""What complaints give compliance: a violation draft opened from a complaint (once), and the
complaint counts registered as assessment inputs. Skipped while the compliance app is absent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps as django_apps

from vasops.complaints import actions, queries
from vasops.complaints.errors import ComplaintError
from vasops.core import clock
from vasops.core.errors import DomainError

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not django_apps.is_installed("vasops.compliance"), reason="compliance not installed"),
]


def test_a_complaint_opens_one_violation_draft_with_its_evidence(agent, product):
    with clock.frozen(dt.date(2026, 12, 1)):
        c, _ = actions.receive_complaint(
            actor=agent,
            source="console",
            msisdn="13012345678",
            category="unauthorised_order",
            description="未订购被扣费",
            product=product,
        )
        record = actions.open_violation(
            c, actor=agent, violation_code="unauthorised_order", summary="用户未确认即被订购"
        )
    assert (record.state, record.partner_id, record.product_id) == ("draft", product.partner_id, product.pk)
    assert record.evidence["complaint"] == c.number and "5678" in record.evidence["msisdn"]
    c.refresh_from_db()
    assert c.violation_ref.endswith(f":{record.pk}")
    with pytest.raises(DomainError) as err:
        actions.open_violation(c, actor=agent, violation_code="unauthorised_order", summary="again")
    assert err.value.code == ComplaintError.VIOLATION_EXISTS


def test_the_complaint_counts_are_assessment_inputs():
    from vasops.compliance import assessment

    registered = {i.name: i.fn for i in assessment.inputs()}
    assert registered["repeat_complaints"] is queries.repeat_count
    assert registered["complaints"] is queries.complaint_count
