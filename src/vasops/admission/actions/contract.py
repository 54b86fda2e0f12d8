"""The cooperation contract (附件8)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from vasops.admission import queries, rules
from vasops.admission.actions.common import (
    S,
    application_url,
    audit_application,
    locked,
    notify_partner,
    problems_error,
)
from vasops.admission.errors import AdmissionError
from vasops.admission.events import AdmissionEvent
from vasops.admission.models import Application, Contract
from vasops.core import audit, clock, documents, fsm, notify, permissions
from vasops.core.errors import DomainError
from vasops.core.marks import gettext_noop
from vasops.partners import queries as partner_queries


@transaction.atomic(durable=True)
def sign_contract(
    app: Application,
    *,
    actor: Any,
    term_start: dt.date,
    term_end: dt.date,
    settlement_ratio_bp: int,
    signed_copy: UploadedFile,
) -> Contract:
    """Contract (attachment 8): term, settlement ratio in basis points, signed copy → contracted."""
    permissions.require(actor, "admission.manage_contract")
    app = locked(app)
    if app.state == S.OPENED:
        missing = partner_queries.contract_data_problems(app.partner)
        if missing:
            raise problems_error(
                AdmissionError.CONTRACT_DATA_MISSING,
                missing,
                gettext("%(partner)s 尚不能签约，请合作伙伴先在门户补全：") % {"partner": app.partner},
                status=409,
            )
    problems = rules.contract_problems(term_start, term_end, settlement_ratio_bp)
    if problems:
        field = "term_end" if problems[0].code == AdmissionError.CONTRACT_TERM else "settlement_ratio_bp"
        raise DomainError(
            AdmissionError.CONTRACT_INVALID,
            "；".join(p.message for p in problems),
            field=field,
            clause=rules.CLAUSE_CONTRACT,
        )
    before = audit.snapshot(app, ["state"])
    fsm.transition(app, "sign_contract", label=gettext("签订合同"))
    doc = documents.store(
        signed_copy, actor=actor, partner_id=app.partner_id, kind="admission.contract", field="signed_copy"
    )
    contract = Contract.objects.create(
        application=app,
        term_start=term_start,
        term_end=term_end,
        settlement_ratio_bp=settlement_ratio_bp,
        signed_copy=doc,
        signed_by=actor,
    )
    app.save()
    audit_application(
        actor,
        AdmissionEvent.CONTRACT_SIGNED,
        app,
        before,
        after={
            "state": app.state,
            "term_start": term_start,
            "term_end": term_end,
            "settlement_ratio_bp": settlement_ratio_bp,
        },
    )
    notify_partner(
        app,
        notify.text(gettext_noop("准入申请 %(app_number)s 合同已签订"), app_number=app.number),
        notify.text(
            gettext_noop("合同期 %(term_start)s 至 %(term_end)s。"), term_start=term_start, term_end=term_end
        ),
    )
    return contract


@transaction.atomic(durable=True)
def remind_contract_expiry(contract: Contract, *, on: dt.date, actor: Any = "system") -> bool:
    """The expiry reminder of one contract (from 30 days before its end): the partner and product
    staff are told once; returns whether it was sent (idempotent)."""
    locked_contract = (
        Contract.objects.select_for_update().select_related("application__partner").get(pk=contract.pk)
    )
    if locked_contract.expiry_reminded_at is not None or not rules.contract_reminder_due(
        locked_contract.term_end, on
    ):
        return False
    app = locked_contract.application
    notify.send(
        [*queries.partner_users(app.partner), *queries.staff_to_notify()],
        subject=notify.text(
            gettext_noop("合同即将到期：%(partner)s（%(app_number)s），%(term_end)s 到期"),
            partner=app.partner,
            app_number=app.number,
            term_end=locked_contract.term_end,
        ),
        body=gettext_lazy("请及时办理续签。"),
        url=application_url(app),
    )
    locked_contract.expiry_reminded_at = clock.now()
    locked_contract.save(update_fields=["expiry_reminded_at"])
    audit.record(
        actor=actor,
        action=AdmissionEvent.CONTRACT_EXPIRY_REMINDED,
        obj=app,
        partner_id=app.partner_id,
        after={"term_end": locked_contract.term_end},
    )
    return True
