"""Application creation, materials, eligibility, submission, initial review."""

from __future__ import annotations

import pytest

from vasops.admission import actions, queries
from vasops.admission.models import AdmissionSettings, Application
from vasops.admission.tests.conftest import CAPABILITY, complete_application, pdf
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.models import AuditEvent, Notification
from vasops.partners.models import Qualification

pytestmark = pytest.mark.django_db


def codes(exc: DomainError) -> list[str]:
    return [p["code"] for p in exc.params["problems"]]


def test_application_on_day_10_is_created_with_a_window_number(partner_a, freeze):
    freeze("2026-01-10")
    _p, user = partner_a
    app = actions.create_application(actor=user, business_lines=["sms"], **CAPABILITY)
    assert app.number == "ZR202601-0001"
    assert str(app.window_month) == "2026-01-01"
    assert AuditEvent.objects.filter(action="admission.application_created", object_id=str(app.pk)).exists()


def test_application_on_day_11_is_refused_with_window_closed_naming_next_opening(partner_a, freeze):
    freeze("2026-01-11")
    _p, user = partner_a
    with pytest.raises(DomainError) as exc:
        actions.create_application(actor=user, business_lines=["sms"])
    assert exc.value.code == "admission.window_closed"
    assert "2026年04月01日" in exc.value.message
    assert not Application.objects.exists()


def test_configured_acceptance_months_change_the_window(partner_a, freeze, staff):
    freeze("2026-02-03")
    actions.update_settings(actor=staff, acceptance_months="2,8")
    _p, user = partner_a
    assert actions.create_application(actor=user, business_lines=["sms"]).window_month.month == 2
    assert AdmissionSettings.current().months() == [2, 8]


def test_update_settings_refuses_bad_months_and_needs_permission(staff, outsider):
    with pytest.raises(PermissionDenied):
        actions.update_settings(actor=outsider, acceptance_months="1")
    with pytest.raises(DomainError) as exc:
        actions.update_settings(actor=staff, acceptance_months="13")
    assert exc.value.code == "admission.invalid_settings"


def test_only_partner_users_may_create_applications(staff, freeze):
    freeze("2026-01-05")
    with pytest.raises(PermissionDenied):
        actions.create_application(actor=staff, business_lines=["sms"])


def test_second_open_application_is_refused(partner_a, freeze):
    freeze("2026-01-05")
    _p, user = partner_a
    actions.create_application(actor=user, business_lines=["sms"])
    with pytest.raises(DomainError) as exc:
        actions.create_application(actor=user, business_lines=["wap"])
    assert exc.value.code == "admission.open_application_exists"


def test_eligibility_lists_every_failing_rule_with_code_and_clause(partner_a, freeze):
    freeze("2026-01-05")
    partner, user = partner_a
    Qualification.objects.filter(partner=partner, kind="tax_registration").delete()
    app = actions.create_application(actor=user, business_lines=["sms", "wap"], cs_hotline="13800138000")
    problems = queries.eligibility_problems(app)
    found = {p.code for p in problems}
    assert {
        "partner.qualification_missing",
        "admission.access_method",
        "admission.om_staff",
        "admission.hotline",
        "admission.call_centre",
        "admission.connect_rate",
        "admission.answer_rate",
        "admission.material_missing",
        "admission.product_missing",
    } <= found
    assert all(p.clause for p in problems)
    with pytest.raises(DomainError) as exc:
        actions.submit_application(app, actor=user)
    assert exc.value.code == "admission.not_eligible"
    assert set(codes(exc.value)) == found
    app.refresh_from_db()
    assert app.state == "draft"


def test_complete_application_submits_and_notifies_staff(partner_a, staff, freeze):
    freeze("2026-01-05")
    _p, user = partner_a
    app = complete_application(user)
    assert queries.eligibility_problems(app) == []
    app = actions.submit_application(app, actor=user)
    assert app.state == "submitted"
    assert AuditEvent.objects.filter(action="admission.application_submitted", object_id=str(app.pk)).exists()
    assert Notification.objects.filter(recipient=staff, subject__contains=app.number).exists()


def test_submit_after_day_10_is_refused(partner_a, freeze):
    freeze("2026-01-05")
    _p, user = partner_a
    app = complete_application(user)
    freeze("2026-01-11")
    with pytest.raises(DomainError) as exc:
        actions.submit_application(app, actor=user)
    assert "admission.window_closed" in codes(exc.value)


def test_another_partner_cannot_touch_the_application(partner_a, partner_b, freeze):
    freeze("2026-01-05")
    _p, user = partner_a
    _q, other = partner_b
    app = complete_application(user)
    for call in (
        lambda: actions.submit_application(app, actor=other),
        lambda: actions.update_application(app, actor=other, certified_om_staff=3),
        lambda: actions.upload_material(app, actor=other, kind="business_plan", upload=pdf()),
        lambda: actions.withdraw_application(app, actor=other),
    ):
        with pytest.raises(PermissionDenied):
            call()
    with pytest.raises(Exception, match="不存在"):
        queries.application_for(other, app.pk)
    assert list(queries.applications_for(other)) == []


def test_material_reupload_supersedes_and_bad_type_is_refused(partner_a, freeze):
    from django.core.files.uploadedfile import SimpleUploadedFile

    freeze("2026-01-05")
    _p, user = partner_a
    app = actions.create_application(actor=user, business_lines=["sms"])
    actions.upload_material(app, actor=user, kind="business_plan", upload=pdf("v1.pdf"))
    actions.upload_material(app, actor=user, kind="business_plan", upload=pdf("v2.pdf"))
    assert queries.current_materials(app)["business_plan"].document.original_name == "v2.pdf"
    assert app.materials.count() == 2
    with pytest.raises(DomainError) as exc:
        actions.upload_material(
            app, actor=user, kind="business_plan", upload=SimpleUploadedFile("x.pdf", b"plain text")
        )
    assert exc.value.code == "core.upload_type_refused"
    with pytest.raises(DomainError):
        actions.upload_material(app, actor=user, kind="nonsense", upload=pdf())


def test_product_must_belong_to_a_chosen_business_line(partner_a, freeze):
    freeze("2026-01-05")
    _p, user = partner_a
    app = actions.create_application(actor=user, business_lines=["sms"])
    with pytest.raises(DomainError) as exc:
        actions.add_product(app, actor=user, business_line="wap", name="x", fee_fen=100)
    assert exc.value.field == "business_line"


@pytest.fixture
def submitted(partner_a, freeze):
    freeze("2026-01-05")
    _p, user = partner_a
    app = complete_application(user)
    return actions.submit_application(app, actor=user), user


@pytest.mark.parametrize(
    ("decision", "state", "action"),
    [
        ("approve", "initial_approved", "admission.initial_approved"),
        ("return", "returned", "admission.initial_returned"),
        ("reject", "initial_rejected", "admission.initial_rejected"),
    ],
)
def test_initial_review_outcomes_are_audited_and_notified(submitted, staff, decision, state, action):
    app, user = submitted
    app = actions.review_application(app, actor=staff, decision=decision, reason="意见")
    assert app.state == state
    row = AuditEvent.objects.get(action=action, object_id=str(app.pk))
    assert row.reason == "意见"
    assert Notification.objects.filter(recipient=user, subject__contains="初审结果").exists()


def test_initial_review_needs_permission_and_a_reason(submitted, outsider, staff):
    app, user = submitted
    with pytest.raises(PermissionDenied):
        actions.review_application(app, actor=outsider, decision="approve", reason="x")
    with pytest.raises(PermissionDenied):
        actions.review_application(app, actor=user, decision="approve", reason="x")
    with pytest.raises(DomainError) as exc:
        actions.review_application(app, actor=staff, decision="approve", reason=" ")
    assert exc.value.code == "admission.reason_required"


def test_illegal_transition_is_a_clear_domain_error(submitted, staff):
    app, _user = submitted
    actions.review_application(app, actor=staff, decision="approve", reason="ok")
    with pytest.raises(DomainError) as exc:
        actions.review_application(app, actor=staff, decision="approve", reason="again")
    assert exc.value.code == "core.invalid_transition"
    assert exc.value.status == 409


def test_returned_application_is_edited_and_resubmitted_inside_the_window(submitted, staff, freeze):
    app, user = submitted
    actions.review_application(app, actor=staff, decision="return", reason="补充资料")
    freeze("2026-01-09")
    actions.upload_material(app, actor=user, kind="business_plan", upload=pdf("new.pdf"))
    assert actions.submit_application(app, actor=user).state == "submitted"


def test_returned_application_cannot_be_resubmitted_after_day_10(submitted, staff, freeze):
    app, user = submitted
    actions.review_application(app, actor=staff, decision="return", reason="补充资料")
    freeze("2026-01-11")
    with pytest.raises(DomainError) as exc:
        actions.submit_application(app, actor=user)
    assert "admission.window_closed" in codes(exc.value)


def test_withdrawn_application_frees_the_partner_for_a_new_one(submitted):
    app, user = submitted
    actions.withdraw_application(app, actor=user, reason="不再申请")
    assert AuditEvent.objects.filter(action="admission.application_withdrawn").exists()
    assert actions.create_application(actor=user, business_lines=["sms"]).number == "ZR202601-0002"
