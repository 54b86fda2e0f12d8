"""Basic-info change requests 基本信息变更 (attachment 6): submit, review (four eyes for a bank
account), apply."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from vasops.core import audit, clock, documents, fsm, notify
from vasops.core.errors import DomainError, required_text
from vasops.core.listing import StrOrPromise
from vasops.core.marks import gettext_noop
from vasops.core.numbering import next_number
from vasops.core.permissions import require
from vasops.partners import queries, rules
from vasops.partners.actions.common import check_hotline, require_member
from vasops.partners.actions.company import (
    BANK_FIELDS,
    CONTACT_FIELDS,
    PROFILE_FIELDS,
    check_bank_holder,
    check_bank_number,
    check_contact_role,
    check_name_free,
    switch_bank_account,
    write_contact,
    write_hotline,
    write_profile,
)
from vasops.partners.errors import PartnerError
from vasops.partners.events import PartnerEvent
from vasops.partners.models import BankAccount, ChangeKind, Contact, Partner, PartnerChangeRequest

REVIEW_PERM = "partners.review_change_request"


CHANGE_FIELDS = [
    "kind",
    "state",
    "proposed",
    "first_approver",
    "second_approver",
    "decided_by",
    "reason",
    "effective_from",
    "applied_at",
]


_CHANGE_KEYS: dict[str, list[str]] = {
    ChangeKind.CONTACTS: ["role", "name", "phone", "email"],
    ChangeKind.CS_HOTLINE: ["cs_hotline"],
    ChangeKind.BANK_ACCOUNT: ["bank_name", "account_name", "account_number"],
    ChangeKind.COMPANY: ["name", "legal_representative", "address"],
}


def _current_values(partner: Partner, kind: str, proposed: dict[str, str]) -> dict[str, Any]:
    if kind == ChangeKind.CONTACTS:
        contact = Contact.objects.filter(partner=partner, role=proposed.get("role", "")).first()
        return audit.snapshot(contact, CONTACT_FIELDS) if contact else {"role": proposed.get("role", "")}
    if kind == ChangeKind.CS_HOTLINE:
        return {"cs_hotline": partner.cs_hotline}
    if kind == ChangeKind.BANK_ACCOUNT:
        account = BankAccount.objects.filter(partner=partner, is_current=True).first()
        return audit.snapshot(account, BANK_FIELDS) if account else {}
    return audit.snapshot(partner, PROFILE_FIELDS)


def _clean_change(partner: Partner, kind: str, values: dict[str, Any]) -> dict[str, str]:
    """Validate proposed values with the same checks as the direct edits; return them cleaned."""
    if kind not in ChangeKind.values:
        raise DomainError(PartnerError.CHANGE_INVALID, gettext("请选择变更类型。"), field="kind")
    cleaned = {k: str(values.get(k) or "").strip() for k in _CHANGE_KEYS[kind]}
    if kind == ChangeKind.CONTACTS:
        check_contact_role(cleaned["role"])
        for key, label in (("name", "姓名"), ("phone", "电话"), ("email", "邮箱")):
            if not cleaned[key]:
                raise DomainError(
                    PartnerError.CHANGE_INVALID, gettext("请填写%(label)s。") % {"label": label}, field=key
                )
    elif kind == ChangeKind.CS_HOTLINE:
        cleaned["cs_hotline"] = check_hotline(cleaned["cs_hotline"])
    elif kind == ChangeKind.BANK_ACCOUNT:
        for key, label in (("bank_name", "开户行"), ("account_name", "户名")):
            if not cleaned[key]:
                raise DomainError(
                    PartnerError.CHANGE_INVALID, gettext("请填写%(label)s。") % {"label": label}, field=key
                )
        cleaned["account_number"] = check_bank_number(cleaned["account_number"])
        check_bank_holder(partner, cleaned["account_name"])
    else:
        cleaned["name"] = check_name_free(partner, cleaned["name"])
        for key, label in (("legal_representative", "法定代表人"), ("address", "地址")):
            if not cleaned[key]:
                raise DomainError(
                    PartnerError.CHANGE_INVALID, gettext("请填写%(label)s。") % {"label": label}, field=key
                )
    return cleaned


def _staff_users_for_review() -> Any:
    return queries.product_staff_users()


@transaction.atomic(durable=True)
def submit_change_request(
    partner: Partner,
    *,
    actor: Any,
    kind: str,
    values: dict[str, Any],
    licence_scan: UploadedFile | None = None,
    note: str = "",
) -> PartnerChangeRequest:
    """A partner admin asks to change contacts / CS hotline / bank account / company name and
    address (with a new business-licence scan). Checked now with the registration rules; applied
    only after review."""
    require_member(actor, partner, admin=True)
    if kind == ChangeKind.COMPANY and licence_scan is None:
        raise DomainError(
            PartnerError.SCAN_REQUIRED,
            gettext("变更企业名称或地址须上传新的营业执照扫描件（在门户“变更申请”页面上传）。"),
            field="licence_scan",
            clause=rules.CLAUSE_CHANGE,
        )
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    proposed = _clean_change(partner, kind, values)
    current = _current_values(partner, kind, proposed)
    compare = {k: v for k, v in current.items() if k in proposed}
    if not rules.changed_fields(compare, dict(proposed)):
        raise DomainError(PartnerError.CHANGE_NOTHING, gettext("申请的内容与现有信息相同，无需变更。"))
    open_same = PartnerChangeRequest.objects.filter(
        partner=partner, kind=kind, state__in=rules.CHANGE_OPEN_STATES
    )
    if kind == ChangeKind.CONTACTS:
        open_same = open_same.filter(proposed__role=proposed["role"])
    pending = open_same.first()
    if pending is not None:
        raise DomainError(
            PartnerError.CHANGE_PENDING,
            gettext("已有同类变更申请 %(pending_number)s 正在办理，请等待其办结后再提交。")
            % {"pending_number": pending.number},
            status=409,
        )
    doc = None
    if kind == ChangeKind.COMPANY:
        assert licence_scan is not None  # checked above
        doc = documents.store(
            licence_scan,
            actor=actor,
            partner_id=partner.pk,
            kind="change:business_licence",
            field="licence_scan",
        )
    cr = PartnerChangeRequest.objects.create(
        number=next_number(f"BG{clock.today():%Y%m}-"),
        partner=partner,
        kind=kind,
        proposed=proposed,
        current=current,
        note=note.strip(),
        licence_document=doc,
        submitted_by=actor,
    )
    audit.record(
        actor=actor,
        action=PartnerEvent.CHANGE_REQUEST_SUBMITTED,
        obj=cr,
        partner_id=partner.pk,
        before=cr.current,
        after=cr.proposed,
    )
    notify.send(
        _staff_users_for_review(),
        subject=notify.text(
            gettext_noop("基本信息变更申请：%(partner_name)s（%(kind)s）"),
            partner_name=partner.name,
            kind=cr.get_kind_display(),
        ),
        body=notify.text(gettext_noop("申请编号 %(number)s，请审核。"), number=cr.number),
        url=cr.get_absolute_url(),
    )
    return cr


def _locked(cr: PartnerChangeRequest) -> PartnerChangeRequest:
    return (
        PartnerChangeRequest.objects.select_for_update(of=("self",)).select_related("partner").get(pk=cr.pk)
    )


def _apply_change(cr: PartnerChangeRequest, *, actor: Any) -> None:
    """Write the approved values through the same helpers as the direct edits (audit before/after)."""
    partner = Partner.objects.select_for_update().get(pk=cr.partner_id)
    v = dict(cr.proposed)
    why = notify.text(gettext_noop("变更申请 %(number)s"), number=cr.number)
    if cr.kind == ChangeKind.CONTACTS:
        write_contact(
            partner,
            actor=actor,
            role=v["role"],
            name=v["name"],
            phone=v["phone"],
            email=v["email"],
            action=PartnerEvent.CONTACT_SET,
            reason=why,
        )
    elif cr.kind == ChangeKind.CS_HOTLINE:
        write_hotline(
            partner, actor=actor, cs_hotline=v["cs_hotline"], action=PartnerEvent.HOTLINE_CHANGED, reason=why
        )
    elif cr.kind == ChangeKind.COMPANY:
        write_profile(partner, actor=actor, values=v, action=PartnerEvent.PROFILE_UPDATED, reason=why)
    else:
        if cr.bank_account is None:
            raise DomainError(PartnerError.CHANGE_INVALID, gettext("缺少待生效的银行账户。"))
        switch_bank_account(
            partner, cr.bank_account, actor=actor, action=PartnerEvent.BANK_ACCOUNT_SET, reason=why
        )
    fsm.transition(cr, "mark_applied", label=gettext("生效"))
    cr.applied_at = clock.now()


def _notify_partner(cr: PartnerChangeRequest, subject: notify.Message, body: notify.Message = "") -> None:
    notify.send(queries.partner_users(cr.partner), subject=subject, body=body, url=cr.get_absolute_url())


@transaction.atomic(durable=True)
def approve_change_request(
    cr: PartnerChangeRequest, *, actor: Any, comment: str = ""
) -> PartnerChangeRequest:
    """First approval. Contacts, hotline and company apply at once; a bank account waits for a
    second approval by another person."""
    require(actor, REVIEW_PERM)
    cr = _locked(cr)
    before = audit.snapshot(cr, CHANGE_FIELDS)
    fsm.transition(cr, "approve", label=gettext("审核通过"))
    cr.first_approver = actor
    cr.first_approved_at = clock.now()
    if comment.strip():
        cr.reason = comment.strip()
    if not cr.needs_second_approval:
        _apply_change(cr, actor=actor)
    cr.save()
    audit.record(
        actor=actor,
        action=PartnerEvent.CHANGE_REQUEST_APPROVED,
        obj=cr,
        partner_id=cr.partner_id,
        before=before,
        after=audit.snapshot(cr, CHANGE_FIELDS),
        reason=comment.strip(),
    )
    if cr.needs_second_approval:
        others = [u for u in _staff_users_for_review() if u.pk != actor.pk]
        notify.send(
            others,
            subject=notify.text(
                gettext_noop("银行账户变更待复核：%(partner_name)s"), partner_name=cr.partner.name
            ),
            body=notify.text(
                gettext_noop("申请编号 %(number)s 已由 %(actor)s 初审通过，须另一名工作人员复核。"),
                number=cr.number,
                actor=actor,
            ),
            url=cr.get_absolute_url(),
        )
        _notify_partner(
            cr, notify.text(gettext_noop("变更申请 %(number)s 已初审通过，待复核"), number=cr.number)
        )
    else:
        _notify_partner(cr, notify.text(gettext_noop("变更申请 %(number)s 已通过并生效"), number=cr.number))
    return cr


@transaction.atomic(durable=True)
def second_approve_change_request(
    cr: PartnerChangeRequest, *, actor: Any, comment: str = ""
) -> PartnerChangeRequest:
    """Second approval of a bank-account change (four eyes). The new account is recorded with
    effective_from = the first day of next month; the old one stays current until then."""
    require(actor, REVIEW_PERM)
    cr = _locked(cr)
    if not cr.needs_second_approval:
        raise DomainError(PartnerError.CHANGE_INVALID, gettext("只有银行账户变更需要复核。"), status=409)
    problem = rules.four_eyes_problem(cr.first_approver_id, actor.pk)
    if problem:
        raise DomainError(PartnerError.FOUR_EYES_SAME_PERSON, problem, status=409, clause=rules.CLAUSE_CHANGE)
    before = audit.snapshot(cr, CHANGE_FIELDS)
    fsm.transition(cr, "second_approve", label=gettext("复核通过"))
    today = clock.today()
    cr.second_approver = actor
    cr.second_approved_at = clock.now()
    cr.effective_from = rules.next_settlement_period_start(today)
    v = dict(cr.proposed)
    cr.bank_account = BankAccount.objects.create(
        partner=cr.partner,
        bank_name=v["bank_name"],
        account_name=v["account_name"],
        account_number=v["account_number"],
        effective_from=cr.effective_from,
        is_current=False,
    )
    cr.save()
    audit.record(
        actor=actor,
        action=PartnerEvent.CHANGE_REQUEST_SECOND_APPROVED,
        obj=cr,
        partner_id=cr.partner_id,
        before=before,
        after=audit.snapshot(cr, CHANGE_FIELDS),
        reason=comment.strip(),
    )
    _notify_partner(
        cr,
        notify.text(gettext_noop("银行账户变更 %(number)s 已复核通过"), number=cr.number),
        notify.text(
            gettext_noop("新账户自 %(effective_from)s 起（下一结算周期）生效，此前结算仍使用原账户。"),
            effective_from=cr.effective_from,
        ),
    )
    return cr


def _close_change(
    cr: PartnerChangeRequest, *, actor: Any, reason: str, method: str, label: StrOrPromise, action: str
) -> PartnerChangeRequest:
    require(actor, REVIEW_PERM)
    reason = required_text(reason, PartnerError.REASON_REQUIRED, gettext("请填写原因。"))
    cr = _locked(cr)
    before = audit.snapshot(cr, CHANGE_FIELDS)
    fsm.transition(cr, method, label=label)
    cr.decided_by = actor
    cr.reason = reason
    cr.save()
    audit.record(
        actor=actor,
        action=action,
        obj=cr,
        partner_id=cr.partner_id,
        before=before,
        after=audit.snapshot(cr, CHANGE_FIELDS),
        reason=reason,
    )
    _notify_partner(
        cr, notify.text(gettext_noop("变更申请 %(number)s %(label)s"), number=cr.number, label=label), reason
    )
    return cr


@transaction.atomic(durable=True)
def return_change_request(cr: PartnerChangeRequest, *, actor: Any, reason: str) -> PartnerChangeRequest:
    """Send back for correction; the partner submits a corrected request."""
    return _close_change(
        cr,
        actor=actor,
        reason=reason,
        method="send_back",
        label=gettext_lazy("已退回"),
        action=PartnerEvent.CHANGE_REQUEST_RETURNED,
    )


@transaction.atomic(durable=True)
def reject_change_request(cr: PartnerChangeRequest, *, actor: Any, reason: str) -> PartnerChangeRequest:
    return _close_change(
        cr,
        actor=actor,
        reason=reason,
        method="reject",
        label=gettext_lazy("已驳回"),
        action=PartnerEvent.CHANGE_REQUEST_REJECTED,
    )


@transaction.atomic(durable=True)
def apply_due_bank_changes(today: dt.date | None = None) -> list[PartnerChangeRequest]:
    """Sweep (idempotent): bank-account changes whose effective date has come become current."""
    day = today or clock.today()
    due = (
        PartnerChangeRequest.objects.select_for_update(of=("self",))
        .select_related("partner", "bank_account")
        .filter(
            kind=ChangeKind.BANK_ACCOUNT,
            state=PartnerChangeRequest.State.SECOND_APPROVED,
            effective_from__lte=day,
        )
        .order_by("effective_from", "pk")
    )
    applied = []
    for cr in due:
        before = audit.snapshot(cr, CHANGE_FIELDS)
        _apply_change(cr, actor="system")
        cr.save()
        audit.record(
            actor="system",
            action=PartnerEvent.CHANGE_REQUEST_APPLIED,
            obj=cr,
            partner_id=cr.partner_id,
            before=before,
            after=audit.snapshot(cr, CHANGE_FIELDS),
        )
        _notify_partner(
            cr,
            notify.text(gettext_noop("银行账户变更 %(number)s 已生效"), number=cr.number),
            notify.text(
                gettext_noop("自 %(effective_from)s 起结算使用新账户。"), effective_from=cr.effective_from
            ),
        )
        applied.append(cr)
    return applied
