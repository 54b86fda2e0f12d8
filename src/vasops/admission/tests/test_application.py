"""Application creation, materials, eligibility, submission, initial review."""

from __future__ import annotations

from datetime import date

import pytest

from vasops.admission import actions, queries, rules
from vasops.admission.models import AdmissionSettings, Application
from vasops.admission.tests.conftest import CAPABILITY, complete_application, pdf, to_reviewed
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.models import AuditEvent, Notification
from vasops.partners.models import Qualification
from vasops.partners.tests.factories import PartnerFactory, partner_user

pytestmark = pytest.mark.django_db


def codes(exc: DomainError) -> list[str]:
    return [p["code"] for p in exc.params["problems"]]


def test_application_on_day_10_is_created_with_a_window_number(partner_a, freeze):
    freeze("2026-01-10")
    _p, user = partner_a
    app = actions.create_application(actor=user, business_lines=["SMS"], **CAPABILITY)
    assert app.number == "ZR202601-0001"
    assert str(app.window_month) == "2026-01-01"
    assert AuditEvent.objects.filter(action="admission.application_created", object_id=str(app.pk)).exists()


def test_application_on_day_11_is_refused_with_window_closed_naming_next_opening(partner_a, freeze):
    freeze("2026-01-11")
    _p, user = partner_a
    with pytest.raises(DomainError) as exc:
        actions.create_application(actor=user, business_lines=["SMS"])
    assert exc.value.code == "admission.window_closed"
    assert "2026年04月01日" in exc.value.message
    assert not Application.objects.exists()


def test_configured_acceptance_months_change_the_window(partner_a, freeze, staff):
    freeze("2026-02-03")
    actions.update_settings(actor=staff, acceptance_months="2,8")
    _p, user = partner_a
    assert actions.create_application(actor=user, business_lines=["SMS"]).window_month.month == 2
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
        actions.create_application(actor=staff, business_lines=["SMS"])


def test_second_open_application_is_refused(partner_a, freeze):
    freeze("2026-01-05")
    _p, user = partner_a
    actions.create_application(actor=user, business_lines=["SMS"])
    with pytest.raises(DomainError) as exc:
        actions.create_application(actor=user, business_lines=["WAP"])
    assert exc.value.code == "admission.open_application_exists"


def test_eligibility_lists_every_failing_rule_with_code_and_clause(partner_a, freeze):
    freeze("2026-01-05")
    partner, user = partner_a
    Qualification.objects.filter(partner=partner, kind="tax_registration").delete()
    app = actions.create_application(actor=user, business_lines=["SMS", "WAP"], cs_hotline="13800138000")
    problems = queries.eligibility_problems(app)
    found = {p.code for p in problems}
    assert {
        "partners.qualification_missing",
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


def _capability_free_application(partner, user):
    """A complete draft without any capability declaration (no leased line, no call centre)."""
    app = actions.create_application(actor=user, business_lines=["SMS"])
    for kind, _label in rules.MATERIALS:
        actions.upload_material(app, actor=user, kind=kind, upload=pdf(f"{kind}.pdf"))
    actions.add_product(
        app, actor=user, business_line="SMS", name="资讯", fee_fen=200, billing_mode="monthly"
    )
    app.refresh_from_db()
    return app


def test_a_cp_without_leased_line_or_call_centre_is_admitted(staff, pools, freeze):
    """第二章 一(五)2: a CP needs only its business licence (with annual inspection) and proof of
    lawful content; the SP capability conditions do not apply to it."""
    freeze("2026-01-05")
    partner = PartnerFactory(kind="CP", qualified=date(2030, 12, 31))
    user = partner_user(partner, admin=True)
    app = _capability_free_application(partner, user)
    assert queries.eligibility_problems(app) == []
    actions.submit_application(app, actor=user)
    app = to_reviewed(app)
    app = actions.decide_application(app, actor=staff, decision="accept", reason="内容优质")
    assert app.state == "accepted" and app.enterprise_code


@pytest.mark.parametrize("kind", ["SP", "AP"])
def test_an_sp_or_ap_without_leased_line_is_refused_naming_the_clause(kind, freeze):
    """第二章 一(五)1: an SP or AP meets every basic condition, the leased line/VPN of 一(三)2
    among them."""
    freeze("2026-01-05")
    partner = PartnerFactory(kind=kind, qualified=date(2030, 12, 31))
    user = partner_user(partner, admin=True)
    app = _capability_free_application(partner, user)
    with pytest.raises(DomainError) as exc:
        actions.submit_application(app, actor=user)
    assert "admission.access_method" in codes(exc.value)
    assert (
        "接入方式须为专线或 VPN。（依据：《日常事务办理规范》第二章 一(三)2、一(五)1）" in exc.value.message
    )
    assert Application.objects.get(pk=app.pk).state == "draft"


def test_a_cp_without_an_annual_inspection_is_refused_naming_the_clause(freeze):
    freeze("2026-01-05")
    partner = PartnerFactory(kind="CP", qualified=date(2030, 12, 31))
    Qualification.objects.filter(partner=partner, kind="business_licence").update(
        annual_inspection_date=date(2025, 1, 4)
    )
    user = partner_user(partner, admin=True)
    app = _capability_free_application(partner, user)
    with pytest.raises(DomainError) as exc:
        actions.submit_application(app, actor=user)
    assert codes(exc.value) == ["partners.annual_inspection_missing"]
    assert "第二章 一(五)2" in exc.value.message


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
    app = actions.create_application(actor=user, business_lines=["SMS"])
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
    app = actions.create_application(actor=user, business_lines=["SMS"])
    with pytest.raises(DomainError) as exc:
        actions.add_product(app, actor=user, business_line="WAP", name="x", fee_fen=100)
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
        ("approve", "initial_approved", "admission.initial_review_approved"),
        ("return", "returned", "admission.initial_review_returned"),
        ("reject", "initial_rejected", "admission.initial_review_rejected"),
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
    assert actions.create_application(actor=user, business_lines=["SMS"]).number == "ZR202601-0002"


# --- 第二章 二、4: a business whose access resources are full is not admitted ---------------------


def _e1_pool(staff, *, capacity: int, held: int, holder):
    """The IVR E1 pool with ``held`` of ``capacity`` lines allocated to ``holder``."""
    from vasops.catalog import actions as catalog_actions
    from vasops.catalog.models import BusinessLine

    pool = catalog_actions.save_resource_pool(
        actor=staff,
        kind="e1",
        business_line=BusinessLine.objects.get(code="IVR"),
        name="语音 E1",
        capacity=capacity,
    )
    if held:
        catalog_actions.allocate_resource(pool, actor=staff, partner=holder, quantity=held, reason="已占用")
    return pool


@pytest.mark.parametrize(("held", "refused"), [(3, False), (4, True)])
def test_applying_for_a_business_whose_e1_pool_is_full_is_refused_naming_the_clause(
    partner_a, partner_b, staff, freeze, held, refused
):
    freeze("2026-01-05")
    _p, user = partner_a
    _e1_pool(staff, capacity=4, held=held, holder=partner_b[0])
    if not refused:
        assert actions.create_application(actor=user, business_lines=["IVR"]).line_codes() == ["IVR"]
        return
    with pytest.raises(DomainError) as exc:
        actions.create_application(actor=user, business_lines=["SMS", "IVR"])
    assert exc.value.code == "catalog.resource_pool_full"
    assert exc.value.clause == "《日常事务办理规范》第二章 二、4 接入资源已满"
    assert "IVR" in exc.value.message and "容量 4，已占用 4" in exc.value.message
    assert exc.value.field == "business_lines"
    assert not Application.objects.exists()


def test_a_full_pool_of_another_business_does_not_refuse(partner_a, partner_b, staff, freeze):
    freeze("2026-01-05")
    _e1_pool(staff, capacity=1, held=1, holder=partner_b[0])
    assert actions.create_application(actor=partner_a[1], business_lines=["SMS"]).state == "draft"


def test_a_stopped_pool_does_not_refuse(partner_a, partner_b, staff, freeze):
    from vasops.catalog import actions as catalog_actions

    freeze("2026-01-05")
    pool = _e1_pool(staff, capacity=1, held=1, holder=partner_b[0])
    catalog_actions.save_resource_pool(
        actor=staff, pool=pool, kind="e1", name=pool.name, capacity=1, is_active=False
    )
    assert actions.create_application(actor=partner_a[1], business_lines=["IVR"]).state == "draft"


def test_adding_a_business_whose_pool_is_full_to_a_draft_is_refused(partner_a, partner_b, staff, freeze):
    freeze("2026-01-05")
    app = actions.create_application(actor=partner_a[1], business_lines=["SMS"])
    _e1_pool(staff, capacity=2, held=2, holder=partner_b[0])
    with pytest.raises(DomainError) as exc:
        actions.update_application(app, actor=partner_a[1], business_lines=["SMS", "IVR"])
    assert exc.value.code == "catalog.resource_pool_full"
    app.refresh_from_db()
    assert app.line_codes() == ["SMS"]


def test_a_pool_filled_after_the_draft_is_listed_at_submission(partner_a, partner_b, staff, freeze):
    freeze("2026-01-05")
    app = complete_application(partner_a[1], lines=("SMS", "IVR"))
    _e1_pool(staff, capacity=2, held=2, holder=partner_b[0])
    problems = [p for p in queries.eligibility_problems(app) if p.code == "catalog.resource_pool_full"]
    assert len(problems) == 1 and problems[0].clause.endswith("第二章 二、4 接入资源已满")
    with pytest.raises(DomainError) as exc:
        actions.submit_application(app, actor=partner_a[1])
    assert "catalog.resource_pool_full" in codes(exc.value)


def test_every_timestamp_of_an_application_follows_the_moved_business_date(partner_a, freeze):
    """One clock: with the demo's date moved, created/uploaded/submitted all read that date (the
    API no longer answers created_at 2026-12-03 beside submitted_at 2027-07-01)."""
    import datetime as dt

    from vasops.core import clock

    freeze("2027-07-01")
    _p, user = partner_a
    app = actions.submit_application(complete_application(user), actor=user)
    app.refresh_from_db()
    stamps = [app.created_at, app.updated_at, app.submitted_at]
    stamps += [m.uploaded_at for m in app.materials.all()] + [p.created_at for p in app.products.all()]
    assert {clock.local_date(s) for s in stamps} == {dt.date(2027, 7, 1)}


# --- 第三章 一、1: the formal paper application beside the electronic one ---------------------


def test_the_paper_application_is_recorded_as_received_with_date_and_receiver(submitted, staff, freeze):
    app, user = submitted
    freeze("2026-01-07")
    app = actions.record_paper_application(app, actor=staff, received_on=date(2026, 1, 7), receiver="杨莹")
    app.refresh_from_db()
    assert (app.paper_received_on, app.paper_receiver) == (date(2026, 1, 7), "杨莹")
    ev = AuditEvent.objects.get(action="admission.paper_application_received", object_id=str(app.pk))
    assert ev.after == {"paper_received_on": "2026-01-07", "paper_receiver": "杨莹"}
    assert Notification.objects.filter(recipient=user, subject__contains="书面申请已收到").exists()


@pytest.mark.parametrize(
    ("received_on", "receiver", "field"),
    [
        (date(2026, 1, 8), "杨莹", "received_on"),
        (None, "杨莹", "received_on"),
        (date(2026, 1, 7), " ", "receiver"),
    ],
)
def test_a_paper_application_from_the_future_or_without_receiver_is_refused(
    submitted, staff, freeze, received_on, receiver, field
):
    app, _user = submitted
    freeze("2026-01-07")
    with pytest.raises(DomainError) as exc:
        actions.record_paper_application(app, actor=staff, received_on=received_on, receiver=receiver)
    assert exc.value.code == "admission.paper_invalid" and exc.value.field == field
    assert "第三章 一、1" in exc.value.full_message
    app.refresh_from_db()
    assert app.paper_received_on is None


def test_only_reviewing_staff_record_a_paper_application_of_a_submitted_application(
    partner_a, staff, outsider, freeze
):
    freeze("2026-01-05")
    _p, user = partner_a
    draft = complete_application(user)
    with pytest.raises(DomainError) as exc:
        actions.record_paper_application(draft, actor=staff, received_on=date(2026, 1, 5), receiver="杨莹")
    assert exc.value.code == "admission.paper_invalid"
    for actor in (outsider, user):
        with pytest.raises(PermissionDenied):
            actions.record_paper_application(draft, actor=actor, received_on=date(2026, 1, 5), receiver="x")
