"""Basic-info change 基本信息变更 (附件6): rules, the four-eyes bank-account approval, the
effective date of a bank change, direct edits refused after admission, permissions and audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from vasops.core import roles
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.models import AuditEvent
from vasops.partners import actions, change_queries, rules
from vasops.partners.models import BankAccount, Contact, Partner, PartnerChangeRequest

from .conftest import scan

BANK = {"bank_name": "招商银行武汉分行", "account_name": "甲公司", "account_number": "6225 8800 1234 5678"}


def admitted(partner: Partner, state: str = "admitted") -> Partner:
    Partner.objects.filter(pk=partner.pk).update(state=state)
    partner.refresh_from_db()
    return partner


@pytest.fixture
def staff2(make_user):
    return make_user(roles.PRODUCT_STAFF, is_staff=True)


@pytest.fixture
def old_account(partner_a):
    return BankAccount.objects.create(
        partner=partner_a,
        bank_name="工商银行",
        account_name="甲公司",
        account_number="1111222233334444",
        effective_from=dt.date(2026, 1, 1),
    )


# --- pure rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 11, 30), dt.date(2026, 12, 1)),
        (dt.date(2026, 11, 1), dt.date(2026, 12, 1)),
        (dt.date(2026, 12, 31), dt.date(2027, 1, 1)),
        (dt.date(2026, 1, 31), dt.date(2026, 2, 1)),
    ],
)
def test_bank_change_applies_from_first_day_of_next_month(day, expected):
    assert rules.next_settlement_period_start(day) == expected


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("123456", True),
        ("12345", False),
        ("6225 8800 1234", True),
        ("1" * 40, True),
        ("1" * 41, False),
        ("62a5001234", False),
    ],
)
def test_bank_account_number_is_6_to_40_digits(text, ok):
    assert (rules.bank_account_number_problem(text) is None) is ok


@pytest.mark.parametrize(
    ("state", "required"),
    [("registered", False), ("admitted", True), ("active", True), ("suspended", True), ("exited", False)],
)
def test_change_request_required_once_admitted(state, required):
    assert rules.change_request_required(state) is required


def test_four_eyes_rule():
    assert rules.four_eyes_problem(1, 1) is not None
    assert rules.four_eyes_problem(None, 2) is not None
    assert rules.four_eyes_problem(1, 2) is None


# --- submit ---------------------------------------------------------------------------------


def test_submit_hotline_change_uses_registration_rule(partner_a, admin_a):
    admitted(partner_a)
    with pytest.raises(DomainError) as exc:
        actions.submit_change_request(
            partner_a, actor=admin_a, kind="cs_hotline", values={"cs_hotline": "027-88888888"}
        )
    assert exc.value.code == "partners.invalid_hotline"
    cr = actions.submit_change_request(
        partner_a, actor=admin_a, kind="cs_hotline", values={"cs_hotline": "800-123-4567"}
    )
    assert cr.state == "submitted"
    assert cr.proposed == {"cs_hotline": "8001234567"}
    assert cr.current == {"cs_hotline": "4001234567"}
    event = AuditEvent.objects.get(action="partners.change_request_submitted", object_id=str(cr.pk))
    assert event.before == {"cs_hotline": "4001234567"} and event.after == {"cs_hotline": "8001234567"}


def test_submit_bank_change_refuses_an_account_in_another_name(partner_a, admin_a):
    admitted(partner_a)
    with pytest.raises(DomainError) as exc:
        actions.submit_change_request(
            partner_a, actor=admin_a, kind="bank_account", values={**BANK, "account_name": "甲公司武汉分公司"}
        )
    assert exc.value.code == "partners.bank_holder_mismatch" and exc.value.field == "account_name"
    assert not PartnerChangeRequest.objects.exists()


def test_submit_bank_change_refuses_non_digit_account(partner_a, admin_a):
    with pytest.raises(DomainError) as exc:
        actions.submit_change_request(
            partner_a, actor=admin_a, kind="bank_account", values={**BANK, "account_number": "62-25x"}
        )
    assert exc.value.code == "partners.invalid_bank_account"
    assert exc.value.field == "account_number"


def test_submit_company_change_refuses_a_name_already_registered(partner_a, partner_b, admin_a):
    values = {"name": "乙公司", "legal_representative": "李四", "address": "武汉市江汉区"}
    with pytest.raises(DomainError) as exc:
        actions.submit_change_request(
            partner_a, actor=admin_a, kind="company", values=values, licence_scan=scan()
        )
    assert exc.value.code == "partners.duplicate_name"


def test_submit_company_change_requires_new_licence_scan(partner_a, admin_a):
    values = {"name": "甲新公司", "legal_representative": "李四", "address": "武汉市江汉区"}
    with pytest.raises(DomainError) as exc:
        actions.submit_change_request(partner_a, actor=admin_a, kind="company", values=values)
    assert exc.value.code == "partners.scan_required"
    cr = actions.submit_change_request(
        partner_a, actor=admin_a, kind="company", values=values, licence_scan=scan()
    )
    assert cr.licence_document is not None and cr.licence_document.partner_id == partner_a.pk


def test_submit_refused_for_plain_partner_user_and_other_partner(partner_a, user_a, admin_b):
    for actor in (user_a, admin_b):
        with pytest.raises(PermissionDenied):
            actions.submit_change_request(
                partner_a, actor=actor, kind="cs_hotline", values={"cs_hotline": "8001234567"}
            )


def test_second_open_request_of_same_kind_is_refused(partner_a, admin_a):
    actions.submit_change_request(
        partner_a, actor=admin_a, kind="cs_hotline", values={"cs_hotline": "8001234567"}
    )
    with pytest.raises(DomainError) as exc:
        actions.submit_change_request(
            partner_a, actor=admin_a, kind="cs_hotline", values={"cs_hotline": "8001234568"}
        )
    assert exc.value.code == "partners.change_pending"


def test_unchanged_values_are_refused(partner_a, admin_a):
    with pytest.raises(DomainError) as exc:
        actions.submit_change_request(
            partner_a, actor=admin_a, kind="cs_hotline", values={"cs_hotline": "4001234567"}
        )
    assert exc.value.code == "partners.change_nothing"


# --- review of non-bank kinds ----------------------------------------------------------------


def test_hotline_change_applies_on_approval_with_before_after_audit(partner_a, admin_a, staff):
    admitted(partner_a, "active")
    cr = actions.submit_change_request(
        partner_a, actor=admin_a, kind="cs_hotline", values={"cs_hotline": "8001234567"}
    )
    cr = actions.approve_change_request(cr, actor=staff)
    partner_a.refresh_from_db()
    assert cr.state == "applied" and cr.first_approver == staff
    assert partner_a.cs_hotline == "8001234567"
    change = AuditEvent.objects.get(action="partners.hotline_changed", object_id=str(partner_a.pk))
    assert change.before == {"cs_hotline": "4001234567"} and change.after == {"cs_hotline": "8001234567"}
    assert change.reason == f"变更申请 {cr.number}"
    # the platform's words: an English reader reads them in English
    from django.utils import translation

    from vasops.core import history

    with translation.override("en"):
        assert history.reason_text(change) == f"Change request {cr.number}"
    assert AuditEvent.objects.filter(
        action="partners.change_request_approved", object_id=str(cr.pk), actor=staff
    ).exists()


def test_contact_change_applies_on_approval(partner_a, admin_a, staff):
    admitted(partner_a)
    values = {"role": "technical", "name": "李技术", "phone": "02787654321", "email": "tech@a.example"}
    cr = actions.submit_change_request(partner_a, actor=admin_a, kind="contacts", values=values)
    actions.approve_change_request(cr, actor=staff)
    contact = Contact.objects.get(partner=partner_a, role="technical")
    assert (contact.name, contact.email) == ("李技术", "tech@a.example")


def test_company_change_applies_name_and_address(partner_a, admin_a, staff):
    admitted(partner_a)
    values = {"name": "甲新公司", "legal_representative": "李四", "address": "武汉市江汉区"}
    cr = actions.submit_change_request(
        partner_a, actor=admin_a, kind="company", values=values, licence_scan=scan()
    )
    actions.approve_change_request(cr, actor=staff)
    partner_a.refresh_from_db()
    assert (partner_a.name, partner_a.legal_representative, partner_a.address) == (
        "甲新公司",
        "李四",
        "武汉市江汉区",
    )
    event = AuditEvent.objects.get(action="partners.profile_updated", object_id=str(partner_a.pk))
    assert event.before["name"] == "甲公司" and event.after["name"] == "甲新公司"


def test_review_needs_permission(partner_a, admin_a, auditor):
    cr = actions.submit_change_request(
        partner_a, actor=admin_a, kind="cs_hotline", values={"cs_hotline": "8001234567"}
    )
    for act in (actions.approve_change_request, actions.second_approve_change_request):
        with pytest.raises(PermissionDenied):
            act(cr, actor=admin_a)
    for act in (actions.return_change_request, actions.reject_change_request):
        with pytest.raises(PermissionDenied):
            act(cr, actor=auditor, reason="x")


@pytest.mark.parametrize(
    ("act", "state", "action"),
    [
        (actions.return_change_request, "returned", "partners.change_request_returned"),
        (actions.reject_change_request, "rejected", "partners.change_request_rejected"),
    ],
)
def test_return_and_reject_need_a_reason_and_are_audited(partner_a, admin_a, staff, act, state, action):
    cr = actions.submit_change_request(
        partner_a, actor=admin_a, kind="cs_hotline", values={"cs_hotline": "8001234567"}
    )
    with pytest.raises(DomainError) as exc:
        act(cr, actor=staff, reason=" ")
    assert exc.value.code == "partners.reason_required"
    cr = act(cr, actor=staff, reason="号码不是本公司所有")
    assert cr.state == state and cr.decided_by == staff
    event = AuditEvent.objects.get(action=action, object_id=str(cr.pk))
    assert event.reason == "号码不是本公司所有" and event.before["state"] == "submitted"
    partner_a.refresh_from_db()
    assert partner_a.cs_hotline == "4001234567"


def test_applied_request_cannot_be_rejected(partner_a, admin_a, staff):
    cr = actions.submit_change_request(
        partner_a, actor=admin_a, kind="cs_hotline", values={"cs_hotline": "8001234567"}
    )
    actions.approve_change_request(cr, actor=staff)
    with pytest.raises(DomainError) as exc:
        actions.reject_change_request(cr, actor=staff, reason="晚了")
    assert exc.value.code == "core.invalid_transition"


# --- bank account: four eyes, next settlement period ----------------------------------------


def test_bank_change_second_approval_by_same_person_is_refused(partner_a, admin_a, staff, old_account):
    admitted(partner_a)
    cr = actions.submit_change_request(partner_a, actor=admin_a, kind="bank_account", values=BANK)
    cr = actions.approve_change_request(cr, actor=staff)
    assert cr.state == "approved"
    with pytest.raises(DomainError) as exc:
        actions.second_approve_change_request(cr, actor=staff)
    assert exc.value.code == "partners.four_eyes_same_person"
    cr.refresh_from_db()
    assert cr.state == "approved" and cr.second_approver is None
    assert BankAccount.objects.filter(partner=partner_a).count() == 1


def test_second_approval_only_for_bank_changes(partner_a, admin_a, staff, staff2):
    cr = actions.submit_change_request(
        partner_a, actor=admin_a, kind="cs_hotline", values={"cs_hotline": "8001234567"}
    )
    with pytest.raises(DomainError) as exc:
        actions.second_approve_change_request(cr, actor=staff2)
    assert exc.value.code == "partners.change_invalid"


def test_bank_change_submitted_and_approved_twice_on_nov_30_is_effective_dec_1(
    freeze, partner_a, admin_a, staff, staff2, old_account
):
    freeze("2026-11-30")
    admitted(partner_a, "active")
    cr = actions.submit_change_request(partner_a, actor=admin_a, kind="bank_account", values=BANK)
    actions.approve_change_request(cr, actor=staff)
    cr = actions.second_approve_change_request(cr, actor=staff2)
    assert cr.state == "second_approved" and cr.second_approver == staff2
    assert cr.effective_from == dt.date(2026, 12, 1)
    new = cr.bank_account
    assert new is not None and new.effective_from == dt.date(2026, 12, 1) and not new.is_current
    old_account.refresh_from_db()
    assert old_account.is_current
    assert change_queries.bank_account_at(partner_a, dt.date(2026, 11, 30)) == old_account
    assert change_queries.bank_account_at(partner_a, dt.date(2026, 12, 1)) == new
    assert AuditEvent.objects.filter(action="partners.change_request_second_approved", actor=staff2).exists()

    # the sweep before the date changes nothing; on the date it switches; re-running is a no-op
    assert actions.apply_due_bank_changes(dt.date(2026, 11, 30)) == []
    assert [c.pk for c in actions.apply_due_bank_changes(dt.date(2026, 12, 1))] == [cr.pk]
    assert actions.apply_due_bank_changes(dt.date(2026, 12, 1)) == []
    old_account.refresh_from_db()
    new.refresh_from_db()
    cr.refresh_from_db()
    assert new.is_current and not old_account.is_current
    assert cr.state == "applied"
    event = AuditEvent.objects.get(action="partners.bank_account_set", object_id=str(partner_a.pk))
    assert event.before["account_number"] == "1111222233334444"
    assert event.after["account_number"] == "6225880012345678"


def test_apply_partner_changes_command_is_idempotent(freeze, partner_a, admin_a, staff, staff2, old_account):
    freeze("2026-11-30")
    cr = actions.submit_change_request(partner_a, actor=admin_a, kind="bank_account", values=BANK)
    actions.approve_change_request(cr, actor=staff)
    actions.second_approve_change_request(cr, actor=staff2)
    call_command("apply_partner_changes", "--date", "2026-12-01")
    call_command("apply_partner_changes", "--date", "2026-12-02")
    assert (
        BankAccount.objects.filter(partner=partner_a, is_current=True).get().account_number
        == "6225880012345678"
    )
    assert PartnerChangeRequest.objects.get(pk=cr.pk).state == "applied"
    assert (
        AuditEvent.objects.filter(action="partners.change_request_applied", object_id=str(cr.pk)).count() == 1
    )


# --- direct edits refused after admission ----------------------------------------------------


@pytest.mark.parametrize("state", ["admitted", "active", "suspended"])
def test_direct_edits_refused_after_admission(partner_a, admin_a, state):
    admitted(partner_a, state)
    calls = [
        lambda: actions.set_hotline(partner_a, actor=admin_a, cs_hotline="8001234567"),
        lambda: actions.set_contact(
            partner_a, actor=admin_a, role="business", name="a", phone="1", email="a@b.cn"
        ),
        lambda: actions.set_bank_account(partner_a, actor=admin_a, **BANK),
        lambda: actions.update_profile(partner_a, actor=admin_a, legal_representative="李四", address="x"),
    ]
    for call in calls:
        with pytest.raises(DomainError) as exc:
            call()
        assert exc.value.code == "partners.change_request_required"
        assert "/partners/me/changes/new/" in exc.value.message


def test_direct_edits_still_allowed_before_admission(partner_a, admin_a):
    actions.set_hotline(partner_a, actor=admin_a, cs_hotline="8001234567")
    actions.set_bank_account(partner_a, actor=admin_a, **BANK)
    assert BankAccount.objects.get(partner=partner_a, is_current=True).account_number == "6225880012345678"
