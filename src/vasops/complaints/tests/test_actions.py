"""The complaint acts: intake on three channels, 首问负责, dispatch as a work order with its
working-hour limits, answer, close, reopen (repeat), escalation once, refund charged back once."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.complaints import actions, queries, tasks
from vasops.complaints.errors import ComplaintError
from vasops.complaints.models import Complaint, Refund
from vasops.complaints.tests import factories
from vasops.core import clock
from vasops.core.errors import DomainError, NotFound, PermissionDenied
from vasops.core.models import AuditEvent, Notification
from vasops.settlement.models import Adjustment
from vasops.vac.models import Subscription
from vasops.workorders import actions as wo_actions
from vasops.workorders.errors import WorkOrderError
from vasops.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db
MSISDN = "13012345678"
TODAY = dt.date(2026, 12, 1)  # a Tuesday


def receive(actor, product=None, **kw):
    params = dict(
        actor=actor,
        source=Complaint.Source.CONSOLE,
        msisdn=MSISDN,
        category=Complaint.Category.UNAUTHORISED_ORDER,
        description="未订购却被扣费",
        product=product,
    )
    params.update(kw)
    complaint, _ = actions.receive_complaint(**params)
    return complaint


@pytest.fixture(autouse=True)
def tuesday():
    with clock.frozen(TODAY):
        yield


def test_an_agent_records_a_complaint_and_owns_it(agent, product):
    c = receive(agent, product)
    assert c.number.startswith("TS202612-")
    assert (c.owner, c.partner, c.state) == (agent, product.partner, "received")
    assert AuditEvent.objects.filter(action="complaints.complaint_received", object_id=str(c.pk)).exists()


def test_the_product_is_found_from_the_users_own_relations(agent, product, other_product):
    factories.subscribe(MSISDN, product)
    c = receive(agent, source=Complaint.Source.API, external_id="CS-1")
    assert c.product == product and c.owner is None
    # a hint naming another partner's product the user has nothing to do with finds nothing
    c2, _ = actions.receive_complaint(
        actor=None,
        source=Complaint.Source.PUBLIC,
        msisdn=MSISDN,
        category="other",
        description="x",
        product_hint=other_product.product_code,
    )
    assert c2.product is None


def test_the_cs_system_id_makes_intake_idempotent(agent, product):
    first, created = actions.receive_complaint(
        actor=agent, source="api", msisdn=MSISDN, category="content", description="a", external_id="CS-9"
    )
    again, created_again = actions.receive_complaint(
        actor=agent, source="api", msisdn=MSISDN, category="content", description="a", external_id="CS-9"
    )
    assert created and not created_again and again.pk == first.pk
    with pytest.raises(DomainError) as err:
        actions.receive_complaint(
            actor=agent,
            source="api",
            msisdn="13099999999",
            category="content",
            description="a",
            external_id="CS-9",
        )
    assert err.value.code == ComplaintError.EXTERNAL_ID_CONFLICT
    assert Complaint.objects.count() == 1


def test_intake_refuses_a_bad_number_and_people_without_the_permission(agent, partner_staff):
    with pytest.raises(DomainError) as err:
        receive(agent, msisdn="12345")
    assert err.value.code == ComplaintError.INVALID_MSISDN
    with pytest.raises(PermissionDenied):
        receive(partner_staff)


def test_dispatch_opens_a_linked_work_order_with_24_and_48_working_hour_limits(agent, product, partner_staff):
    c = actions.dispatch_complaint(receive(agent, product), actor=agent)
    assert c.state == "dispatched"
    assert c.answer_due_at == queries.add_working_hours(c.dispatched_at, 24)
    assert c.close_due_at == queries.add_working_hours(c.dispatched_at, 48)
    wo = c.work_order
    assert (wo.type, wo.partner, wo.object_id) == ("cs_complaint", product.partner, str(c.pk))
    assert Notification.objects.filter(recipient=partner_staff, subject__contains=c.number).exists()
    # nobody moves the linked work order by hand
    with pytest.raises(DomainError) as err:
        wo_actions.close(wo, actor=agent, result="x")
    assert err.value.code == WorkOrderError.FOLLOWS_ITS_SOURCE


def test_first_responsibility_another_agent_cannot_act(agent, product):
    c = receive(agent, product)
    other = factories.agent("cs2")
    with pytest.raises(DomainError) as err:
        actions.dispatch_complaint(c, actor=other)
    assert err.value.code == ComplaintError.NOT_OWNER
    # a department head may act in the owner's place
    actions.dispatch_complaint(c, actor=factories.head())


def test_an_unowned_complaint_is_taken_by_the_first_agent(agent, product):
    c = receive(agent, product, source="api", external_id="CS-2")
    actions.claim_complaint(c, actor=agent)
    with pytest.raises(DomainError):
        actions.claim_complaint(c, actor=factories.agent("cs2"))
    c.refresh_from_db()
    assert c.owner == agent


def test_the_partner_answers_cs_closes_and_the_work_order_follows(agent, product, partner_staff, other_staff):
    c = actions.dispatch_complaint(receive(agent, product), actor=agent)
    with pytest.raises(NotFound):
        actions.answer_complaint(c, actor=other_staff, answer="与我无关")
    c = actions.answer_complaint(c, actor=partner_staff, answer="已核实，已退订")
    assert c.state == "answered" and c.answered_at is not None
    c.work_order.refresh_from_db()
    assert c.work_order.state == "resolved"
    c = actions.close_complaint(c, actor=agent, reply="已为您退订并退费", verdict="upheld")
    c.work_order.refresh_from_db()
    assert (c.state, c.verdict, c.work_order.state) == ("closed", "upheld", "closed")


def test_a_reopened_complaint_is_a_repeat_with_fresh_limits(agent, product, partner_staff):
    c = actions.dispatch_complaint(receive(agent, product), actor=agent)
    actions.answer_complaint(c, actor=partner_staff, answer="已处理")
    actions.close_complaint(c, actor=agent, reply="已处理")
    c = actions.reopen_complaint(c, actor=agent, reason="仍被扣费")
    assert (c.state, c.reopen_count, c.owner) == ("dispatched", 1, agent)
    c.work_order.refresh_from_db()
    assert c.work_order.state == "in_progress"
    # a new complaint about the same user and product counts as a repeat too
    again = receive(agent, product)
    assert again.repeat_of == c
    start = TODAY - dt.timedelta(days=1)
    assert queries.repeat_count(product.partner_id, start, TODAY) == 2
    assert queries.complaint_count(product.partner_id, start, TODAY) == 2
    assert (
        queries.repeat_count(product.partner_id, TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=2))
        == 0
    )


def test_partners_cannot_reopen(agent, product, partner_staff):
    c = actions.dispatch_complaint(receive(agent, product), actor=agent)
    actions.close_complaint(c, actor=agent, reply="已处理")
    with pytest.raises(PermissionDenied):
        actions.reopen_complaint(c, actor=partner_staff, reason="x")


def test_the_sweep_escalates_an_overdue_answer_once(agent, product, partner_staff):
    head = factories.head()
    c = actions.dispatch_complaint(receive(agent, product), actor=agent)
    assert tasks.sweep_complaints(now=c.answer_due_at) == {"checked": 0, "escalated": 0}
    late = c.answer_due_at + dt.timedelta(seconds=1)
    assert tasks.sweep_complaints(now=late)["escalated"] == 1
    assert tasks.sweep_complaints(now=late + dt.timedelta(hours=1))["escalated"] == 0
    assert Notification.objects.filter(recipient=head, subject__contains="未按时答复").count() == 1
    c.refresh_from_db()
    assert c.answer_escalated_at == late and c.close_escalated_at is None
    # the closure limit escalates on its own, once
    very_late = c.close_due_at + dt.timedelta(minutes=1)
    assert tasks.sweep_complaints(now=very_late)["escalated"] == 1
    assert tasks.sweep_complaints(now=very_late)["escalated"] == 0


def test_a_refund_is_the_charged_amount_doubled_charged_back_once_and_unsubscribes(agent, product):
    factories.subscribe(MSISDN, product)  # the monthly charge of 500 fen writes its CDR today
    factories.cdr(MSISDN, product, 200, clock.now())
    factories.cdr(MSISDN, product, 999, clock.now() - dt.timedelta(days=40))  # outside the period
    c = actions.dispatch_complaint(receive(agent, product), actor=agent)
    refund = actions.refund_complaint(
        c, actor=agent, period_start=TODAY.replace(day=1), period_end=TODAY, upheld=True, unsubscribe=True
    )
    assert (refund.charged_fen, refund.ratio_bp, refund.amount_fen) == (700, 20_000, 1400)
    adj = Adjustment.objects.get()
    assert (adj.kind, adj.amount_fen, adj.month, adj.partner) == ("refund", -1400, TODAY, product.partner)
    assert adj.source_id == str(refund.pk)
    assert not Subscription.objects.filter(msisdn=MSISDN, product=product, state="active").exists()
    assert refund.unsubscribed
    with pytest.raises(DomainError) as err:
        actions.refund_complaint(c, actor=agent, period_start=TODAY, period_end=TODAY, upheld=True)
    assert err.value.code == ComplaintError.ALREADY_REFUNDED
    assert Adjustment.objects.count() == 1 and Refund.objects.count() == 1


def test_a_refund_of_another_amount_needs_a_reason_and_nothing_charged_refunds_nothing(agent, product):
    factories.cdr(MSISDN, product, 300, clock.now())
    c = receive(agent, product, category="charge_dispute")
    with pytest.raises(DomainError) as err:
        actions.refund_complaint(
            c, actor=agent, period_start=TODAY, period_end=TODAY, upheld=True, amount_fen=100
        )
    assert err.value.code == ComplaintError.REASON_REQUIRED
    with pytest.raises(DomainError) as err:
        actions.refund_complaint(
            c,
            actor=agent,
            period_start=TODAY - dt.timedelta(days=5),
            period_end=TODAY - dt.timedelta(days=2),
            upheld=False,
        )
    assert err.value.code == ComplaintError.NOTHING_TO_REFUND
    refund = actions.refund_complaint(
        c, actor=agent, period_start=TODAY, period_end=TODAY, upheld=True, amount_fen=100, reason="协商退一元"
    )
    assert (refund.charged_fen, refund.ratio_bp, refund.amount_fen) == (300, 10_000, 100)
    assert Adjustment.objects.get().amount_fen == -100


def test_a_partner_user_cannot_refund(agent, product, partner_staff):
    factories.cdr(MSISDN, product, 300, clock.now())
    c = receive(agent, product)
    with pytest.raises(PermissionDenied):
        actions.refund_complaint(c, actor=partner_staff, period_start=TODAY, period_end=TODAY, upheld=True)


def test_partner_users_see_only_their_dispatched_complaints(
    agent, product, other_product, partner_staff, other_staff
):
    mine = actions.dispatch_complaint(receive(agent, product), actor=agent)
    not_yet = receive(agent, product, msisdn="13100000000")
    theirs = actions.dispatch_complaint(receive(agent, other_product, msisdn="13200000000"), actor=agent)
    assert list(queries.visible_to(partner_staff)) == [mine]
    assert list(queries.visible_to(other_staff)) == [theirs]
    assert not_yet not in queries.visible_to(partner_staff)
    assert WorkOrder.objects.filter(partner=product.partner).count() == 1
