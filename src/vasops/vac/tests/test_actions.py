"""Actions: state, history, CDRs and outbox rows in one transaction; permission and audit."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.catalog.models import ProductVersion
from vasops.core.errors import PermissionDenied
from vasops.core.models import AuditEvent
from vasops.vac import actions
from vasops.vac.errors import VacRefused
from vasops.vac.events import VacEvent
from vasops.vac.models import NotifyOutbox, Subscription, SubscriptionHistory, UsageRecord
from vasops.vac.protocol.codes import ResultCode as RC

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 4, 0, tzinfo=dt.UTC)
MSISDN = "13012345678"


def refused(code, fn, **kw):
    with pytest.raises(VacRefused) as exc:
        fn(**kw)
    assert exc.value.result_code == code
    return exc.value


def test_trusted_channel_subscription_is_active_charged_and_notified(monthly):
    answer = actions.subscribe(actor="gateway", msisdn="86" + MSISDN, product=monthly, channel="crm", now=NOW)
    sub = answer.subscription
    assert sub.state == Subscription.State.ACTIVE and sub.msisdn == MSISDN
    assert UsageRecord.objects.get(cdr_id=answer.cdr_id).fee_fen == 500
    row = NotifyOutbox.objects.get(subscription=sub)
    assert (row.update_type, row.sp_id, row.product_id, row.user_id) == (
        1,
        "90001",
        monthly.product_code,
        "86" + MSISDN,  # VAC.md B.3: userId with the country code
    )
    assert len(row.record_sequence_id) == 18
    # B.3: an open-ended relation expires far ahead; a CRM-side order carries the access number
    assert (row.expire_date, row.update_desc) == ("20370101000000", monthly.access_number)
    assert list(sub.history.values_list("event", flat=True)) == ["requested", "activated"]


def test_sms_subscription_waits_for_confirmation_and_confirm_in_time_activates(monthly):
    answer = actions.subscribe(actor="gateway", msisdn=MSISDN, product=monthly, channel="sms", now=NOW)
    assert answer.subscription.state == Subscription.State.PENDING_CONFIRMATION
    assert not UsageRecord.objects.exists() and not NotifyOutbox.objects.exists()
    confirmed = actions.confirm(
        actor="gateway", msisdn=MSISDN, product=monthly, now=NOW + dt.timedelta(hours=24)
    )
    assert confirmed.code == RC.SUCCESS and confirmed.subscription.state == Subscription.State.ACTIVE
    assert UsageRecord.objects.count() == 1 and NotifyOutbox.objects.count() == 1


def test_confirm_after_the_interval_drops_the_pending_subscription(monthly, settings):
    settings.VASOPS_VAC_CONFIRM_INTERVAL_SECONDS = 60
    actions.subscribe(actor="gateway", msisdn=MSISDN, product=monthly, channel="sms", now=NOW)
    late = actions.confirm(
        actor="gateway", msisdn=MSISDN, product=monthly, now=NOW + dt.timedelta(seconds=61)
    )
    assert late.code == RC.CONFIRM_TIMEOUT
    assert late.subscription.state == Subscription.State.DROPPED
    assert not UsageRecord.objects.exists()
    # dropped, so the user may order again
    again = actions.subscribe(actor="gateway", msisdn=MSISDN, product=monthly, channel="sms", now=NOW)
    assert again.subscription.state == Subscription.State.PENDING_CONFIRMATION


def test_sweep_drops_unconfirmed(monthly, settings):
    settings.VASOPS_VAC_CONFIRM_INTERVAL_SECONDS = 60
    actions.subscribe(actor="gateway", msisdn=MSISDN, product=monthly, channel="sms", now=NOW)
    assert actions.drop_unconfirmed(now=NOW + dt.timedelta(seconds=60)) == 0
    assert actions.drop_unconfirmed(now=NOW + dt.timedelta(seconds=61)) == 1


def test_second_subscription_is_already_subscribed_and_unique_constraint_holds(monthly):
    actions.subscribe(actor="gateway", msisdn=MSISDN, product=monthly, channel="crm", now=NOW)
    refused(
        RC.ALREADY_SUBSCRIBED,
        actions.subscribe,
        actor="gateway",
        msisdn=MSISDN,
        product=monthly,
        channel="crm",
    )
    assert Subscription.objects.count() == 1


def test_unsubscribe_ends_relation_and_notifies(monthly):
    actions.subscribe(actor="gateway", msisdn=MSISDN, product=monthly, channel="crm", now=NOW)
    answer = actions.unsubscribe(actor="gateway", msisdn=MSISDN, product=monthly, now=NOW)
    assert answer.subscription.state == Subscription.State.UNSUBSCRIBED
    assert answer.subscription.expiry_at == NOW
    assert list(NotifyOutbox.objects.values_list("update_type", flat=True).order_by("id")) == [1, 2]
    refused(RC.NOT_SUBSCRIBED, actions.unsubscribe, actor="gateway", msisdn=MSISDN, product=monthly)


def test_unsubscribe_all_in_service_type(make_product, partner, monthly):
    other = make_product(partner, billing_mode="free", fee_fen=0, service_type="91")
    for p in (monthly, other):
        actions.subscribe(actor="gateway", msisdn=MSISDN, product=p, channel="crm", now=NOW)
    answer = actions.unsubscribe_all(actor="gateway", msisdn=MSISDN, service_type="90", now=NOW)
    assert [s.product_id for s in answer.changed] == [monthly.pk]
    assert Subscription.objects.get(product=other).state == Subscription.State.ACTIVE
    actions.unsubscribe_all(actor="gateway", msisdn=MSISDN, now=NOW)
    refused(RC.NOT_SUBSCRIBED, actions.unsubscribe_all, actor="gateway", msisdn=MSISDN)


def test_monthly_use_charges_once_per_shanghai_month(monthly):
    jan31 = dt.datetime(2026, 1, 31, 15, 0, tzinfo=dt.UTC)
    actions.subscribe(actor="gateway", msisdn=MSISDN, product=monthly, channel="crm", now=jan31)
    second = actions.authenticate_use(actor="gateway", msisdn=MSISDN, product=monthly, now=jan31)
    assert second.code == RC.SUCCESS and second.cdr_id is None
    feb1 = dt.datetime(2026, 1, 31, 16, 0, tzinfo=dt.UTC)  # 00:00 in Shanghai
    feb = actions.authenticate_use(actor="gateway", msisdn=MSISDN, product=monthly, now=feb1)
    assert feb.cdr_id and feb.cdr_id.endswith("-202602")
    assert UsageRecord.objects.count() == 2


def test_price_changes_at_midnight_with_the_catalog_version(per_use):
    midnight = dt.datetime(2026, 3, 10, 16, 0, tzinfo=dt.UTC)  # 2026-03-11 00:00 Shanghai
    ProductVersion.objects.filter(product=per_use).update(valid_to=midnight)
    ProductVersion.objects.create(
        product=per_use,
        number=2,
        name="n",
        description="d",
        fee_fen=200,
        billing_mode="per_use",
        valid_from=midnight,
    )
    before = actions.on_demand(
        actor="gateway", msisdn=MSISDN, product=per_use, now=midnight - dt.timedelta(seconds=1)
    )
    after = actions.on_demand(actor="gateway", msisdn=MSISDN, product=per_use, now=midnight)
    assert (before.decision.price_fen, after.decision.price_fen) == (100, 200)
    assert sorted(UsageRecord.objects.values_list("fee_fen", flat=True)) == [100, 200]
    assert NotifyOutbox.objects.filter(update_type=3).count() == 2


def test_cdr_write_is_idempotent(per_use):
    for _ in range(3):
        actions.authenticate_use(actor="gateway", msisdn=MSISDN, product=per_use, cdr_id="SEQ-1", now=NOW)
    assert UsageRecord.objects.filter(cdr_id="SEQ-1").count() == 1


def test_free_product_never_charges(free):
    actions.subscribe(actor="gateway", msisdn=MSISDN, product=free, channel="sms", now=NOW)
    actions.authenticate_use(actor="gateway", msisdn=MSISDN, product=free, now=NOW)
    assert not UsageRecord.objects.exists()


def test_blocked_product_refuses_at_once(make_product, partner):
    product = make_product(partner, unicom_status="6")
    refused(
        RC.SERVICE_NOT_OPEN, actions.subscribe, actor="gateway", msisdn=MSISDN, product=product, channel="crm"
    )


def test_suspended_partner_refuses_new_orders_with_sp_status(make_partner, make_product):
    product = make_product(make_partner(state="suspended"))
    refused(
        RC.SP_STATUS_ABNORMAL,
        actions.subscribe,
        actor="gateway",
        msisdn=MSISDN,
        product=product,
        channel="crm",
    )


def test_block_user_ends_relations_and_refuses_use_until_restored(monthly, per_use):
    actions.subscribe(actor="gateway", msisdn=MSISDN, product=monthly, channel="crm", now=NOW)
    actions.block_user(actor="gateway", msisdn=MSISDN, service_type="90", now=NOW)
    assert Subscription.objects.get(product=monthly).state == Subscription.State.BLOCKED
    refused(RC.CAPABILITY_BLOCKED, actions.on_demand, actor="gateway", msisdn=MSISDN, product=per_use)
    refused(RC.CANNOT_BLOCK_RESTORE, actions.block_user, actor="gateway", msisdn=MSISDN, service_type="90")
    actions.restore_user(actor="gateway", msisdn=MSISDN, service_type="90", now=NOW)
    assert actions.on_demand(actor="gateway", msisdn=MSISDN, product=per_use, now=NOW).code == RC.SUCCESS
    # cancelled relations are not restored
    assert Subscription.objects.get(product=monthly).state == Subscription.State.BLOCKED


def test_close_account_ends_subscriptions_and_refuses_new_orders(monthly, free):
    for p in (monthly, free):
        actions.subscribe(actor="crm", msisdn=MSISDN, product=p, channel="crm", now=NOW)
    actions.close_account(actor="crm", msisdn=MSISDN, now=NOW)
    assert set(Subscription.objects.values_list("state", flat=True)) == {"unsubscribed"}
    refused(
        RC.SUBSCRIBER_NOT_FOUND, actions.subscribe, actor="crm", msisdn=MSISDN, product=free, channel="crm"
    )
    actions.open_account(actor="crm", msisdn=MSISDN, now=NOW)
    assert (
        actions.subscribe(actor="crm", msisdn=MSISDN, product=free, channel="crm", now=NOW).code == RC.SUCCESS
    )


def test_invalid_msisdn_is_refused(monthly):
    refused(
        RC.MSISDN_INVALID, actions.subscribe, actor="gateway", msisdn="12345", product=monthly, channel="crm"
    )


def test_staff_without_permission_is_refused(make_user, monthly):
    nobody = make_user(is_staff=True)
    with pytest.raises(PermissionDenied):
        actions.subscribe(actor=nobody, msisdn=MSISDN, product=monthly, channel="crm")
    with pytest.raises(PermissionDenied):
        actions.block_user(actor=nobody, msisdn=MSISDN)
    with pytest.raises(PermissionDenied):
        actions.close_account(actor=nobody, msisdn=MSISDN)
    assert not Subscription.objects.exists()


def test_staff_actions_write_audit_rows(cs_agent, monthly):
    sub = actions.subscribe(
        actor=cs_agent, msisdn=MSISDN, product=monthly, channel="crm", now=NOW
    ).subscription
    actions.unsubscribe(actor=cs_agent, msisdn=MSISDN, product=monthly, reason="用户来电", now=NOW)
    events = AuditEvent.objects.filter(object_type="vac.subscription", object_id=str(sub.pk))
    assert list(events.order_by("id").values_list("action", flat=True)) == [
        VacEvent.SUBSCRIPTION_CREATED,
        VacEvent.SUBSCRIPTION_CANCELLED,
    ]
    assert events.first().actor == cs_agent
    assert SubscriptionHistory.objects.filter(subscription=sub, actor_label=str(cs_agent)).count() == 3


def test_machine_calls_write_history_not_audit(monthly):
    actions.subscribe(actor="gateway", msisdn=MSISDN, product=monthly, channel="crm", now=NOW)
    assert not AuditEvent.objects.filter(object_type="vac.subscription").exists()
    assert set(SubscriptionHistory.objects.values_list("actor_label", flat=True)) == {"gateway"}


def test_unknown_machine_actor_is_a_programming_error(monthly):
    with pytest.raises(ValueError):
        actions.subscribe(actor="someone", msisdn=MSISDN, product=monthly, channel="crm")


def test_refusal_leaves_nothing_half_written(monthly):
    actions.close_account(actor="crm", msisdn=MSISDN, now=NOW)
    refused(
        RC.SUBSCRIBER_NOT_FOUND,
        actions.subscribe,
        actor="gateway",
        msisdn=MSISDN,
        product=monthly,
        channel="crm",
    )
    assert not Subscription.objects.exists() and not NotifyOutbox.objects.exists()


def test_on_demand_resent_with_its_cdr_id_answers_the_first_link_id_and_tells_the_sp_once(per_use):
    first = actions.on_demand(actor="gateway", msisdn=MSISDN, product=per_use, cdr_id="D-1", now=NOW)
    again = actions.on_demand(actor="gateway", msisdn=MSISDN, product=per_use, cdr_id="D-1", now=NOW)
    assert first.link_id == again.link_id and len(first.link_id) == 20 and first.link_id[:10] == "0310120000"
    assert UsageRecord.objects.get(cdr_id="D-1").link_id == first.link_id
    assert NotifyOutbox.objects.filter(update_type=3).count() == 1
    # another user's request under the same id is not charged: 3105
    refused(
        RC.CDR_DUPLICATE,
        actions.on_demand,
        actor="gateway",
        msisdn="13099999999",
        product=per_use,
        cdr_id="D-1",
    )
    refused(
        RC.CDR_DUPLICATE,
        actions.authenticate_use,
        actor="gateway",
        msisdn="13099999999",
        product=per_use,
        cdr_id="D-1",
    )
    assert UsageRecord.objects.count() == 1 and NotifyOutbox.objects.count() == 1
