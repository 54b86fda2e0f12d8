"""A partner's lifecycle: admitted, activated, suspended, resumed."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from vasops.core import audit, fsm, notify
from vasops.core.errors import DomainError, required_message, required_text
from vasops.core.marks import gettext_noop
from vasops.core.permissions import require
from vasops.partners import queries
from vasops.partners.actions.common import PARTNER_FIELDS, page_url, require_staff
from vasops.partners.errors import PartnerError
from vasops.partners.events import PartnerEvent
from vasops.partners.models import Partner


@transaction.atomic  # nested: see the docstring
def record_admission(
    partner: Partner, *, actor: Any, enterprise_code: str, service_access_number: str
) -> Partner:
    """Admission accepted: store the allocated enterprise code and service access number; 已准入.
    Runs inside admission's decision (one transaction with it), so a plain, not durable, atomic."""
    require_staff(actor, "partners.manage_partner")
    code = (enterprise_code or "").strip()
    number = (service_access_number or "").strip()
    if not re.fullmatch(r"\d{5}|\d{8}", code):
        raise DomainError(
            PartnerError.INVALID_CODE,
            gettext("企业代码应为 8 位数字（历史代码 5 位）。"),
            field="enterprise_code",
        )
    if not re.fullmatch(r"\d{3,21}", number):
        raise DomainError(
            PartnerError.INVALID_CODE, gettext("业务接入号应为 3–21 位数字。"), field="service_access_number"
        )
    if Partner.objects.exclude(pk=partner.pk).filter(enterprise_code=code).exists():
        raise DomainError(
            PartnerError.CODE_TAKEN,
            gettext("企业代码 %(code)s 已分配给其他合作伙伴。") % {"code": code},
            field="enterprise_code",
        )
    if Partner.objects.exclude(pk=partner.pk).filter(service_access_number=number).exists():
        raise DomainError(
            PartnerError.CODE_TAKEN,
            gettext("业务接入号 %(number)s 已分配给其他合作伙伴。") % {"number": number},
            field="service_access_number",
        )
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    before = audit.snapshot(partner, PARTNER_FIELDS)
    fsm.transition(partner, "admit", label=gettext("准入"))
    partner.enterprise_code = code
    partner.service_access_number = number
    partner.save()
    audit.record(
        actor=actor or "system",
        action=PartnerEvent.PARTNER_ADMITTED,
        obj=partner,
        partner_id=partner.pk,
        before=before,
        after=audit.snapshot(partner, PARTNER_FIELDS),
    )
    notify.send(
        queries.partner_users(partner),
        subject=gettext_lazy("准入通过"),
        body=notify.text(
            gettext_noop("企业代码 %(code)s，业务接入号 %(number)s。"), code=code, number=number
        ),
        url=page_url("partners:me"),
    )
    return partner


@transaction.atomic  # nested: see the docstring
def activate_partner(partner: Partner, *, actor: Any) -> Partner:
    """After opening 开通: 已开通. Runs inside admission's opening act (plain atomic)."""
    require_staff(actor, "partners.manage_partner")
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    before = audit.snapshot(partner, ["state"])
    fsm.transition(partner, "activate", label=gettext("开通"))
    partner.save()
    audit.record(
        actor=actor or "system",
        action=PartnerEvent.PARTNER_ACTIVATED,
        obj=partner,
        partner_id=partner.pk,
        before=before,
        after=audit.snapshot(partner, ["state"]),
    )
    notify.send(
        queries.partner_users(partner), subject=gettext_lazy("业务已开通"), url=page_url("partners:me")
    )
    return partner


@transaction.atomic(durable=True)
def suspend_partner(partner: Partner, *, actor: Any, reason: str) -> Partner:
    require(actor, "partners.manage_partner")
    reason = required_text(reason, PartnerError.REASON_REQUIRED, gettext("请填写原因。"))
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    before = audit.snapshot(partner, ["state", "suspended_reason"])
    fsm.transition(partner, "suspend", label=gettext("暂停"))
    partner.suspended_reason = reason
    partner.save()
    audit.record(
        actor=actor,
        action=PartnerEvent.PARTNER_SUSPENDED,
        obj=partner,
        partner_id=partner.pk,
        before=before,
        after=audit.snapshot(partner, ["state", "suspended_reason"]),
        reason=reason,
    )
    notify.send(
        queries.partner_users(partner),
        subject=gettext_lazy("您的企业已被暂停"),
        body=reason,
        url=page_url("partners:me"),
    )
    return partner


@transaction.atomic(durable=True)
def resume_partner(partner: Partner, *, actor: Any, reason: str) -> Partner:
    require(actor, "partners.manage_partner")
    reason = required_text(reason, PartnerError.REASON_REQUIRED, gettext("请填写原因。"))
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    before = audit.snapshot(partner, ["state", "suspended_reason"])
    fsm.transition(partner, "resume", label=gettext("恢复"))
    partner.suspended_reason = ""
    partner.save()
    audit.record(
        actor=actor,
        action=PartnerEvent.PARTNER_RESUMED,
        obj=partner,
        partner_id=partner.pk,
        before=before,
        after=audit.snapshot(partner, ["state", "suspended_reason"]),
        reason=reason,
    )
    notify.send(
        queries.partner_users(partner),
        subject=gettext_lazy("您的企业已恢复"),
        body=reason,
        url=page_url("partners:me"),
    )
    return partner


@transaction.atomic  # nested: see the docstring
def set_credit_grade(partner: Partner, *, grade: str, reason: notify.Message, actor: Any = None) -> Partner:
    """The credit grade 信用等级 follows compliance's credit points. Runs inside compliance's
    decision or assessment (one transaction with the points), so a plain, not durable, atomic."""
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if grade not in Partner.CreditGrade.values:
        raise DomainError(
            PartnerError.INVALID_CODE,
            gettext("未知的信用等级：%(grade)s。") % {"grade": grade},
            field="credit_grade",
        )
    if partner.credit_grade == grade:
        return partner
    before = audit.snapshot(partner, ["credit_grade"])
    partner.credit_grade = grade
    partner.save(update_fields=["credit_grade", "updated_at"])
    audit.record(
        actor=actor or "system",
        action=PartnerEvent.CREDIT_GRADE_SET,
        obj=partner,
        partner_id=partner.pk,
        before=before,
        after=audit.snapshot(partner, ["credit_grade"]),
        reason=reason,
    )
    notify.send(
        queries.partner_users(partner),
        subject=notify.text(
            gettext_noop("信用等级变更为“%(credit_grade)s”"), credit_grade=partner.get_credit_grade_display()
        ),
        body=reason,
        url=page_url("partners:me"),
    )
    return partner


@transaction.atomic  # nested: see the docstring
def exit_partner(partner: Partner, *, reason: notify.Message, actor: Any = None) -> Partner:
    """退出: the partner leaves the platform for good (已退出). Runs inside compliance's exit act
    (which ends the subscriptions and records the class ban in the same transaction), so a plain,
    not durable, atomic."""
    require_staff(actor, "partners.manage_partner")
    reason = required_message(reason, PartnerError.REASON_REQUIRED, gettext("请填写原因。"))
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    before = audit.snapshot(partner, ["state"])
    fsm.transition(partner, "exit", label=gettext("退出"))
    partner.save()
    audit.record(
        actor=actor or "system",
        action=PartnerEvent.PARTNER_EXITED,
        obj=partner,
        partner_id=partner.pk,
        before=before,
        after=audit.snapshot(partner, ["state"]),
        reason=reason,
    )
    notify.send(
        queries.partner_users(partner),
        subject=gettext_lazy("贵司已退出合作"),
        body=reason,
        url=page_url("partners:me"),
    )
    return partner
