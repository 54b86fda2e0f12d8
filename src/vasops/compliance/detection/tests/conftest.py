"""Fixtures of the detection tests: generated VAC data (relations, CDRs) on a frozen date."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from vasops.catalog.tests.factories import ProductFactory
from vasops.core import roles
from vasops.core.testing import StaffFactory
from vasops.partners.tests.factories import partner_user
from vasops.vac.models import SmsMessage, Subscription, UsageRecord
from vasops.vac.rules import SHANGHAI

_seq = itertools.count(1)

TODAY = dt.date(2026, 11, 20)


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


@pytest.fixture
def today(freeze):
    freeze(TODAY.isoformat())
    return TODAY


@pytest.fixture
def cdr_root(settings, tmp_path):
    settings.VASOPS_CDR_DIR = tmp_path / "cdr"
    return settings.VASOPS_CDR_DIR


@pytest.fixture
def product(db):
    def _make(name: str = "产品", *, billing_mode: str = "monthly", fee_fen: int = 1000, partner=None):
        extra = {"partner": partner} if partner is not None else {}
        return ProductFactory(name=name, state="active", billing_mode=billing_mode, fee_fen=fee_fen, **extra)

    return _make


def msisdn() -> str:
    return f"1860000{next(_seq):04d}"


@pytest.fixture
def subscribe(db):
    """subscribe(product, n, when, channel=..., unsubscribe_after=timedelta|None, confirm_sms=bool)"""

    def _make(
        product,
        n: int,
        when: dt.datetime,
        *,
        channel: str = "crm",
        unsubscribe_after: dt.timedelta | None = None,
        confirm_sms: bool = False,
        numbers: list[str] | None = None,
    ) -> list[Subscription]:
        subs = []
        for i in range(n):
            ended = unsubscribe_after is not None
            sub = Subscription.objects.create(
                msisdn=numbers[i] if numbers else msisdn(),
                product=product,
                partner_id=product.partner_id,
                state="unsubscribed" if ended else "active",
                channel=channel,
                requested_at=when,
                effective_at=when,
                expiry_at=when + unsubscribe_after if ended else None,
            )
            if confirm_sms:
                SmsMessage.objects.create(
                    msisdn=sub.msisdn,
                    kind="confirm",
                    text="回复 Y 确认订购",
                    subscription=sub,
                    next_attempt_at=when,
                    created_at=when,
                )
            subs.append(sub)
        return subs

    return _make


@pytest.fixture
def charge(db):
    def _make(
        product,
        when: dt.datetime,
        *,
        n: int = 1,
        kind: str = "per_use",
        msisdn_: str | None = None,
        cdr_id=None,
    ):
        for _ in range(n):
            UsageRecord.objects.create(
                cdr_id=cdr_id or f"U{next(_seq):032d}",
                msisdn=msisdn_ or msisdn(),
                product=product,
                partner_id=product.partner_id,
                fee_fen=product.fee_fen,
                kind=kind,
                at=when,
            )

    return _make


@pytest.fixture
def staff(db):
    return StaffFactory(roles=[roles.PRODUCT_STAFF])


@pytest.fixture
def partner_person(product):
    p = product("别家产品")
    return partner_user(p.partner, admin=True)
