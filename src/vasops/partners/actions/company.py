"""Company data: profile, customer-service hotline, contacts, bank account (direct edits before
admission; the same writers apply approved change requests)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext

from vasops.core import audit, clock, notify
from vasops.core.errors import CoreError, DomainError
from vasops.partners import rules
from vasops.partners.actions.common import check_hotline, require_member
from vasops.partners.errors import PartnerError
from vasops.partners.events import PartnerEvent
from vasops.partners.models import BankAccount, Contact, Partner


def require_direct_edit(partner: Partner, kind: str) -> None:
    """Once admitted, basic information changes only through a reviewed change request."""
    if rules.change_request_required(partner.state):
        url = reverse("partners:change_new") + f"?kind={kind}"
        raise DomainError(
            PartnerError.CHANGE_REQUEST_REQUIRED,
            gettext(
                "贵司当前状态为“%(state)s”，此项信息须提交基本信息变更申请，经审"
                "核后生效。请到“变更申请”页面办理：%(url)s"
            )
            % {"state": partner.get_state_display(), "url": url},
            clause=rules.CLAUSE_CHANGE,
            status=409,
            url=url,
        )


PROFILE_FIELDS = ["name", "legal_representative", "address"]


def check_name_free(partner: Partner | None, name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(CoreError.VALIDATION, gettext("请填写企业名称。"), field="name")
    qs = Partner.objects.filter(name__iexact=name)
    if partner is not None:
        qs = qs.exclude(pk=partner.pk)
    if qs.exists():
        raise DomainError(
            PartnerError.DUPLICATE_NAME,
            gettext("企业“%(name)s”已注册。如需加入该企业，请联系其管理员为您开通账号。") % {"name": name},
            field="name",
        )
    return name


def write_profile(
    partner: Partner, *, actor: Any, values: dict[str, str], action: str, reason: notify.Message = ""
) -> Partner:
    """Write company fields (a subset of PROFILE_FIELDS) with the audit row (before/after)."""
    fields = [f for f in PROFILE_FIELDS if f in values]
    if "name" in values:
        values = {**values, "name": check_name_free(partner, values["name"])}
    before = audit.snapshot(partner, fields)
    for f in fields:
        setattr(partner, f, values[f].strip())
    partner.save(update_fields=[*fields, "updated_at"])
    audit.record(
        actor=actor,
        action=action,
        obj=partner,
        partner_id=partner.pk,
        before=before,
        after=audit.snapshot(partner, fields),
        reason=reason,
    )
    return partner


def write_hotline(
    partner: Partner, *, actor: Any, cs_hotline: str, action: str, reason: notify.Message = ""
) -> Partner:
    before = audit.snapshot(partner, ["cs_hotline"])
    partner.cs_hotline = check_hotline(cs_hotline)
    partner.save(update_fields=["cs_hotline", "updated_at"])
    audit.record(
        actor=actor,
        action=action,
        obj=partner,
        partner_id=partner.pk,
        before=before,
        after=audit.snapshot(partner, ["cs_hotline"]),
        reason=reason,
    )
    return partner


CONTACT_FIELDS = ["role", "name", "phone", "email"]


def check_contact_role(role: str) -> None:
    if role not in Contact.Role.values:
        raise DomainError(CoreError.VALIDATION, gettext("请选择联系人类型。"), field="role")


def write_contact(
    partner: Partner,
    *,
    actor: Any,
    role: str,
    name: str,
    phone: str,
    email: str,
    action: str,
    reason: notify.Message = "",
) -> Contact:
    check_contact_role(role)
    contact = Contact.objects.filter(partner=partner, role=role).first()
    before = audit.snapshot(contact, CONTACT_FIELDS) if contact else None
    if contact is None:
        contact = Contact(partner=partner, role=role)
    contact.name, contact.phone, contact.email = name.strip(), phone.strip(), email.strip()
    contact.save()
    audit.record(
        actor=actor,
        action=action,
        obj=partner,
        partner_id=partner.pk,
        before=before,
        after=audit.snapshot(contact, CONTACT_FIELDS),
        reason=reason,
    )
    return contact


BANK_FIELDS = ["bank_name", "account_name", "account_number", "effective_from"]


def check_bank_holder(partner: Partner, account_name: str) -> str:
    """The holder name (户名) of a settlement account is the company name."""
    problem = rules.bank_holder_problem(account_name, partner.name)
    if problem:
        raise DomainError(
            PartnerError.BANK_HOLDER_MISMATCH, problem, field="account_name", clause=rules.CLAUSE_BANK_ACCOUNT
        )
    return account_name.strip()


def check_bank_number(account_number: str) -> str:
    problem = rules.bank_account_number_problem(account_number)
    if problem:
        raise DomainError(PartnerError.INVALID_BANK_ACCOUNT, problem, field="account_number")
    return rules.normalise_bank_account_number(account_number)


def switch_bank_account(
    partner: Partner, account: BankAccount, *, actor: Any, action: str, reason: notify.Message = ""
) -> None:
    """Make ``account`` the current one; the previous one is kept (is_current=False)."""
    old = (
        BankAccount.objects.select_for_update()
        .filter(partner=partner, is_current=True)
        .exclude(pk=account.pk)
        .first()
    )
    before = audit.snapshot(old, BANK_FIELDS) if old else None
    if old is not None:
        old.is_current = False
        old.save(update_fields=["is_current"])
    account.is_current = True
    account.save(update_fields=["is_current"])
    audit.record(
        actor=actor,
        action=action,
        obj=partner,
        partner_id=partner.pk,
        before=before,
        after=audit.snapshot(account, BANK_FIELDS),
        reason=reason,
    )


@transaction.atomic(durable=True)
def update_profile(partner: Partner, *, actor: Any, legal_representative: str, address: str) -> Partner:
    require_member(actor, partner, admin=True)
    require_direct_edit(partner, "company")
    return write_profile(
        partner,
        actor=actor,
        values={"legal_representative": legal_representative, "address": address},
        action=PartnerEvent.PROFILE_UPDATED,
    )


@transaction.atomic(durable=True)
def set_hotline(partner: Partner, *, actor: Any, cs_hotline: str) -> Partner:
    """7×24 customer service on an 800/400/1010xxx/1010xxxx number."""
    require_member(actor, partner, admin=True)
    require_direct_edit(partner, "cs_hotline")
    return write_hotline(partner, actor=actor, cs_hotline=cs_hotline, action=PartnerEvent.HOTLINE_CHANGED)


@transaction.atomic(durable=True)
def set_contact(partner: Partner, *, actor: Any, role: str, name: str, phone: str, email: str) -> Contact:
    require_member(actor, partner, admin=True)
    require_direct_edit(partner, "contacts")
    return write_contact(
        partner, actor=actor, role=role, name=name, phone=phone, email=email, action=PartnerEvent.CONTACT_SET
    )


@transaction.atomic(durable=True)
def set_bank_account(
    partner: Partner, *, actor: Any, bank_name: str, account_name: str, account_number: str
) -> BankAccount:
    """Record the settlement bank account; the previous one is kept (is_current=False)."""
    require_member(actor, partner, admin=True)
    require_direct_edit(partner, "bank_account")
    number = check_bank_number(account_number)
    holder = check_bank_holder(partner, account_name)
    account = BankAccount.objects.create(
        partner=partner,
        bank_name=bank_name.strip(),
        account_name=holder,
        account_number=number,
        effective_from=clock.today(),
        is_current=False,
    )
    switch_bank_account(partner, account, actor=actor, action=PartnerEvent.BANK_ACCOUNT_SET)
    return account
