"""The decision after expert review (第三章 一、3): accept (codes from the catalogue's pools),
defer, reject (3-month lockout)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from vasops.admission import queries, rules
from vasops.admission.actions.common import (
    audit_application,
    locked,
    notify_partner,
    partner_actor,
)
from vasops.admission.errors import AdmissionError
from vasops.admission.events import AdmissionEvent
from vasops.admission.models import Application
from vasops.catalog import actions as catalog_actions
from vasops.catalog.models import ResourcePool
from vasops.core import audit, calendar, clock, fsm, notify, permissions
from vasops.core.errors import DomainError, required_text
from vasops.core.marks import gettext_noop
from vasops.core.models import Deadline
from vasops.partners import actions as partner_actions


def _catalog_actor(actor: Any) -> Any:
    """The person for the catalogue's audit when they may manage resources; otherwise the
    allocation is a system consequence of this (already permission-checked) decision."""
    return actor if permissions.has(actor, catalog_actions.MANAGE_RESOURCES) else None


DECISIONS = {
    "accept": ("accept", gettext_lazy("准入通过"), AdmissionEvent.APPLICATION_ACCEPTED),
    "defer": ("defer", gettext_lazy("暂缓接入"), AdmissionEvent.APPLICATION_DEFERRED),
    "reject": ("reject", gettext_lazy("驳回"), AdmissionEvent.APPLICATION_REJECTED),
}


@transaction.atomic(durable=True)
def decide_application(app: Application, *, actor: Any, decision: str, reason: str) -> Application:
    """Decision after expert review. accept: allocate 企业代码 + 业务接入号, record the admission on
    the partner, open the 2-working-day access-data deadline; defer: may apply in a later window;
    reject: 3-month lockout."""
    permissions.require(actor, "admission.decide_application")
    if decision not in DECISIONS:
        raise DomainError(
            AdmissionError.INVALID_DECISION, gettext("准入决定须为接受、暂缓或拒绝。"), field="decision"
        )
    text = required_text(reason, AdmissionError.REASON_REQUIRED, gettext("请填写理由。"))
    app = locked(app)
    method, label, action = DECISIONS[decision]
    before = audit.snapshot(app, ["state", "enterprise_code", "service_access_number"])
    fsm.transition(app, method, label=label)
    today = clock.today()
    app.decision_reason = text
    app.decided_at = clock.now()
    app.decided_by = actor
    body: notify.Message = text
    if decision == "accept":
        why = notify.text(
            gettext_noop("准入申请 %(number)s 准入通过（%(lines)s）"),
            number=app.number,
            lines=notify.joined(app.line_labels_lazy(), "、"),
        )
        # admission is per business (附件1 "XX公司_XX业务"): a partner admitted for another
        # business keeps its enterprise code and is not re-admitted; the new business gets its
        # own service access number
        admitted_before = bool(app.partner.enterprise_code)
        if admitted_before:
            enterprise_code = str(app.partner.enterprise_code)
        else:
            enterprise_code = catalog_actions.allocate_resource(
                actor=_catalog_actor(actor),
                partner=app.partner,
                kind=ResourcePool.Kind.ENTERPRISE_CODE,
                reason=why,
            ).number
        number = catalog_actions.allocate_resource(
            actor=_catalog_actor(actor),
            partner=app.partner,
            kind=ResourcePool.Kind.SERVICE_ACCESS_NUMBER,
            reason=why,
        )
        app.enterprise_code = enterprise_code
        app.service_access_number = number.number
        app.prep_month = max(app.window_month, rules.month_start(today))
        due = calendar.deadline_after(today, rules.ACCESS_DATA_WORKING_DAYS)
        app.access_data_due_at = due
        Deadline.objects.create(
            object_type=audit.object_type_of(app),
            object_id=str(app.pk),
            partner_id=app.partner_id,
            kind=queries.DEADLINE_ACCESS_DATA,
            due_at=due,
        )
        if not admitted_before:
            partner_actions.record_admission(
                app.partner,
                actor=partner_actor(actor),
                enterprise_code=enterprise_code,
                service_access_number=number.number,
            )
        lines = notify.joined(app.line_labels_lazy(), "、")
        codes = (
            notify.text(
                gettext_noop(
                    "企业代码沿用 %(enterprise_code)s，本业务（%(lines)s）的业务接入号：%(number)s。"
                ),
                enterprise_code=enterprise_code,
                lines=lines,
                number=number.number,
            )
            if admitted_before
            else notify.text(
                gettext_noop("企业代码：%(enterprise_code)s，业务接入号：%(number)s。"),
                enterprise_code=enterprise_code,
                number=number.number,
            )
        )
        body = notify.text(
            gettext_noop(
                "%(text)s\n%(codes)s请在 %(due)s 下班前提交接入资料（2 个工作日内"
                "），逾期推迟到下月安排接入（%(clause_access_data)s）。"
            ),
            text=text,
            codes=codes,
            due=notify.formatted(clock.local_date(due), gettext_noop("%Y年%m月%d日")),
            clause_access_data=gettext_lazy(rules.CLAUSE_ACCESS_DATA),
        )
    elif decision == "reject":
        partner_actions.impose_restriction(
            app.partner,
            kind="lockout",
            reason=notify.text(
                gettext_noop("准入申请 %(number)s 被驳回：%(text)s"), number=app.number, text=text
            ),
            source=f"admission:{app.number}",
            starts_on=today,
            actor=partner_actor(actor),
        )
        body = notify.text(
            gettext_noop("%(text)s\n自 %(today)s 起 3 个月内不得再次申请接入。"),
            text=text,
            today=notify.formatted(today, gettext_noop("%Y年%m月%d日")),
        )
    else:
        body = notify.text(gettext_noop("%(text)s\n本次暂缓接入，可参加以后受理期的接入申请。"), text=text)
    app.save()
    audit_application(
        actor,
        action,
        app,
        before,
        after=audit.snapshot(app, ["state", "enterprise_code", "service_access_number"]),
        reason=text,
    )
    notify_partner(
        app,
        notify.text(
            gettext_noop("准入申请 %(app_number)s 评审结果：%(label)s"), app_number=app.number, label=label
        ),
        body,
    )
    return app
