"""Contract signing and expiry reminders."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.admission import actions, rules, tasks
from vasops.admission.tests.conftest import OPENING, pdf
from vasops.admission.tests.test_preparation import _close_orders
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.models import AuditEvent, Notification
from vasops.partners.tests.factories import contract_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened_bare(partner_a, staff, pools, freeze):
    """An opened application of a partner without contacts or bank account on file."""
    from vasops.admission.tests.conftest import complete_application, to_reviewed
    from vasops.workorders.models import VAS_SYSTEMS

    freeze("2026-01-05")
    _partner, user = partner_a
    app = to_reviewed(complete_application(user))
    app = actions.decide_application(app, actor=staff, decision="accept", reason="ok")
    app = actions.submit_access_data(
        app, actor=user, data={"technical_contact": "a", "server_addresses": "b", "business_summary": "c"}
    )
    actions.raise_data_change_orders(app, actor=staff, systems=[str(VAS_SYSTEMS[0][0])])
    _close_orders(app)
    app = actions.start_access_testing(app, actor=staff)
    for line, code, _t in rules.access_cases_for(app.line_codes()):
        actions.record_test_result(app, actor=staff, business_line=line, case_code=code, passed=True)
    return actions.open_access(app, actor=staff, data=OPENING), user


@pytest.fixture
def opened(opened_bare):
    contract_data(opened_bare[0].partner)
    return opened_bare


def test_no_contract_without_contacts_and_a_bank_account_in_the_company_name(opened_bare, staff):
    """A partner reaches 已签约 only with its contacts and its own settlement account on file."""
    from vasops.partners.models import BankAccount, Contact

    app, _user = opened_bare
    args = {
        "term_start": dt.date(2026, 2, 1),
        "term_end": dt.date(2027, 1, 31),
        "settlement_ratio_bp": 7000,
    }
    with pytest.raises(DomainError) as exc:
        actions.sign_contract(app, actor=staff, signed_copy=pdf(), **args)
    assert exc.value.code == "admission.contract_data_missing" and exc.value.status == 409
    assert [p["code"] for p in exc.value.params["problems"]] == [
        "partners.contact_missing",
        "partners.contact_missing",
        "partners.contact_missing",
        "partners.bank_account_missing",
    ]
    assert "尚未登记技术联系人" in exc.value.message and "附件8" in exc.value.message

    contract_data(app.partner)
    BankAccount.objects.filter(partner=app.partner).update(account_name="某某个人")
    with pytest.raises(DomainError) as exc:
        actions.sign_contract(app, actor=staff, signed_copy=pdf(), **args)
    assert [p["code"] for p in exc.value.params["problems"]] == ["partners.bank_holder_mismatch"]
    app.refresh_from_db()
    assert app.state == "opened" and Contact.objects.filter(partner=app.partner).count() == 3

    BankAccount.objects.filter(partner=app.partner).update(account_name=app.partner.name)
    actions.sign_contract(app, actor=staff, signed_copy=pdf(), **args)
    app.refresh_from_db()
    assert app.state == "contracted"


def test_contract_moves_to_contracted_and_is_audited(opened, staff):
    app, _user = opened
    contract = actions.sign_contract(
        app,
        actor=staff,
        term_start=dt.date(2026, 2, 1),
        term_end=dt.date(2027, 1, 31),
        settlement_ratio_bp=7000,
        signed_copy=pdf("contract.pdf"),
    )
    app.refresh_from_db()
    assert app.state == "contracted"
    assert contract.signed_copy.original_name == "contract.pdf"
    ev = AuditEvent.objects.get(action="admission.contract_signed", object_id=str(app.pk))
    assert ev.after["settlement_ratio_bp"] == 7000


def test_contract_needs_permission_and_valid_terms(opened, outsider, staff):
    app, user = opened
    args = {"term_start": dt.date(2026, 2, 1), "term_end": dt.date(2027, 1, 31), "signed_copy": pdf()}
    with pytest.raises(PermissionDenied):
        actions.sign_contract(app, actor=outsider, settlement_ratio_bp=5000, **args)
    with pytest.raises(PermissionDenied):
        actions.sign_contract(app, actor=user, settlement_ratio_bp=5000, **args)
    with pytest.raises(DomainError) as exc:
        actions.sign_contract(app, actor=staff, settlement_ratio_bp=10001, **args)
    assert exc.value.code == "admission.contract_invalid" and exc.value.field == "settlement_ratio_bp"
    with pytest.raises(DomainError) as exc:
        actions.sign_contract(
            app,
            actor=staff,
            settlement_ratio_bp=5000,
            term_start=dt.date(2026, 2, 1),
            term_end=dt.date(2026, 2, 1),
            signed_copy=pdf(),
        )
    assert exc.value.field == "term_end"


def test_expiry_reminder_is_sent_once_30_days_before_end(opened, staff):
    app, user = opened
    actions.sign_contract(
        app,
        actor=staff,
        term_start=dt.date(2026, 2, 1),
        term_end=dt.date(2026, 12, 31),
        settlement_ratio_bp=7000,
        signed_copy=pdf(),
    )
    assert tasks.remind_contract_expiry(dt.date(2026, 11, 30)) == 0
    assert tasks.remind_contract_expiry(dt.date(2026, 12, 1)) == 1
    assert tasks.remind_contract_expiry(dt.date(2026, 12, 2)) == 0
    assert Notification.objects.filter(recipient=user, subject__contains="合同即将到期").count() == 1
