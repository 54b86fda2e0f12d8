"""Boundary tests of vac.rules.decide (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.vac import rules
from vasops.vac.protocol.codes import ResultCode as RC
from vasops.vac.rules import Facts, Op, Outcome

NOW = dt.datetime(2026, 3, 10, 4, 0, tzinfo=dt.UTC)


def f(**kw) -> Facts:
    return Facts(now=kw.pop("now", NOW), **kw)


@pytest.mark.parametrize(
    ("facts", "code", "outcome", "charge", "price"),
    [
        (f(channel="sms", price_fen=500), RC.SUCCESS, Outcome.PENDING, False, 500),
        (f(channel="wap", price_fen=500), RC.SUCCESS, Outcome.PENDING, False, 500),
        (f(channel="ivr", price_fen=500), RC.SUCCESS, Outcome.PENDING, False, 500),
        (f(channel="web", price_fen=500), RC.SUCCESS, Outcome.PENDING, False, 500),
        (f(channel="crm", price_fen=500), RC.SUCCESS, Outcome.ACTIVATE, True, 500),
        (f(channel="trusted_portal", price_fen=500), RC.SUCCESS, Outcome.ACTIVATE, True, 500),
        (f(channel="sms", billing_mode="free", price_fen=0), RC.SUCCESS, Outcome.ACTIVATE, False, 0),
        (f(channel="sms", price_fen=0), RC.SUCCESS, Outcome.ACTIVATE, False, 0),
        (f(channel="crm", billing_mode="per_use", price_fen=100), RC.SUCCESS, Outcome.ACTIVATE, False, 0),
        (f(subscription_state="active"), RC.ALREADY_SUBSCRIBED, Outcome.NONE, False, 0),
        (f(subscription_state="pending_confirmation"), RC.SUBSCRIPTION_ABNORMAL, Outcome.NONE, False, 0),
        (f(level="paused"), RC.SERVICE_NOT_OPEN, Outcome.NONE, False, 0),
        (f(level="blocked"), RC.SERVICE_NOT_OPEN, Outcome.NONE, False, 0),
        (f(level="offline"), RC.SERVICE_NOT_OPEN, Outcome.NONE, False, 0),
        (f(level="not_live"), RC.SERVICE_NOT_OPEN, Outcome.NONE, False, 0),
        (f(level="blocked", level_source="partner"), RC.SP_STATUS_ABNORMAL, Outcome.NONE, False, 0),
        (f(partner_found=False), RC.SP_NOT_FOUND, Outcome.NONE, False, 0),
        (f(product_found=False), RC.SERVICE_NOT_FOUND, Outcome.NONE, False, 0),
        (f(account_closed=True), RC.SUBSCRIBER_NOT_FOUND, Outcome.NONE, False, 0),
        (f(user_blocked=True), RC.CAPABILITY_BLOCKED, Outcome.NONE, False, 0),
    ],
)
def test_subscribe_answers(facts, code, outcome, charge, price):
    d = rules.decide(Op.SUBSCRIBE, facts)
    assert (d.code, d.outcome, d.charge, d.price_fen) == (code, outcome, charge, price)


INTERVAL = dt.timedelta(hours=24)


@pytest.mark.parametrize(
    ("elapsed", "code", "outcome"),
    [
        (dt.timedelta(0), RC.SUCCESS, Outcome.ACTIVATE),
        (INTERVAL, RC.SUCCESS, Outcome.ACTIVATE),
        (INTERVAL + dt.timedelta(microseconds=1), RC.CONFIRM_TIMEOUT, Outcome.DROP),
        (INTERVAL * 3, RC.CONFIRM_TIMEOUT, Outcome.DROP),
    ],
)
def test_confirmation_within_interval_activates_and_after_it_drops(elapsed, code, outcome):
    facts = f(
        subscription_state="pending_confirmation",
        requested_at=NOW - elapsed,
        confirm_interval=INTERVAL,
        price_fen=500,
    )
    d = rules.decide(Op.CONFIRM, facts)
    assert (d.code, d.outcome) == (code, outcome)
    assert d.charge is (code == RC.SUCCESS)


def test_confirm_without_pending_relation_is_not_subscribed():
    assert rules.decide(Op.CONFIRM, f(subscription_state="active")).code == RC.NOT_SUBSCRIBED
    assert rules.decide(Op.CONFIRM, f()).code == RC.NOT_SUBSCRIBED


def test_confirm_refused_when_product_blocked_meanwhile():
    facts = f(subscription_state="pending_confirmation", requested_at=NOW, level="blocked")
    assert rules.decide(Op.CONFIRM, facts).code == RC.SERVICE_NOT_OPEN


@pytest.mark.parametrize(
    ("state", "code", "outcome"),
    [
        (None, RC.NOT_SUBSCRIBED, Outcome.NONE),
        ("pending_confirmation", RC.SUCCESS, Outcome.DROP),
        ("active", RC.SUCCESS, Outcome.UNSUBSCRIBE),
    ],
)
def test_unsubscribe_answers(state, code, outcome):
    d = rules.decide(Op.UNSUBSCRIBE, f(subscription_state=state))
    assert (d.code, d.outcome) == (code, outcome)


@pytest.mark.parametrize("level", ["paused", "blocked", "offline"])
def test_user_may_unsubscribe_from_a_blocked_product(level):
    assert rules.decide(Op.UNSUBSCRIBE, f(subscription_state="active", level=level)).ok


def test_unsubscribe_refused_for_closed_account():
    assert rules.decide(Op.UNSUBSCRIBE, f(subscription_state="active", account_closed=True)).code == (
        RC.SUBSCRIBER_NOT_FOUND
    )


@pytest.mark.parametrize(("count", "code"), [(0, RC.NOT_SUBSCRIBED), (1, RC.SUCCESS), (7, RC.SUCCESS)])
def test_unsubscribe_all_needs_something_in_scope(count, code):
    assert rules.decide(Op.UNSUBSCRIBE_ALL, f(live_count=count)).code == code


# --- monthly charging: once per calendar month in Asia/Shanghai -----------------------------

JAN31_2359_SH = dt.datetime(2026, 1, 31, 15, 59, 59, tzinfo=dt.UTC)
FEB01_0000_SH = dt.datetime(2026, 1, 31, 16, 0, 0, tzinfo=dt.UTC)


def test_month_key_follows_shanghai_not_utc():
    assert rules.month_key(JAN31_2359_SH) == "202601"
    assert rules.month_key(FEB01_0000_SH) == "202602"


@pytest.mark.parametrize(
    ("now", "last", "charge"),
    [
        (JAN31_2359_SH, "202601", False),
        (FEB01_0000_SH, "202601", True),
        (FEB01_0000_SH, "202602", False),
        (JAN31_2359_SH, "", True),
        (dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC), "202612", True),  # new year
    ],
)
def test_monthly_use_charges_once_per_calendar_month(now, last, charge):
    facts = f(now=now, subscription_state="active", price_fen=500, last_charged_month=last)
    d = rules.decide(Op.AUTH_CHARGE, facts)
    assert d.ok and d.charge is charge and d.price_fen == (500 if charge else 0)


@pytest.mark.parametrize(
    ("state", "code"),
    [(None, RC.NOT_SUBSCRIBED), ("pending_confirmation", RC.SUBSCRIPTION_ABNORMAL), ("active", RC.SUCCESS)],
)
def test_monthly_use_needs_an_active_subscription(state, code):
    assert rules.decide(Op.AUTH_CHARGE, f(subscription_state=state, price_fen=500)).code == code


def test_paused_product_serves_existing_subscriber_free():
    d = rules.decide(Op.AUTH_CHARGE, f(subscription_state="active", price_fen=500, level="paused"))
    assert d.ok and not d.charge and d.price_fen == 0


@pytest.mark.parametrize("level", ["blocked", "offline", "not_live"])
def test_blocked_product_refuses_existing_subscriber_at_once(level):
    assert (
        rules.decide(Op.AUTH_CHARGE, f(subscription_state="active", level=level)).code == RC.SERVICE_NOT_OPEN
    )


def test_blocked_partner_refuses_use_with_sp_status_code():
    facts = f(subscription_state="active", level="blocked", level_source="partner")
    assert rules.decide(Op.AUTH_CHARGE, facts).code == RC.SP_STATUS_ABNORMAL


@pytest.mark.parametrize(
    ("mode", "price", "charge"),
    [("per_use", 100, True), ("per_item", 10, True), ("per_use", 0, False), ("free", 0, False)],
)
def test_per_use_charges_every_use_and_free_never(mode, price, charge):
    for op in (Op.AUTH_CHARGE, Op.ON_DEMAND):
        d = rules.decide(op, f(billing_mode=mode, price_fen=price))
        assert d.ok and d.charge is charge and d.price_fen == (price if charge else 0)


def test_on_demand_of_a_monthly_product_is_not_orderable():
    assert (
        rules.decide(Op.ON_DEMAND, f(billing_mode="monthly", price_fen=500)).code == RC.SERVICE_NOT_ORDERABLE
    )


@pytest.mark.parametrize("level", ["paused", "blocked"])
def test_on_demand_refused_unless_product_normal(level):
    assert rules.decide(Op.ON_DEMAND, f(billing_mode="per_use", price_fen=100, level=level)).code == (
        RC.SERVICE_NOT_OPEN
    )


@pytest.mark.parametrize("op", [Op.AUTH_CHARGE, Op.ON_DEMAND, Op.SUBSCRIBE])
def test_closed_account_and_blocked_user_are_refused(op):
    assert rules.decide(op, f(account_closed=True)).code == RC.SUBSCRIBER_NOT_FOUND
    assert rules.decide(op, f(user_blocked=True)).code == RC.CAPABILITY_BLOCKED


@pytest.mark.parametrize(
    ("state", "code"),
    [("active", RC.SUCCESS), ("pending_confirmation", RC.NOT_SUBSCRIBED), (None, RC.NOT_SUBSCRIBED)],
)
def test_check_answers_only_for_active_relations_and_never_charges(state, code):
    d = rules.decide(Op.CHECK, f(subscription_state=state, price_fen=500))
    assert d.code == code and not d.charge


@pytest.mark.parametrize(
    ("op", "blocked", "code", "outcome"),
    [
        (Op.BLOCK, False, RC.SUCCESS, Outcome.BLOCK),
        (Op.BLOCK, True, RC.CANNOT_BLOCK_RESTORE, Outcome.NONE),
        (Op.RESTORE, True, RC.SUCCESS, Outcome.RESTORE),
        (Op.RESTORE, False, RC.CANNOT_BLOCK_RESTORE, Outcome.NONE),
    ],
)
def test_block_and_restore(op, blocked, code, outcome):
    d = rules.decide(op, f(user_blocked=blocked))
    assert (d.code, d.outcome) == (code, outcome)


@pytest.mark.parametrize(
    ("channel", "mode", "price", "needed"),
    [
        ("sms", "monthly", 1, True),
        ("sms", "monthly", 0, False),
        ("sms", "free", 0, False),
        ("crm", "monthly", 500, False),
        ("trusted_portal", "per_use", 100, False),
        ("web", "per_use", 100, True),
    ],
)
def test_double_confirmation_needed_for_chargeable_from_untrusted_channels(channel, mode, price, needed):
    assert rules.needs_double_confirmation(channel, mode, price) is needed


def test_binary_operation_types_map_to_ops():
    assert sorted(rules.BINARY_OPS) == [0, 1, 2, 3, 4, 6, 7, 8]
