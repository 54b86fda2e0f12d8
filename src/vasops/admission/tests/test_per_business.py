"""Admission is per business (附件1 "湖北联通接入申请资料（XX公司_XX业务）"): a partner admitted
for one business line applies for another; accepting it allocates the new business's access
number and walks preparation, testing, opening and contract without re-admitting the partner."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.admission import actions, rules
from vasops.admission.tests.conftest import OPENING, complete_application, pdf, to_reviewed
from vasops.admission.tests.test_preparation import _close_orders
from vasops.catalog.models import ResourceAllocation
from vasops.core.errors import DomainError
from vasops.core.models import AuditEvent
from vasops.partners.tests.factories import contract_data

pytestmark = pytest.mark.django_db

ACCESS_DATA = {"technical_contact": "李工", "server_addresses": "10.0.0.1:8801", "business_summary": "资讯"}


def _accept_to_contract(app, staff, user):
    from vasops.workorders.models import VAS_SYSTEMS

    app = actions.decide_application(to_reviewed(app), actor=staff, decision="accept", reason="评审通过")
    accepted = (app.enterprise_code, app.service_access_number)
    app = actions.submit_access_data(app, actor=user, data=ACCESS_DATA)
    actions.raise_data_change_orders(app, actor=staff, systems=[str(VAS_SYSTEMS[0][0])])
    _close_orders(app)
    app = actions.start_access_testing(app, actor=staff)
    for line, code, _t in rules.access_cases_for(app.line_codes()):
        actions.record_test_result(app, actor=staff, business_line=line, case_code=code, passed=True)
    app = actions.open_access(app, actor=staff, data=OPENING)
    actions.sign_contract(
        app,
        actor=staff,
        term_start=dt.date(2026, 5, 1),
        term_end=dt.date(2028, 4, 30),
        settlement_ratio_bp=7000,
        signed_copy=pdf("contract.pdf"),
    )
    app.refresh_from_db()
    return app, accepted


def test_an_admitted_partner_is_accepted_for_another_business_line(partner_a, staff, pools, freeze):
    partner, user = partner_a
    contract_data(partner)
    freeze("2026-01-05")
    sms = complete_application(user, lines=("SMS",))
    actions.submit_application(sms, actor=user)
    sms, (code, sms_number) = _accept_to_contract(sms, staff, user)
    assert sms.state == "contracted"
    partner.refresh_from_db()
    assert partner.state == "active" and partner.enterprise_code == code
    assert rules.can_apply_again(sms.state)

    freeze("2026-04-03")
    wap = complete_application(user, lines=("WAP",))
    actions.submit_application(wap, actor=user)
    wap, (wap_code, wap_number) = _accept_to_contract(wap, staff, user)

    assert wap.state == "contracted"
    assert wap_code == code  # the enterprise code is kept …
    assert wap_number != sms_number  # … the new business has its own access number
    partner.refresh_from_db()
    assert (partner.state, partner.enterprise_code, partner.service_access_number) == (
        "active",
        code,
        sms_number,
    )
    held = ResourceAllocation.objects.filter(partner=partner, released_at__isnull=True)
    assert sorted((a.kind, a.number) for a in held) == [
        ("enterprise_code", code),
        ("service_access_number", sms_number),
        ("service_access_number", wap_number),
    ]
    # admitted once: the partner's registry records one admission and one activation
    assert AuditEvent.objects.filter(action="partners.partner_admitted", partner_id=partner.pk).count() == 1
    assert AuditEvent.objects.filter(action="partners.partner_activated", partner_id=partner.pk).count() == 1


def test_a_business_line_already_admitted_is_not_applied_for_again(partner_a, staff, pools, freeze):
    partner, user = partner_a
    contract_data(partner)
    freeze("2026-01-05")
    sms = complete_application(user, lines=("SMS",))
    actions.submit_application(sms, actor=user)
    _accept_to_contract(sms, staff, user)

    freeze("2026-04-03")
    with pytest.raises(DomainError) as exc:
        actions.create_application(actor=user, business_lines=["SMS", "WAP"])
    assert exc.value.code == "admission.line_already_admitted" and exc.value.field == "business_lines"
    assert "短信" in exc.value.message and sms.number in exc.value.message
    assert "附件1（XX公司_XX业务）" in exc.value.full_message
    draft = actions.create_application(actor=user, business_lines=["WAP"])
    with pytest.raises(DomainError) as exc:
        actions.update_application(draft, actor=user, business_lines=["WAP", "SMS"])
    assert exc.value.code == "admission.line_already_admitted"
