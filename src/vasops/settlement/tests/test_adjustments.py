"""record_adjustment: the one way other apps change a partner's money (idempotent per source)."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.catalog.tests.factories import ProductFactory
from vasops.core import roles
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.models import AuditEvent
from vasops.core.testing import make_user
from vasops.partners.tests.factories import PartnerFactory
from vasops.settlement import actions, rules
from vasops.settlement.errors import SettlementError
from vasops.settlement.models import Adjustment

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance():
    return make_user("fin", roles=[roles.FINANCE], staff=True)


def test_a_penalty_is_recorded_once_per_source_and_audited_for_the_partner(finance):
    partner = PartnerFactory(state="active")
    source = PartnerFactory()  # any saved object stands for the violation that caused it
    first = actions.record_adjustment(
        actor=finance,
        partner=partner,
        kind="penalty",
        month=dt.date(2026, 11, 17),
        amount_fen=-50_000,
        reason="违规：未经二次确认订购",
        source=source,
    )
    again = actions.record_adjustment(
        actor=finance,
        partner=partner,
        kind="penalty",
        month=dt.date(2026, 11, 17),
        amount_fen=-50_000,
        reason="重复提交",
        source=source,
    )
    assert again.pk == first.pk
    assert Adjustment.objects.count() == 1
    assert first.month == dt.date(2026, 11, 1)
    event = AuditEvent.objects.get(action="settlement.adjustment_recorded")
    assert event.partner_id == partner.pk
    assert event.after["amount_fen"] == -50_000


def test_the_same_source_with_another_amount_is_refused(finance):
    partner = PartnerFactory(state="active")
    source = PartnerFactory()
    kwargs = dict(actor=finance, partner=partner, kind="refund", month=dt.date(2026, 11, 1), reason="退费")
    actions.record_adjustment(amount_fen=-300, source=source, **kwargs)
    with pytest.raises(DomainError) as err:
        actions.record_adjustment(amount_fen=-600, source=source, **kwargs)
    assert err.value.code == SettlementError.SOURCE_CONFLICT


@pytest.mark.parametrize("kind", ["refund", "penalty", "bad_debt"])
def test_deducting_kinds_cannot_credit_the_partner(finance, kind):
    with pytest.raises(DomainError) as err:
        actions.record_adjustment(
            actor=finance,
            partner=PartnerFactory(),
            kind=kind,
            month=dt.date(2026, 11, 1),
            amount_fen=100,
            reason="x",
        )
    assert err.value.code == SettlementError.INVALID_AMOUNT
    assert not Adjustment.objects.exists()


def test_a_product_of_another_partner_is_refused(finance):
    product = ProductFactory()
    with pytest.raises(DomainError) as err:
        actions.record_adjustment(
            actor=finance,
            partner=PartnerFactory(),
            kind="manual",
            month=dt.date(2026, 11, 1),
            amount_fen=100,
            reason="更正",
            product=product,
        )
    assert err.value.code == SettlementError.PRODUCT_NOT_OF_PARTNER


def test_manual_adjustments_need_the_finance_permission(finance):
    partner = PartnerFactory()
    other = make_user("cs", roles=[roles.CS_AGENT], staff=True)
    with pytest.raises(PermissionDenied):
        actions.add_manual_adjustment(
            actor=other, partner=partner, month=dt.date(2026, 11, 1), amount_fen=100, reason="更正"
        )
    adj = actions.add_manual_adjustment(
        actor=finance, partner=partner, month=dt.date(2026, 11, 1), amount_fen=100, reason="  更正  "
    )
    assert (adj.kind, adj.amount_fen, adj.reason, adj.created_by) == ("manual", 100, "更正", finance)


@pytest.mark.parametrize(
    ("kind", "amount", "refused"),
    [("refund", -1, False), ("refund", 0, True), ("manual", 1, False), ("manual", -(2**53), True)],
)
def test_amount_rules_at_their_boundaries(kind, amount, refused):
    assert (rules.amount_problem(kind, amount) is not None) is refused


def test_month_arithmetic_crosses_the_year():
    assert rules.next_month(dt.date(2026, 12, 1)) == dt.date(2027, 1, 1)
    assert rules.month_start(dt.date(2027, 1, 31)) == dt.date(2027, 1, 1)


def test_a_reason_the_platform_wrote_reads_in_the_readers_language_one_typed_as_typed(
    finance, client, settings
):
    from django.utils import translation

    from vasops.core import notify
    from vasops.core.marks import gettext_noop

    settings.VASOPS_STAFF_2FA = False
    partner = PartnerFactory(state="active")
    penalty = actions.record_adjustment(
        actor=finance,
        partner=partner,
        kind="penalty",
        month=dt.date(2026, 11, 1),
        amount_fen=-50_000,
        reason=notify.text(gettext_noop("违约金：%(label)s"), label="ZX-17"),
        source=PartnerFactory(),
    )
    typed = actions.add_manual_adjustment(
        actor=finance, partner=partner, month=dt.date(2026, 11, 1), amount_fen=200, reason="补发十一月差额"
    )
    penalty.refresh_from_db()
    assert penalty.reason == "违约金：ZX-17"  # the record as stored, for search and the API
    with translation.override("en"):
        assert penalty.reason_text == "Penalty: ZX-17"
        assert typed.reason_text == "补发十一月差额"
    with translation.override("zh-hans"):
        assert penalty.reason_text == "违约金：ZX-17"
    client.force_login(finance)
    page = client.get("/settlement/adjustments/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Penalty: ZX-17" in page and "违约金" not in page
    assert "补发十一月差额" in page
