"""Actions: permission refusals, audit rows, notifications, and the read-side functions other
apps call (eligibility_problems, visible_partners, partner_of, partner_users)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from vasops.core import roles
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.models import AuditEvent, Notification, User
from vasops.partners import actions, queries, rules, tasks
from vasops.partners.models import BankAccount, Partner, Qualification, Restriction
from vasops.partners.tests.conftest import credit_code, give_all_qualifications, scan

D = dt.date
pytestmark = pytest.mark.django_db


def _register(**over):
    data = dict(
        name="楚天信息",
        kind="SP",
        locality="local",
        credit_code=credit_code(900001),
        legal_representative="李四",
        address="武汉市江汉区",
        cs_hotline="400-123-4567",
        username="chutian",
        password="Chutian-2026!",
        display_name="王五",
        email="ww@example.com",
        phone="13912345678",
    )
    data.update(over)
    return actions.register_partner(**data)


def audit_actions(obj_type: str | None = None) -> list[str]:
    qs = AuditEvent.objects.all()
    if obj_type:
        qs = qs.filter(object_type=obj_type)
    return list(qs.order_by("id").values_list("action", flat=True))


# --- registration ----------------------------------------------------------------------


def test_registration_creates_partner_admin_membership_audit_and_tells_product_staff(
    staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        partner = _register()
    assert partner.state == Partner.State.REGISTERED
    assert partner.cs_hotline == "4001234567"
    user = User.objects.get(username="chutian")
    assert user.partner_membership.partner == partner and user.partner_membership.is_admin
    assert roles.has_role(user, roles.PARTNER_ADMIN)
    assert audit_actions() == ["partners.partner_registered"]
    assert Notification.objects.filter(recipient=staff, subject__contains="楚天信息").exists()
    assert mail.outbox and mail.outbox[0].to == [staff.email]


@pytest.mark.parametrize(
    ("over", "code", "field"),
    [
        ({"name": "楚天信息"}, "partners.duplicate_name", "name"),
        ({"credit_code": credit_code(900001)}, "partners.duplicate_credit_code", "credit_code"),
        ({"username": "CHUTIAN"}, "partners.duplicate_username", "username"),
    ],
)
def test_registration_refuses_duplicates_naming_the_field(over, code, field):
    _register()
    other = {"name": "另一家", "credit_code": credit_code(900002), "username": "other"}
    other.update(over)
    with pytest.raises(DomainError) as exc:
        _register(**other)
    assert (exc.value.code, exc.value.field) == (code, field)


@pytest.mark.parametrize(
    ("over", "code", "field"),
    [
        ({"cs_hotline": "02788888888"}, "partners.invalid_hotline", "cs_hotline"),
        ({"cs_hotline": "13912345678"}, "partners.invalid_hotline", "cs_hotline"),
        ({"credit_code": "91350100M000100Y44"}, "partners.invalid_credit_code", "credit_code"),
        ({"password": "12345678"}, "partners.weak_password", "password"),
    ],
)
def test_registration_refuses_bad_input_and_writes_nothing(over, code, field):
    with pytest.raises(DomainError) as exc:
        _register(**over)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert not Partner.objects.exists() and not User.objects.filter(username="chutian").exists()


def test_partner_admin_adds_a_partner_user(partner_a, admin_a):
    user = actions.add_partner_user(
        partner_a,
        actor=admin_a,
        username="clerk",
        password="Clerk-2026!",
        display_name="职员",
        email="c@example.com",
    )
    assert user.partner_membership.partner == partner_a and not user.partner_membership.is_admin
    assert roles.has_role(user, roles.PARTNER_USER)
    assert "partners.user_added" in audit_actions()


def test_partner_user_who_is_not_admin_cannot_add_users(partner_a, user_a):
    with pytest.raises(PermissionDenied):
        actions.add_partner_user(
            partner_a,
            actor=user_a,
            username="x1",
            password="Clerk-2026!",
            display_name="x",
            email="x@example.com",
        )


def test_admin_of_another_partner_cannot_change_this_partner(partner_a, admin_b):
    with pytest.raises(PermissionDenied):
        actions.set_hotline(partner_a, actor=admin_b, cs_hotline="8001234567")
    assert not AuditEvent.objects.exists()


# --- company data ------------------------------------------------------------------------


def test_hotline_change_is_validated_and_audited(partner_a, admin_a):
    with pytest.raises(DomainError) as exc:
        actions.set_hotline(partner_a, actor=admin_a, cs_hotline="027-88888888")
    assert exc.value.code == "partners.invalid_hotline"
    actions.set_hotline(partner_a, actor=admin_a, cs_hotline="1010-1234")
    ev = AuditEvent.objects.get(action="partners.hotline_changed")
    assert ev.before == {"cs_hotline": "4001234567"} and ev.after == {"cs_hotline": "10101234"}


def test_contact_per_role_is_upserted(partner_a, admin_a):
    actions.set_contact(
        partner_a, actor=admin_a, role="technical", name="甲", phone="1", email="a@example.com"
    )
    actions.set_contact(
        partner_a, actor=admin_a, role="technical", name="乙", phone="2", email="b@example.com"
    )
    assert partner_a.contacts.get().name == "乙"
    assert audit_actions().count("partners.contact_set") == 2


def test_new_bank_account_keeps_the_old_one(partner_a, admin_a, freeze):
    freeze("2026-01-05")
    actions.set_bank_account(
        partner_a, actor=admin_a, bank_name="工行", account_name="甲公司", account_number="6222 0000 1111"
    )
    actions.set_bank_account(
        partner_a, actor=admin_a, bank_name="建行", account_name="甲公司", account_number="6217000022223333"
    )
    assert BankAccount.objects.filter(partner=partner_a).count() == 2
    current = BankAccount.objects.get(partner=partner_a, is_current=True)
    assert (current.bank_name, current.effective_from) == ("建行", D(2026, 1, 5))


def test_the_bank_account_holder_is_the_company(partner_a, admin_a):
    with pytest.raises(DomainError) as exc:
        actions.set_bank_account(
            partner_a, actor=admin_a, bank_name="工行", account_name="张三", account_number="6222 0000 1111"
        )
    assert (
        exc.value.code == "partners.bank_holder_mismatch" and "须与企业名称“甲公司”一致" in exc.value.message
    )
    assert not BankAccount.objects.filter(partner=partner_a).exists()
    # spaces and full-width brackets aside
    assert rules.bank_holder_problem("甲 公司", "甲公司") is None
    assert rules.bank_holder_problem("星云（武汉）科技", "星云(武汉)科技") is None


def test_replacing_a_qualification_keeps_the_old_row(partner_a, user_a):
    first = actions.upload_qualification(
        partner_a,
        actor=user_a,
        kind="business_licence",
        number="A1",
        issuer="市监局",
        valid_from=D(2020, 1, 1),
        valid_until=D(2026, 1, 31),
        scan=scan(),
    )
    second = actions.upload_qualification(
        partner_a,
        actor=user_a,
        kind="business_licence",
        number="A2",
        issuer="市监局",
        valid_from=D(2026, 1, 1),
        valid_until=None,
        scan=scan(),
    )
    first.refresh_from_db()
    assert not first.is_current and second.is_current
    assert second.document is not None and second.document.partner_id == partner_a.pk
    assert audit_actions("partners.qualification") == [
        "partners.qualification_added",
        "partners.qualification_replaced",
    ]


def test_qualification_needs_a_scan_and_a_sane_validity(partner_a, user_a):
    with pytest.raises(DomainError) as exc:
        actions.upload_qualification(
            partner_a,
            actor=user_a,
            kind="business_licence",
            number="A1",
            issuer="x",
            valid_from=D(2026, 1, 1),
            valid_until=None,
            scan=None,
        )
    assert exc.value.field == "scan"
    with pytest.raises(DomainError) as exc:
        actions.upload_qualification(
            partner_a,
            actor=user_a,
            kind="business_licence",
            number="A1",
            issuer="x",
            valid_from=D(2026, 1, 1),
            valid_until=D(2025, 12, 31),
            scan=scan(),
        )
    assert exc.value.code == "partners.invalid_validity"
    assert not Qualification.objects.exists()


# --- lifecycle ---------------------------------------------------------------------------


def test_record_admission_sets_codes_and_state(partner_a, staff, admin_a):
    p = actions.record_admission(
        partner_a, actor=staff, enterprise_code="44000001", service_access_number="10661234"
    )
    assert (p.state, p.enterprise_code, p.service_access_number) == ("admitted", "44000001", "10661234")
    ev = AuditEvent.objects.get(action="partners.partner_admitted")
    assert ev.before["state"] == "registered" and ev.after["state"] == "admitted"
    assert Notification.objects.filter(recipient=admin_a, subject="准入通过").exists()
    p = actions.activate_partner(p, actor=staff)
    assert p.state == "active"


def test_record_admission_refuses_a_code_already_allocated(partner_a, partner_b, staff):
    actions.record_admission(
        partner_a, actor=staff, enterprise_code="44000001", service_access_number="10661234"
    )
    with pytest.raises(DomainError) as exc:
        actions.record_admission(
            partner_b, actor=staff, enterprise_code="44000001", service_access_number="10669999"
        )
    assert exc.value.code == "partners.code_taken"


def test_record_admission_and_activation_need_manage_partner(partner_a, auditor, admin_a):
    with pytest.raises(PermissionDenied):
        actions.record_admission(
            partner_a, actor=admin_a, enterprise_code="44000001", service_access_number="1066"
        )
    with pytest.raises(PermissionDenied):
        actions.activate_partner(partner_a, actor=auditor)


def test_activation_before_admission_is_an_invalid_transition(partner_a, staff):
    with pytest.raises(DomainError) as exc:
        actions.activate_partner(partner_a, actor=staff)
    assert exc.value.code == "core.invalid_transition"


def test_suspend_and_resume_return_to_the_previous_state(partner_a, staff):
    actions.record_admission(partner_a, actor=staff, enterprise_code="44000001", service_access_number="1066")
    p = actions.suspend_partner(partner_a, actor=staff, reason="投诉过多")
    assert (p.state, p.suspended_reason) == ("suspended", "投诉过多")
    p = actions.resume_partner(p, actor=staff, reason="整改完成")
    assert p.state == "admitted" and p.suspended_reason == ""
    reasons = list(
        AuditEvent.objects.filter(action__in=["partners.partner_suspended", "partners.partner_resumed"])
        .order_by("id")
        .values_list("reason", flat=True)
    )
    assert reasons == ["投诉过多", "整改完成"]


def test_suspend_needs_permission_and_a_reason(partner_a, auditor, staff):
    with pytest.raises(PermissionDenied):
        actions.suspend_partner(partner_a, actor=auditor, reason="x")
    with pytest.raises(DomainError) as exc:
        actions.suspend_partner(partner_a, actor=staff, reason="  ")
    assert exc.value.code == "partners.reason_required"


# --- restrictions -----------------------------------------------------------------------


def test_impose_lockout_by_system_ends_after_three_months_and_tells_partner_users(partner_a, admin_a, user_a):
    r = actions.impose_restriction(
        partner_a, kind="lockout", reason="准入申请被驳回", source="ZR2026010001", starts_on=D(2026, 1, 15)
    )
    assert r.ends_on == D(2026, 4, 14) and r.created_by is None
    ev = AuditEvent.objects.get(action="partners.restriction_added")
    assert ev.actor_label == "system" and ev.partner_id == partner_a.pk
    assert Notification.objects.filter(recipient__in=[admin_a, user_a]).count() == 2


def test_add_restriction_needs_manage_restriction(partner_a, auditor, admin_a):
    for actor in (auditor, admin_a):
        with pytest.raises(PermissionDenied):
            actions.add_restriction(
                partner_a, actor=actor, kind="blacklist", reason="x", starts_on=D(2026, 1, 1)
            )
    assert not Restriction.objects.exists()


def test_staff_adds_and_lifts_a_restriction_with_reasons(partner_a, staff):
    r = actions.add_restriction(
        partner_a, actor=staff, kind="blacklist", reason="信用不良", starts_on=D(2026, 1, 1)
    )
    # a bad credit record bars for half a year (第二章 二、1): through 2026-06-30
    assert r.ends_on == D(2026, 6, 30) and r.created_by == staff
    r = actions.lift_restriction(r, actor=staff, reason="申诉成立")
    assert r.lifted_at is not None and r.lift_reason == "申诉成立"
    assert audit_actions("partners.restriction") == [
        "partners.restriction_added",
        "partners.restriction_lifted",
    ]
    with pytest.raises(DomainError) as exc:
        actions.lift_restriction(r, actor=staff, reason="again")
    assert exc.value.code == "partners.restriction_already_lifted"


def test_lift_needs_permission(partner_a, staff, auditor):
    r = actions.add_restriction(partner_a, actor=staff, kind="blacklist", reason="x", starts_on=D(2026, 1, 1))
    with pytest.raises(PermissionDenied):
        actions.lift_restriction(r, actor=auditor, reason="y")


def test_violation_exclusion_must_name_its_business_line(partner_a, staff):
    with pytest.raises(DomainError) as exc:
        actions.add_restriction(
            partner_a, actor=staff, kind="violation_exclusion", reason="x", starts_on=D(2026, 1, 1)
        )
    assert exc.value.field == "business_line"


# --- eligibility (called by admission) ------------------------------------------------------


def test_partner_with_valid_qualifications_and_no_restrictions_is_eligible(partner_a):
    give_all_qualifications(partner_a)
    assert queries.eligibility_problems(partner_a, D(2026, 1, 5)) == []


def test_eligibility_names_missing_and_expired_certificates(make_partner):
    cp = make_partner(kind="CP")
    Qualification.objects.create(
        partner=cp,
        kind="business_licence",
        number="1",
        issuer="x",
        valid_from=D(2020, 1, 1),
        valid_until=D(2026, 1, 4),
        annual_inspection_date=D(2025, 6, 30),
    )
    problems = queries.eligibility_problems(cp, D(2026, 1, 5))
    assert [p.code for p in problems] == ["partners.qualification_expired", "partners.qualification_missing"]
    assert "营业执照" in problems[0].message and "内容来源合法证明" in problems[1].message
    assert queries.eligibility_problems(cp, D(2026, 1, 4))[0].code == "partners.qualification_missing"


def test_eligibility_includes_restrictions_and_credit_grade(partner_a, staff):
    give_all_qualifications(partner_a)
    actions.impose_restriction(partner_a, kind="lockout", reason="驳回", source="", starts_on=D(2026, 1, 15))
    assert [p.code for p in queries.eligibility_problems(partner_a, D(2026, 4, 14))] == [
        "partners.locked_out"
    ]
    assert queries.eligibility_problems(partner_a, D(2026, 4, 15)) == []
    Partner.objects.filter(pk=partner_a.pk).update(credit_grade="fail")
    partner_a.refresh_from_db()
    assert [p.code for p in queries.eligibility_problems(partner_a, D(2026, 4, 15))] == [
        "partners.credit_fail"
    ]


def test_violation_exclusion_is_checked_per_business_line(partner_a, staff):
    give_all_qualifications(partner_a)
    actions.add_restriction(
        partner_a,
        actor=staff,
        kind="violation_exclusion",
        reason="违规",
        business_line="WAP",
        starts_on=D(2026, 1, 1),
    )
    on = D(2026, 3, 1)
    assert queries.eligibility_problems(partner_a, on, ["SMS"]) == []
    assert [p.code for p in queries.eligibility_problems(partner_a, on, ["WAP"])] == [
        "partners.violation_excluded"
    ]
    assert queries.eligibility_problems(partner_a, D(2026, 7, 1), ["WAP"]) == []


def test_lifted_restriction_no_longer_refuses(partner_a, staff):
    give_all_qualifications(partner_a)
    r = actions.add_restriction(
        partner_a, actor=staff, kind="major_violation", reason="x", starts_on=D(2026, 1, 1)
    )
    assert queries.eligibility_problems(partner_a, D(2026, 2, 1))
    actions.lift_restriction(r, actor=staff, reason="y")
    assert queries.eligibility_problems(partner_a, D(2026, 2, 1)) == []


# --- scoping queries -----------------------------------------------------------------------


def test_visible_partners_staff_all_partner_own_others_none(partner_a, partner_b, staff, admin_a, make_user):
    assert set(queries.visible_partners(staff)) == {partner_a, partner_b}
    assert list(queries.visible_partners(admin_a)) == [partner_a]
    assert list(queries.visible_partners(make_user(roles.EXPERT))) == []
    assert queries.partner_of(admin_a) == partner_a and queries.partner_of(staff) is None


def test_partner_users_are_the_active_members(partner_a, admin_a, user_a, admin_b):
    User.objects.filter(pk=user_a.pk).update(is_active=False)
    assert list(queries.partner_users(partner_a)) == [admin_a]


# --- reminders -----------------------------------------------------------------------------


def _q(partner, until):
    return Qualification.objects.create(
        partner=partner,
        kind="business_licence",
        number="1",
        issuer="x",
        valid_from=D(2020, 1, 1),
        valid_until=until,
    )


@pytest.mark.parametrize(
    ("days_left", "sent", "stamp"),
    [
        (31, 0, None),
        (30, 1, "reminded_30_at"),
        (8, 1, "reminded_30_at"),
        (7, 1, "reminded_7_at"),
        (0, 1, "reminded_7_at"),
        (-1, 0, None),
    ],
)
def test_reminders_30_and_7_days_before_expiry(partner_a, admin_a, staff, days_left, sent, stamp):
    until = D(2026, 3, 31)
    q = _q(partner_a, until)
    assert tasks.send_qualification_reminders(until - dt.timedelta(days=days_left)) == sent
    q.refresh_from_db()
    if stamp:
        assert getattr(q, stamp) is not None
        assert Notification.objects.filter(recipient=admin_a).count() == 1
        assert Notification.objects.filter(recipient=staff).count() == 1
    else:
        assert q.reminded_30_at is None and q.reminded_7_at is None
        assert not Notification.objects.exists()


def test_reminders_are_sent_once_each(partner_a, admin_a):
    until = D(2026, 3, 31)
    _q(partner_a, until)
    assert tasks.send_qualification_reminders(D(2026, 3, 1)) == 1
    assert tasks.send_qualification_reminders(D(2026, 3, 2)) == 0
    assert tasks.send_qualification_reminders(D(2026, 3, 24)) == 1
    assert tasks.send_qualification_reminders(D(2026, 3, 25)) == 0
    assert Notification.objects.filter(recipient=admin_a).count() == 2


def test_replaced_certificate_gets_no_reminder(partner_a):
    q = _q(partner_a, D(2026, 3, 31))
    Qualification.objects.filter(pk=q.pk).update(is_current=False)
    assert tasks.send_qualification_reminders(D(2026, 3, 24)) == 0


def test_reminder_command_runs(partner_a, admin_a):
    from django.core.management import call_command

    _q(partner_a, D(2026, 3, 31))
    call_command("send_qualification_reminders", "--date", "2026-03-24")
    assert Notification.objects.filter(recipient=admin_a).count() == 1


@pytest.mark.parametrize(
    "on",
    [D(2026, 1, 14), D(2026, 1, 15), D(2026, 4, 14), D(2026, 4, 15), D(2026, 6, 30), D(2099, 1, 1)],
)
def test_the_in_force_query_and_the_rule_agree_at_every_boundary(partner_a, staff, on):
    """queries.in_force is the database form of rules.is_in_force: the same rows on each day."""
    from vasops.partners import rules

    start = D(2026, 1, 15)
    actions.impose_restriction(
        partner_a, kind="lockout", reason="驳回", source="", starts_on=start
    )  # to 04-14
    actions.add_restriction(
        partner_a, actor=staff, kind="blacklist", reason="信用", starts_on=start
    )  # half a year: to 07-14
    lifted = actions.add_restriction(
        partner_a, actor=staff, kind="major_violation", reason="违规", starts_on=start, ends_on=D(2026, 6, 30)
    )
    actions.lift_restriction(lifted, actor=staff, reason="复核")
    rows = list(Restriction.objects.filter(partner=partner_a))
    by_rule = {
        r.pk
        for r in rows
        if rules.is_in_force(
            rules.RestrictionFact(r.kind, r.starts_on, r.ends_on, lifted=r.lifted_at is not None), on
        )
    }
    assert set(queries.in_force(Restriction.objects.all(), on).values_list("pk", flat=True)) == by_rule
    assert {r.pk for r in queries.restrictions_in_force(partner_a, on)} == by_rule


def test_a_top_level_action_refuses_to_run_inside_an_open_transaction(partner_a, admin_a):
    """Durable: wrapping an act in a caller's transaction is a programming error, not a silent
    merge of two acts — and nothing is written."""
    from django.db import transaction

    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        actions.set_hotline(partner_a, actor=admin_a, cs_hotline="4001239999")
    partner_a.refresh_from_db()
    assert partner_a.cs_hotline == "4001234567"
    actions.set_hotline(partner_a, actor=admin_a, cs_hotline="4001239999")  # on its own: fine
    partner_a.refresh_from_db()
    assert partner_a.cs_hotline == "4001239999"
