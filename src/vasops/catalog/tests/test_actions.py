"""Actions: permission refusals, rules enforced, audit rows, versions never rewritten."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.catalog import actions, queries, rules
from vasops.catalog.models import Product, ProductChangeRequest, ProductVersion
from vasops.core import roles
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.models import AuditEvent
from vasops.partners.models import Partner, Restriction
from vasops.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def audit_actions(obj) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type=f"catalog.{obj._meta.model_name}", object_id=str(obj.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


# --- product new ----------------------------------------------------------------------------


def test_create_product_writes_audit_and_starts_as_draft(make_product, partner_a, user_a):
    product = make_product(partner_a, user_a)
    assert product.state == Product.State.DRAFT
    assert audit_actions(product) == ["catalog.product_created"]


def test_partner_user_cannot_create_a_product_for_another_partner(make_product, partner_b, user_a):
    with pytest.raises(PermissionDenied):
        make_product(partner_b, user_a, access_number=partner_b.service_access_number)


def test_access_number_of_another_partner_is_refused(make_product, partner_a, partner_b, user_a):
    with pytest.raises(DomainError) as exc:
        make_product(partner_a, user_a, access_number=partner_b.service_access_number + "9")
    assert exc.value.code == "catalog.invalid_access_number"
    assert exc.value.field == "access_number"


def test_submit_by_ineligible_partner_is_refused_with_problem_messages(
    make_partner, make_user, make_product, freeze
):
    freeze("2026-01-05")
    partner = make_partner(qualified=False)
    user = make_user(roles.PARTNER_ADMIN, partner=partner)
    product = make_product(partner, user)
    with pytest.raises(DomainError) as exc:
        actions.submit_product(product, actor=user)
    assert exc.value.code == "catalog.partner_not_eligible"
    assert "营业执照" in exc.value.message


def test_submit_by_registered_partner_is_refused(make_partner, make_user, make_product):
    partner = make_partner(state="registered")
    user = make_user(roles.PARTNER_ADMIN, partner=partner)
    product = make_product(partner, user)
    with pytest.raises(DomainError) as exc:
        actions.submit_product(product, actor=user)
    assert exc.value.code == "catalog.partner_not_eligible"


def test_submit_with_blocking_restriction_is_refused(make_product, partner_a, user_a, freeze):
    freeze("2026-01-05")
    Restriction.objects.create(
        partner=partner_a, kind="blacklist", reason="违规", starts_on=dt.date(2026, 1, 1)
    )
    product = make_product(partner_a, user_a)
    with pytest.raises(DomainError) as exc:
        actions.submit_product(product, actor=user_a)
    assert exc.value.code == "catalog.partner_not_eligible"
    assert Product.objects.get(pk=product.pk).state == Product.State.DRAFT


def test_submit_moves_to_submitted_with_audit(make_product, partner_a, user_a, freeze):
    freeze("2026-01-05")
    product = make_product(partner_a, user_a)
    product = actions.submit_product(product, actor=user_a)
    assert product.state == Product.State.SUBMITTED
    assert audit_actions(product)[-1] == "catalog.product_submitted"


def test_review_requires_review_permission(make_product, partner_a, user_a, auditor, freeze):
    freeze("2026-01-05")
    product = actions.submit_product(make_product(partner_a, user_a), actor=user_a)
    with pytest.raises(PermissionDenied):
        actions.review_product(product, actor=user_a, decision="approve", product_code="9044000101")
    with pytest.raises(PermissionDenied):
        actions.review_product(product, actor=auditor, decision="approve", product_code="9044000101")


def test_approval_assigns_code_and_raises_one_work_order_per_system(
    make_product, partner_a, user_a, staff, sms, freeze
):
    freeze("2026-01-05")
    product = actions.submit_product(make_product(partner_a, user_a), actor=user_a)
    product = actions.review_product(product, actor=staff, decision="approve", product_code="9044000101")
    assert product.state == Product.State.CONFIGURING
    assert product.product_code == "9044000101"
    assert product.unicom_status == "1"
    orders = WorkOrder.objects.filter(partner=partner_a, type="data_change")
    assert sorted(orders.values_list("system", flat=True)) == sorted(sms.vas_systems)
    assert audit_actions(product)[-1] == "catalog.product_approved"


@pytest.mark.parametrize("code", ["904400010", "3144000101", "abcdefghij"])
def test_approval_with_invalid_product_code_is_refused(make_product, partner_a, user_a, staff, freeze, code):
    freeze("2026-01-05")
    product = actions.submit_product(make_product(partner_a, user_a), actor=user_a)
    with pytest.raises(DomainError) as exc:
        actions.review_product(product, actor=staff, decision="approve", product_code=code)
    assert exc.value.code == "catalog.invalid_product_code"
    assert Product.objects.get(pk=product.pk).state == Product.State.SUBMITTED


def test_product_code_must_be_unique(make_product, live_product, partner_a, user_a, staff):
    live_product(code="9044000101")
    other = actions.submit_product(make_product(partner_a, user_a, name="股票"), actor=user_a)
    with pytest.raises(DomainError) as exc:
        actions.review_product(other, actor=staff, decision="approve", product_code="9044000101")
    assert exc.value.code == "catalog.product_code_taken"


@pytest.mark.parametrize(("decision", "state"), [("return", "draft"), ("reject", "rejected")])
def test_return_and_reject_need_a_reason(make_product, partner_a, user_a, staff, freeze, decision, state):
    freeze("2026-01-05")
    product = actions.submit_product(make_product(partner_a, user_a), actor=user_a)
    with pytest.raises(DomainError) as exc:
        actions.review_product(product, actor=staff, decision=decision, reason=" ")
    assert exc.value.code == "catalog.reason_required"
    product = actions.review_product(product, actor=staff, decision=decision, reason="材料不全")
    assert product.state == state
    assert product.review_reason == "材料不全"


def test_full_product_new_path_creates_version_one(live_product):
    product = live_product()
    assert product.state == Product.State.ACTIVE
    assert product.unicom_status == "4"
    assert [v.number for v in product.versions.all()] == [1]
    assert audit_actions(product)[-1] == "catalog.product_activated"


def test_testing_cannot_complete_with_a_failed_case(make_product, partner_a, user_a, staff, freeze):
    freeze("2026-01-05")
    product = actions.submit_product(make_product(partner_a, user_a), actor=user_a)
    actions.review_product(product, actor=staff, decision="approve", product_code="9044000101")
    actions.finish_configuration(product, actor=staff)
    cases = list(product.test_cases.all())
    for case in cases[1:]:
        actions.record_test_result(case, actor=staff, passed=True)
    actions.record_test_result(cases[0], actor=staff, passed=False, note="退订无回复")
    with pytest.raises(DomainError) as exc:
        actions.complete_testing(product, actor=staff)
    assert exc.value.code == "catalog.tests_not_passed"
    product = actions.fail_testing(product, actor=staff, reason="退订无回复")
    assert product.state == Product.State.CONFIGURING


def test_configuration_and_testing_need_manage_permission(make_product, partner_a, user_a, staff, freeze):
    freeze("2026-01-05")
    product = actions.submit_product(make_product(partner_a, user_a), actor=user_a)
    actions.review_product(product, actor=staff, decision="approve", product_code="9044000101")
    with pytest.raises(PermissionDenied):
        actions.finish_configuration(product, actor=user_a)
    actions.finish_configuration(product, actor=staff)
    case = product.test_cases.first()
    with pytest.raises(PermissionDenied):
        actions.record_test_result(case, actor=user_a, passed=True)
    with pytest.raises(PermissionDenied):
        actions.complete_testing(product, actor=user_a)


def test_illegal_transition_is_a_domain_error(make_product, partner_a, user_a, staff):
    product = make_product(partner_a, user_a)
    with pytest.raises(DomainError) as exc:
        actions.complete_testing(product, actor=staff)
    assert exc.value.code == "core.invalid_transition"


def test_suspend_resume_retire_with_audit_and_unicom_codes(live_product, staff, user_a):
    product = live_product()
    with pytest.raises(PermissionDenied):
        actions.suspend_product(product, actor=user_a, reason="x")
    product = actions.suspend_product(product, actor=staff, reason="投诉", block_port=True)
    assert (product.state, product.unicom_status) == ("suspended", "6")
    product = actions.resume_product(product, actor=staff)
    assert (product.state, product.unicom_status) == ("active", "4")
    product = actions.retire_product(product, actor=staff, reason="合作结束")
    assert (product.state, product.unicom_status) == ("retired", "7")
    assert product.versions.get().valid_to is not None
    assert audit_actions(product)[-3:] == [
        "catalog.product_suspended",
        "catalog.product_resumed",
        "catalog.product_retired",
    ]


# --- effective status -----------------------------------------------------------------------


def test_effective_status_follows_partner_state(live_product, partner_a):
    product = live_product()
    assert queries.effective_status(product).accepts_new_orders
    Partner.objects.filter(pk=partner_a.pk).update(state="suspended")
    product = Product.objects.select_related("partner").get(pk=product.pk)
    status = queries.effective_status(product)
    assert status.level == rules.PAUSED
    assert status.existing_subscribers_served and not status.accepts_new_orders
    Partner.objects.filter(pk=partner_a.pk).update(state="exited")
    product = Product.objects.select_related("partner").get(pk=product.pk)
    assert not queries.effective_status(product).existing_subscribers_served


# --- product change -------------------------------------------------------------------------


def change(product, actor, **kw):
    defaults = {
        "name": product.name,
        "description": product.description,
        "fee_fen": product.fee_fen,
        "effective_on": dt.date(2026, 2, 1),
    }
    defaults.update(kw)
    return actions.request_change(product, actor=actor, **defaults)


def test_monthly_price_rise_request_is_refused(live_product, user_a):
    product = live_product(billing_mode="monthly", fee_fen=500)
    with pytest.raises(DomainError) as exc:
        change(product, user_a, fee_fen=600)
    assert exc.value.code == "catalog.monthly_price_rise_forbidden"
    assert not ProductChangeRequest.objects.exists()


def test_monthly_price_cut_goes_to_change_review(live_product, user_a):
    product = live_product(billing_mode="monthly", fee_fen=500)
    req = change(product, user_a, fee_fen=300)
    assert req.review_path == "change"
    assert audit_actions(req) == ["catalog.change_requested"]


def test_per_use_price_rise_is_flagged_for_full_review(live_product, user_a, make_user, staff):
    product = live_product(billing_mode="per_use", fee_fen=100)
    req = change(product, user_a, fee_fen=200)
    assert req.needs_full_review
    # the ordinary change permission is not enough for a full review
    reviewer = make_user(roles.OM_ENGINEER, is_staff=True)
    with pytest.raises(PermissionDenied):
        actions.review_change(req, actor=reviewer, decision="approve")
    before = WorkOrder.objects.count()
    actions.review_change(req, actor=staff, decision="approve")
    assert WorkOrder.objects.count() > before  # configuration orders as for a new product


@pytest.mark.parametrize(("day", "ok"), [("2026-01-05", False), ("2026-01-06", True)])
def test_effective_date_today_refused_tomorrow_accepted(live_product, user_a, day, ok):
    product = live_product()
    if ok:
        assert change(product, user_a, name="新天气", effective_on=dt.date.fromisoformat(day)).pk
    else:
        with pytest.raises(DomainError) as exc:
            change(product, user_a, name="新天气", effective_on=dt.date.fromisoformat(day))
        assert exc.value.code == "catalog.effective_date_not_in_future"
        assert exc.value.field == "effective_on"


def test_unchanged_request_is_refused(live_product, user_a):
    with pytest.raises(DomainError) as exc:
        change(live_product(), user_a)
    assert exc.value.code == "catalog.nothing_changed"


def test_other_partner_cannot_request_a_change(live_product, user_b):
    with pytest.raises(PermissionDenied):
        change(live_product(), user_b, name="x")


def test_second_pending_change_is_refused(live_product, user_a):
    product = live_product()
    change(product, user_a, name="新名")
    with pytest.raises(DomainError) as exc:
        change(product, user_a, name="再改")
    assert exc.value.code == "catalog.change_pending"


def test_change_review_requires_permission_and_reason(live_product, user_a, auditor, staff):
    req = change(live_product(), user_a, fee_fen=300)
    with pytest.raises(PermissionDenied):
        actions.review_change(req, actor=user_a, decision="approve")
    with pytest.raises(PermissionDenied):
        actions.review_change(req, actor=auditor, decision="approve")
    with pytest.raises(DomainError):
        actions.review_change(req, actor=staff, decision="reject")
    req = actions.review_change(req, actor=staff, decision="reject", reason="资费说明不清")
    assert req.state == "rejected"
    assert audit_actions(req)[-1] == "catalog.change_rejected"


def test_approved_change_versions_price_from_midnight_and_keeps_history(live_product, user_a, staff, freeze):
    product = live_product(billing_mode="monthly", fee_fen=500)
    req = change(product, user_a, fee_fen=300, name="天气预报（优惠）", effective_on=dt.date(2026, 2, 1))
    actions.review_change(req, actor=staff, decision="approve")
    midnight = rules.start_of_day(dt.date(2026, 2, 1))
    just_before = midnight - dt.timedelta(microseconds=1)
    assert queries.version_at(product, just_before).fee_fen == 500
    assert queries.version_at(product, midnight).fee_fen == 300
    assert queries.version_at(product, midnight).name == "天气预报（优惠）"
    # before the effective date the product row keeps the old values
    assert actions.apply_due_changes(today=dt.date(2026, 1, 31)) == 0
    assert Product.objects.get(pk=product.pk).fee_fen == 500
    # on the date the sweep makes it effective (and is idempotent)
    assert actions.apply_due_changes(today=dt.date(2026, 2, 1)) == 1
    assert actions.apply_due_changes(today=dt.date(2026, 2, 1)) == 0
    product.refresh_from_db()
    assert (product.fee_fen, product.name) == (300, "天气预报（优惠）")
    assert ProductChangeRequest.objects.get(pk=req.pk).state == "effective"
    # version 1 still says what was valid before: history not rewritten
    v1 = product.versions.get(number=1)
    assert (v1.fee_fen, v1.valid_to) == (500, midnight)


def test_version_at_a_time_before_activation_is_not_found(live_product):
    product = live_product()
    with pytest.raises(DomainError) as exc:
        queries.version_at(product, dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert exc.value.status == 404


def test_version_at_is_one_query(live_product, django_assert_num_queries):
    product = live_product()
    with django_assert_num_queries(1):
        queries.version_at(product.pk, rules.start_of_day(dt.date(2026, 3, 1)))


def test_change_approved_after_its_effective_date_is_refused(live_product, user_a, staff, freeze):
    product = live_product()
    req = change(product, user_a, name="新名", effective_on=dt.date(2026, 1, 6))
    freeze("2026-01-06")
    with pytest.raises(DomainError) as exc:
        actions.review_change(req, actor=staff, decision="approve")
    assert exc.value.code == "catalog.effective_date_not_in_future"


def test_database_refuses_overlapping_versions(live_product):
    from django.db import IntegrityError, transaction

    product = live_product()
    v1 = product.versions.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductVersion.objects.create(
            product=product,
            number=2,
            name="x",
            description="x",
            fee_fen=1,
            billing_mode="monthly",
            valid_from=v1.valid_from + dt.timedelta(days=1),
        )


def test_business_line_choices_lists_seeded_lines(db):
    codes = dict(queries.business_line_choices())
    assert codes["SMS"] == "短信"
    assert {"MMS", "WAP", "IVR", "KJAVA", "STREAMING", "LBS", "CRBT"} <= set(codes)


def test_save_business_line_requires_permission_and_audits(user_a, staff):
    with pytest.raises(PermissionDenied):
        actions.save_business_line(
            actor=user_a, code="USSD", name="USSD", service_type="95", vas_systems=["vac"]
        )
    line = actions.save_business_line(
        actor=staff, code="USSD", name="USSD", service_type="95", vas_systems=["vac"]
    )
    assert audit_actions(line) == ["catalog.business_line_saved"]
    with pytest.raises(DomainError):
        actions.save_business_line(
            actor=staff, code="USSD", name="USSD", service_type="9", vas_systems=["vac"]
        )


def test_going_live_is_notified_to_each_partner_user_in_their_language(
    live_product, partner_a, user_a, make_user, staff, django_capture_on_commit_callbacks
):
    """Staff (in Chinese) put the product live: the partner's English-preferring user reads the
    inbox row and the e-mail in English, its Chinese-preferring colleague in Chinese."""
    from django.core import mail

    from vasops.core.models import Notification

    colleague = make_user(roles.PARTNER_USER, partner=partner_a)
    user_a.language = "en"
    user_a.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        product = live_product()
    english = Notification.objects.filter(recipient=user_a).latest("pk")
    chinese = Notification.objects.filter(recipient=colleague).latest("pk")
    assert english.subject == f"Product “{product.name}” is live"
    assert chinese.subject == f"产品“{product.name}”已上线"
    assert f"[vasops] Product “{product.name}” is live" in [
        m.subject for m in mail.outbox if m.to == [user_a.email]
    ]
