"""Exit 退出 (subscriptions ended in the VAC with one SP notification each, product offline, the
partner's classes closed for 6 months) and assessment (registered inputs, ranking, confirmation
feeding credit)."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.catalog.models import Product
from vasops.compliance import actions
from vasops.compliance import assessment as registry
from vasops.compliance.errors import ComplianceError
from vasops.compliance.models import Assessment, ExitRecord
from vasops.compliance.tests import factories
from vasops.core import clock
from vasops.core.errors import DomainError
from vasops.partners.models import Partner, Restriction
from vasops.vac import actions as vac_actions
from vasops.vac.models import NotifyOutbox, Subscription

pytestmark = pytest.mark.django_db


def _subscribe(product, *numbers):
    for n in numbers:
        vac_actions.subscribe(actor="crm", msisdn=n, product=product, channel="crm")


def _unsubscribe_notes(product) -> int:
    return NotifyOutbox.objects.filter(product_id=product.product_code, update_type=2).count()


def test_a_product_exit_ends_every_relation_with_one_notification_each_and_only_once(staff, partner, product):
    _subscribe(product, "13100000001", "13100000002")
    record = actions.exit_product(product, actor=staff, reason="违法内容")
    assert record.subscriptions_ended == 2
    assert not Subscription.objects.filter(
        product=product, state__in=["active", "pending_confirmation"]
    ).exists()
    assert _unsubscribe_notes(product) == 2
    product.refresh_from_db()
    assert product.state == Product.State.RETIRED
    with pytest.raises(DomainError) as exc:
        actions.exit_product(product, actor=staff, reason="再来一次")
    assert exc.value.code == ComplianceError.ALREADY_EXITED
    assert _unsubscribe_notes(product) == 2


def test_a_partner_exit_ends_everything_and_bans_its_classes_for_six_months(staff, partner, product):
    second = factories.live_product(partner)
    _subscribe(product, "13100000003")
    _subscribe(second, "13100000004")
    with clock.frozen(dt.date(2026, 11, 17)):
        record = actions.exit_partner(partner, actor=staff, reason="一年内多次重大违约")
    assert record.subscriptions_ended == 2
    assert record.ban_until == dt.date(2027, 5, 16)
    partner.refresh_from_db()
    assert partner.state == Partner.State.EXITED
    ban = Restriction.objects.get(partner=partner, kind="violation_exclusion")
    assert ban.business_line == product.business_line.code
    assert ban.ends_on == dt.date(2027, 5, 16)
    assert _unsubscribe_notes(product) == 1 and _unsubscribe_notes(second) == 1
    assert ExitRecord.objects.filter(kind="partner").count() == 1


def test_an_upheld_violation_with_the_exit_consequence_exits_the_partner(staff, partner, product, member):
    record = factories.raised(staff, partner, code="repeated_major", product=product)
    actions.accept_violation(record, actor=member)
    actions.decide_violation(record, actor=staff, decision="upheld", reason="属实")
    partner.refresh_from_db()
    assert partner.state == Partner.State.EXITED
    assert ExitRecord.objects.get(partner=partner).source_id == str(record.pk)


@pytest.fixture
def complaints_input():
    counts = {}
    registry.register_input(
        "repeat_complaints", "重复投诉次数", lambda pid, s, e: counts.get(pid, 0), weight=5
    )
    yield counts
    registry.unregister_input("repeat_complaints")


def test_assessment_scores_ranks_and_confirmation_costs_the_failing_partner_points(
    staff, partner, other_partner, complaints_input
):
    complaints_input[partner.pk] = 9  # 100 - 45 = 55 < 60
    complaints_input[other_partner.pk] = 1  # 95
    with clock.frozen(dt.date(2026, 11, 20)):
        a = actions.compute_assessment(actor=staff, period_kind="month", day=dt.date(2026, 11, 5))
        cards = {c.partner_id: c for c in a.scorecards.all()}
        assert (a.period_start, a.period_end) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
        assert cards[partner.pk].score == 55 and cards[partner.pk].rank == 2
        assert cards[other_partner.pk].score == 95 and cards[other_partner.pk].rank == 1
        assert cards[partner.pk].inputs == {
            "repeat_complaints": 9,
            "upheld_violations": 0,
            "kpi_below_threshold": 0,  # the KPI package's input (compliance.kpi.inputs)
            "complaints": 0,  # the complaints app's own count (complaints.apps); none filed here
        }
        actions.confirm_assessment(a, actor=staff)
    a.refresh_from_db()
    assert a.state == Assessment.State.CONFIRMED
    from vasops.compliance.actions.credit import current_points

    with clock.frozen(dt.date(2026, 11, 20)):
        assert current_points(partner)[0] == 95
        assert current_points(other_partner)[0] == 100
    with pytest.raises(DomainError):
        actions.compute_assessment(actor=staff, period_kind="month", day=dt.date(2026, 11, 5))


def test_the_monthly_sweep_drafts_last_months_assessment_once(staff, partner):
    from vasops.compliance import tasks

    assert tasks.draft_last_month_assessment(dt.date(2026, 12, 3)) == 1
    assert tasks.draft_last_month_assessment(dt.date(2026, 12, 20)) == 0
    a = Assessment.objects.get()
    assert (a.period_start, a.period_end, a.state) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30), "draft")
    assert a.scorecards.filter(partner=partner).exists()


def test_what_an_upheld_violation_writes_reads_in_the_readers_language(staff, partner, product, member):
    """The exit record, the ban and the credit entries an upheld violation writes keep their
    reasons as messages: English readers read them in English (the violation's own name stays
    as staff typed it), the stored column keeps the Chinese."""
    from django.utils import translation

    from vasops.compliance.models import CreditEntry

    record = factories.raised(staff, partner, code="repeated_major", product=product)
    actions.accept_violation(record, actor=member)
    actions.decide_violation(record, actor=staff, decision="upheld", reason="属实")
    written = [
        ExitRecord.objects.get(partner=partner),
        Restriction.objects.get(partner=partner, kind="violation_exclusion"),
        *CreditEntry.objects.filter(account__partner=partner),
    ]
    assert len(written) >= 3
    assert all(row.reason.startswith(("违约 ", "因违约退出")) for row in written)
    with translation.override("en"):
        english = [row.reason_text for row in written]
    assert all(text.startswith(("Violation ", "Exited for violations")) for text in english), english
    assert all(record.number in text for text in english)
    with translation.override("zh-hans"):
        assert [row.reason_text for row in written] == [row.reason for row in written]


def test_a_block_from_an_upheld_violation_reads_in_the_readers_language(
    staff, partner, product, member, client, settings
):
    from django.utils import translation

    from vasops.vac.models import ServiceBlock

    record = factories.raised(staff, partner, code="no_second_confirmation", product=product)
    actions.accept_violation(record, actor=member)
    actions.decide_violation(record, actor=staff, decision="upheld", reason="属实")
    block = ServiceBlock.objects.get(partner=partner, product=product)
    assert block.reason.startswith("违约 ")
    with translation.override("en"):
        assert block.reason_text.startswith(f"Violation {record.number} (")
    settings.VASOPS_STAFF_2FA = False
    client.force_login(staff)
    page = client.get("/compliance/blocks/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Violation {record.number} (" in page and f"违约 {record.number}" not in page
