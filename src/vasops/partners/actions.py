"""The only code that changes the partner registry. Each function is one business act: it
checks permission and rules, changes rows, writes the audit row and notifies (email on commit)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse

from vasops.core import audit, clock, documents, fsm, notify, roles
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.models import User
from vasops.core.numbering import next_number
from vasops.core.permissions import require
from vasops.partners import queries, rules
from vasops.partners.errors import PartnerError
from vasops.partners.models import (
    BankAccount,
    ChangeKind,
    Contact,
    Locality,
    Membership,
    Partner,
    PartnerChangeRequest,
    PartnerKind,
    Qualification,
    QualificationKind,
    Restriction,
    RestrictionKind,
)

PARTNER_FIELDS = [
    "name",
    "kind",
    "locality",
    "credit_code",
    "legal_representative",
    "address",
    "cs_hotline",
    "state",
    "credit_grade",
    "enterprise_code",
    "service_access_number",
    "suspended_reason",
]
RESTRICTION_FIELDS = ["kind", "business_line", "reason", "source", "starts_on", "ends_on", "lifted_at"]


def _url(name: str, *args: Any) -> str:
    return reverse(name, args=args)


def _require_member(actor: Any, partner: Partner, *, admin: bool = False) -> None:
    """The actor must belong to ``partner`` (as its admin when ``admin``), or be staff holding
    partners.manage_partner."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录。")
    if actor.has_perm("partners.manage_partner"):
        return
    membership = getattr(actor, "partner_membership", None)
    if membership is None or membership.partner_id != partner.pk:
        raise PermissionDenied("您不属于该合作伙伴，不能修改其资料。")
    if admin and not membership.is_admin:
        raise PermissionDenied("只有本企业的管理员可以执行此操作。")


def _check_hotline(text: str) -> str:
    problem = rules.hotline_problem(text)
    if problem:
        raise DomainError(
            PartnerError.INVALID_HOTLINE, problem, clause=rules.CLAUSE_CAPABILITY, field="cs_hotline"
        )
    return rules.normalise_hotline(text)


def _check_new_user(username: str, password: str, *, user_fields: dict[str, Any]) -> None:
    model: Any = get_user_model()
    if not username.strip():
        raise DomainError(PartnerError.DUPLICATE_USERNAME, "请填写用户名。", field="username")
    if model.objects.filter(username__iexact=username.strip()).exists():
        raise DomainError(
            PartnerError.DUPLICATE_USERNAME, f"用户名“{username}”已被使用，请换一个。", field="username"
        )
    try:
        password_validation.validate_password(password, model(username=username, **user_fields))
    except ValidationError as exc:
        raise DomainError(PartnerError.WEAK_PASSWORD, " ".join(exc.messages), field="password")


def _create_member(
    partner: Partner,
    *,
    username: str,
    password: str,
    display_name: str,
    email: str,
    phone: str,
    is_admin: bool,
) -> User:
    fields = {"display_name": display_name, "email": email, "phone": phone}
    _check_new_user(username, password, user_fields=fields)
    model: Any = get_user_model()
    user: User = model.objects.create_user(username=username.strip(), password=password, **fields)
    group, _ = Group.objects.get_or_create(name=roles.PARTNER_ADMIN if is_admin else roles.PARTNER_USER)
    user.groups.add(group)
    Membership.objects.create(user=user, partner=partner, is_admin=is_admin)
    return user


# --- registration and company data -----------------------------------------------------------


@transaction.atomic
def register_partner(
    *,
    name: str,
    kind: str,
    locality: str,
    credit_code: str,
    legal_representative: str,
    address: str,
    cs_hotline: str,
    username: str,
    password: str,
    display_name: str,
    email: str,
    phone: str = "",
) -> Partner:
    """Self-service registration: the partner (state 已注册) and its first admin user."""
    name = name.strip()
    credit_code = (credit_code or "").strip().upper()
    if kind not in PartnerKind.values:
        raise DomainError("core.validation", "请选择 SP 或 CP。", field="kind")
    if locality not in Locality.values:
        raise DomainError("core.validation", "请选择本地或外省。", field="locality")
    problem = rules.credit_code_problem(credit_code)
    if problem:
        raise DomainError(PartnerError.INVALID_CREDIT_CODE, problem, field="credit_code")
    hotline = _check_hotline(cs_hotline)
    if Partner.objects.filter(name__iexact=name).exists():
        raise DomainError(
            PartnerError.DUPLICATE_NAME,
            f"企业“{name}”已注册。如需加入该企业，请联系其管理员为您开通账号。",
            field="name",
        )
    if Partner.objects.filter(credit_code=credit_code).exists():
        raise DomainError(
            PartnerError.DUPLICATE_CREDIT_CODE,
            f"统一社会信用代码 {credit_code} 已被其他企业注册。",
            field="credit_code",
        )
    partner = Partner.objects.create(
        name=name,
        kind=kind,
        locality=locality,
        credit_code=credit_code,
        legal_representative=legal_representative.strip(),
        address=address.strip(),
        cs_hotline=hotline,
    )
    user = _create_member(
        partner,
        username=username,
        password=password,
        display_name=display_name,
        email=email,
        phone=phone,
        is_admin=True,
    )
    audit.record(
        actor=user,
        action="partner.registered",
        obj=partner,
        partner_id=partner.pk,
        after=audit.snapshot(partner, PARTNER_FIELDS),
    )
    notify.send(
        queries.product_staff_users(),
        subject=f"新合作伙伴注册：{partner.name}",
        body=(
            f"{partner.get_kind_display()}，{partner.get_locality_display()}，"
            f"统一社会信用代码 {credit_code}。"
        ),
        url=partner.get_absolute_url(),
    )
    return partner


@transaction.atomic
def add_partner_user(
    partner: Partner,
    *,
    actor: Any,
    username: str,
    password: str,
    display_name: str,
    email: str,
    phone: str = "",
) -> User:
    """A partner admin opens a further account (group partner_user) for their company."""
    _require_member(actor, partner, admin=True)
    user = _create_member(
        partner,
        username=username,
        password=password,
        display_name=display_name,
        email=email,
        phone=phone,
        is_admin=False,
    )
    audit.record(
        actor=actor,
        action="partner.user_added",
        obj=partner,
        partner_id=partner.pk,
        after={"username": user.username, "display_name": display_name, "email": email},
    )
    notify.send([user], subject=f"您已加入 {partner.name}", url=_url("partners:me"))
    return user


def _require_direct_edit(partner: Partner, kind: str) -> None:
    """Once admitted, basic information changes only through a reviewed change request."""
    if rules.change_request_required(partner.state):
        url = reverse("partners:change_new") + f"?kind={kind}"
        raise DomainError(
            PartnerError.CHANGE_REQUEST_REQUIRED,
            f"贵司当前状态为“{partner.get_state_display()}”，此项信息须提交基本信息变更申请，经审核后生效。"
            f"请到“变更申请”页面办理：{url}",
            clause=rules.CLAUSE_CHANGE,
            status=409,
            url=url,
        )


PROFILE_FIELDS = ["name", "legal_representative", "address"]


def _check_name_free(partner: Partner | None, name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError("core.validation", "请填写企业名称。", field="name")
    qs = Partner.objects.filter(name__iexact=name)
    if partner is not None:
        qs = qs.exclude(pk=partner.pk)
    if qs.exists():
        raise DomainError(
            PartnerError.DUPLICATE_NAME,
            f"企业“{name}”已注册。如需加入该企业，请联系其管理员为您开通账号。",
            field="name",
        )
    return name


def _write_profile(
    partner: Partner, *, actor: Any, values: dict[str, str], action: str, reason: str = ""
) -> Partner:
    """Write company fields (a subset of PROFILE_FIELDS) with the audit row (before/after)."""
    fields = [f for f in PROFILE_FIELDS if f in values]
    if "name" in values:
        values = {**values, "name": _check_name_free(partner, values["name"])}
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


def _write_hotline(
    partner: Partner, *, actor: Any, cs_hotline: str, action: str, reason: str = ""
) -> Partner:
    before = audit.snapshot(partner, ["cs_hotline"])
    partner.cs_hotline = _check_hotline(cs_hotline)
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


def _check_contact_role(role: str) -> None:
    if role not in Contact.Role.values:
        raise DomainError("core.validation", "请选择联系人类型。", field="role")


def _write_contact(
    partner: Partner,
    *,
    actor: Any,
    role: str,
    name: str,
    phone: str,
    email: str,
    action: str,
    reason: str = "",
) -> Contact:
    _check_contact_role(role)
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


def _check_bank_number(account_number: str) -> str:
    problem = rules.bank_account_number_problem(account_number)
    if problem:
        raise DomainError(PartnerError.INVALID_BANK_ACCOUNT, problem, field="account_number")
    return rules.normalise_bank_account_number(account_number)


def _switch_bank_account(
    partner: Partner, account: BankAccount, *, actor: Any, action: str, reason: str = ""
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


@transaction.atomic
def update_profile(partner: Partner, *, actor: Any, legal_representative: str, address: str) -> Partner:
    _require_member(actor, partner, admin=True)
    _require_direct_edit(partner, "company")
    return _write_profile(
        partner,
        actor=actor,
        values={"legal_representative": legal_representative, "address": address},
        action="partner.profile_updated",
    )


@transaction.atomic
def set_hotline(partner: Partner, *, actor: Any, cs_hotline: str) -> Partner:
    """7×24 customer service on an 800/400/1010xxxx number."""
    _require_member(actor, partner, admin=True)
    _require_direct_edit(partner, "cs_hotline")
    return _write_hotline(partner, actor=actor, cs_hotline=cs_hotline, action="partner.hotline_changed")


@transaction.atomic
def set_contact(partner: Partner, *, actor: Any, role: str, name: str, phone: str, email: str) -> Contact:
    _require_member(actor, partner, admin=True)
    _require_direct_edit(partner, "contacts")
    return _write_contact(
        partner, actor=actor, role=role, name=name, phone=phone, email=email, action="partner.contact_set"
    )


@transaction.atomic
def set_bank_account(
    partner: Partner, *, actor: Any, bank_name: str, account_name: str, account_number: str
) -> BankAccount:
    """Record the settlement bank account; the previous one is kept (is_current=False)."""
    _require_member(actor, partner, admin=True)
    _require_direct_edit(partner, "bank_account")
    number = _check_bank_number(account_number)
    account = BankAccount.objects.create(
        partner=partner,
        bank_name=bank_name.strip(),
        account_name=account_name.strip(),
        account_number=number,
        effective_from=clock.today(),
        is_current=False,
    )
    _switch_bank_account(partner, account, actor=actor, action="partner.bank_account_set")
    return account


@transaction.atomic
def upload_qualification(
    partner: Partner,
    *,
    actor: Any,
    kind: str,
    number: str,
    issuer: str,
    valid_from: dt.date,
    valid_until: dt.date | None,
    annual_inspection_date: dt.date | None = None,
    scan: UploadedFile | None,
) -> Qualification:
    """Record a certificate with its scan. Replacing one keeps the old row (is_current=False)."""
    _require_member(actor, partner)
    if kind not in QualificationKind.values:
        raise DomainError("core.validation", "请选择资质类型。", field="kind")
    if valid_until is not None and valid_until < valid_from:
        raise DomainError(PartnerError.INVALID_VALIDITY, "有效期截止日早于起始日。", field="valid_until")
    if scan is None:
        raise DomainError(PartnerError.SCAN_REQUIRED, "请上传证书扫描件。", field="scan")
    doc = documents.store(
        scan, actor=actor, partner_id=partner.pk, kind=f"qualification:{kind}", field="scan"
    )
    fields = ["kind", "number", "issuer", "valid_from", "valid_until", "annual_inspection_date"]
    old = (
        Qualification.objects.select_for_update().filter(partner=partner, kind=kind, is_current=True).first()
    )
    before = audit.snapshot(old, fields) if old else None
    if old is not None:
        old.is_current = False
        old.save(update_fields=["is_current"])
    q = Qualification.objects.create(
        partner=partner,
        kind=kind,
        number=number.strip(),
        issuer=issuer.strip(),
        valid_from=valid_from,
        valid_until=valid_until,
        annual_inspection_date=annual_inspection_date,
        document=doc,
    )
    audit.record(
        actor=actor,
        action="partner.qualification_replaced" if old else "partner.qualification_added",
        obj=q,
        partner_id=partner.pk,
        before=before,
        after=audit.snapshot(q, fields),
    )
    return q


# --- lifecycle ---------------------------------------------------------------------------------


def _require_staff(actor: Any, perm: str) -> None:
    """``actor=None`` is the system (an automatic consequence); a person needs ``perm``."""
    if actor is not None:
        require(actor, perm)


@transaction.atomic
def record_admission(
    partner: Partner, *, actor: Any, enterprise_code: str, service_access_number: str
) -> Partner:
    """Admission accepted: store the allocated enterprise code and service access number; 已准入."""
    _require_staff(actor, "partners.manage_partner")
    code = (enterprise_code or "").strip()
    number = (service_access_number or "").strip()
    if not re.fullmatch(r"\d{5}|\d{8}", code):
        raise DomainError(
            PartnerError.INVALID_CODE, "企业代码应为 8 位数字（历史代码 5 位）。", field="enterprise_code"
        )
    if not re.fullmatch(r"\d{3,21}", number):
        raise DomainError(
            PartnerError.INVALID_CODE, "业务接入号应为 3–21 位数字。", field="service_access_number"
        )
    if Partner.objects.exclude(pk=partner.pk).filter(enterprise_code=code).exists():
        raise DomainError(
            PartnerError.CODE_TAKEN, f"企业代码 {code} 已分配给其他合作伙伴。", field="enterprise_code"
        )
    if Partner.objects.exclude(pk=partner.pk).filter(service_access_number=number).exists():
        raise DomainError(
            PartnerError.CODE_TAKEN,
            f"业务接入号 {number} 已分配给其他合作伙伴。",
            field="service_access_number",
        )
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    before = audit.snapshot(partner, PARTNER_FIELDS)
    fsm.transition(partner, "admit", label="准入")
    partner.enterprise_code = code
    partner.service_access_number = number
    partner.save()
    audit.record(
        actor=actor or "system",
        action="partner.admitted",
        obj=partner,
        partner_id=partner.pk,
        before=before,
        after=audit.snapshot(partner, PARTNER_FIELDS),
    )
    notify.send(
        queries.partner_users(partner),
        subject="准入通过",
        body=f"企业代码 {code}，业务接入号 {number}。",
        url=_url("partners:me"),
    )
    return partner


@transaction.atomic
def activate_partner(partner: Partner, *, actor: Any) -> Partner:
    """After opening 开通: 已开通."""
    _require_staff(actor, "partners.manage_partner")
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    before = audit.snapshot(partner, ["state"])
    fsm.transition(partner, "activate", label="开通")
    partner.save()
    audit.record(
        actor=actor or "system",
        action="partner.activated",
        obj=partner,
        partner_id=partner.pk,
        before=before,
        after=audit.snapshot(partner, ["state"]),
    )
    notify.send(queries.partner_users(partner), subject="业务已开通", url=_url("partners:me"))
    return partner


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(PartnerError.REASON_REQUIRED, "请填写原因。", field="reason")
    return reason


@transaction.atomic
def suspend_partner(partner: Partner, *, actor: Any, reason: str) -> Partner:
    require(actor, "partners.manage_partner")
    reason = _reason(reason)
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    before = audit.snapshot(partner, ["state", "suspended_reason"])
    fsm.transition(partner, "suspend", label="暂停")
    partner.suspended_reason = reason
    partner.save()
    audit.record(
        actor=actor,
        action="partner.suspended",
        obj=partner,
        partner_id=partner.pk,
        before=before,
        after=audit.snapshot(partner, ["state", "suspended_reason"]),
        reason=reason,
    )
    notify.send(
        queries.partner_users(partner), subject="您的企业已被暂停", body=reason, url=_url("partners:me")
    )
    return partner


@transaction.atomic
def resume_partner(partner: Partner, *, actor: Any, reason: str) -> Partner:
    require(actor, "partners.manage_partner")
    reason = _reason(reason)
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    before = audit.snapshot(partner, ["state", "suspended_reason"])
    fsm.transition(partner, "resume", label="恢复")
    partner.suspended_reason = ""
    partner.save()
    audit.record(
        actor=actor,
        action="partner.resumed",
        obj=partner,
        partner_id=partner.pk,
        before=before,
        after=audit.snapshot(partner, ["state", "suspended_reason"]),
        reason=reason,
    )
    notify.send(
        queries.partner_users(partner), subject="您的企业已恢复", body=reason, url=_url("partners:me")
    )
    return partner


# --- restrictions ------------------------------------------------------------------------------


def _create_restriction(
    partner: Partner,
    *,
    actor: Any,
    kind: str,
    reason: str,
    source: str,
    starts_on: dt.date,
    business_line: str,
    ends_on: dt.date | None,
) -> Restriction:
    if kind not in RestrictionKind.values:
        raise DomainError(PartnerError.INVALID_RESTRICTION, "请选择限制类型。", field="kind")
    reason = _reason(reason)
    if kind == RestrictionKind.VIOLATION_EXCLUSION and not business_line.strip():
        raise DomainError(
            PartnerError.INVALID_RESTRICTION, "违规清退须注明被清退的业务类别。", field="business_line"
        )
    if ends_on is not None and ends_on < starts_on:
        raise DomainError(PartnerError.INVALID_RESTRICTION, "结束日期早于开始日期。", field="ends_on")
    r = Restriction.objects.create(
        partner=partner,
        kind=kind,
        reason=reason,
        source=source.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        business_line=business_line.strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        actor=actor or "system",
        action="partner.restriction_added",
        obj=r,
        partner_id=partner.pk,
        after=audit.snapshot(r, RESTRICTION_FIELDS),
        reason=reason,
    )
    until = f"至 {ends_on} 止" if ends_on else "长期有效，直至解除"
    notify.send(
        queries.partner_users(partner),
        subject=f"贵司被登记限制：{r.get_kind_display()}",
        body=f"{reason}（{starts_on} 起，{until}）",
        url=_url("partners:me"),
    )
    return r


@transaction.atomic
def impose_restriction(
    partner: Partner,
    *,
    kind: str,
    reason: str,
    source: str,
    starts_on: dt.date,
    business_line: str = "",
    actor: Any = None,
) -> Restriction:
    """A restriction as a consequence of a rule (lockout after a reject, ban after absence from
    review …), by the system or staff. The end date follows the rule (rules.restriction_end)."""
    return _create_restriction(
        partner,
        actor=actor,
        kind=kind,
        reason=reason,
        source=source,
        starts_on=starts_on,
        business_line=business_line,
        ends_on=rules.restriction_end(kind, starts_on),
    )


@transaction.atomic
def add_restriction(
    partner: Partner,
    *,
    actor: Any,
    kind: str,
    reason: str,
    source: str = "",
    starts_on: dt.date,
    business_line: str = "",
    ends_on: dt.date | None = None,
) -> Restriction:
    """Staff register a restriction by hand; without an end date the rule's default applies."""
    require(actor, "partners.manage_restriction")
    return _create_restriction(
        partner,
        actor=actor,
        kind=kind,
        reason=reason,
        source=source,
        starts_on=starts_on,
        business_line=business_line,
        ends_on=ends_on if ends_on is not None else rules.restriction_end(kind, starts_on),
    )


@transaction.atomic
def lift_restriction(restriction: Restriction, *, actor: Any, reason: str) -> Restriction:
    require(actor, "partners.manage_restriction")
    reason = _reason(reason)
    r = Restriction.objects.select_for_update().select_related("partner").get(pk=restriction.pk)
    if r.lifted_at is not None:
        raise DomainError(PartnerError.ALREADY_LIFTED, "该限制已解除。", status=409)
    before = audit.snapshot(r, RESTRICTION_FIELDS)
    r.lifted_at = clock.now()
    r.lifted_by = actor
    r.lift_reason = reason
    r.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    audit.record(
        actor=actor,
        action="partner.restriction_lifted",
        obj=r,
        partner_id=r.partner_id,
        before=before,
        after=audit.snapshot(r, RESTRICTION_FIELDS),
        reason=reason,
    )
    notify.send(
        queries.partner_users(r.partner),
        subject=f"限制已解除：{r.get_kind_display()}",
        body=reason,
        url=_url("partners:me"),
    )
    return r


# --- basic-info change 基本信息变更 (附件6) ---------------------------------------------------

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
        raise DomainError(PartnerError.CHANGE_INVALID, "请选择变更类型。", field="kind")
    cleaned = {k: str(values.get(k) or "").strip() for k in _CHANGE_KEYS[kind]}
    if kind == ChangeKind.CONTACTS:
        _check_contact_role(cleaned["role"])
        for key, label in (("name", "姓名"), ("phone", "电话"), ("email", "邮箱")):
            if not cleaned[key]:
                raise DomainError(PartnerError.CHANGE_INVALID, f"请填写{label}。", field=key)
    elif kind == ChangeKind.CS_HOTLINE:
        cleaned["cs_hotline"] = _check_hotline(cleaned["cs_hotline"])
    elif kind == ChangeKind.BANK_ACCOUNT:
        for key, label in (("bank_name", "开户行"), ("account_name", "户名")):
            if not cleaned[key]:
                raise DomainError(PartnerError.CHANGE_INVALID, f"请填写{label}。", field=key)
        cleaned["account_number"] = _check_bank_number(cleaned["account_number"])
    else:
        cleaned["name"] = _check_name_free(partner, cleaned["name"])
        for key, label in (("legal_representative", "法定代表人"), ("address", "地址")):
            if not cleaned[key]:
                raise DomainError(PartnerError.CHANGE_INVALID, f"请填写{label}。", field=key)
    return cleaned


def _staff_users_for_review() -> Any:
    return queries.product_staff_users()


@transaction.atomic
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
    _require_member(actor, partner, admin=True)
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    proposed = _clean_change(partner, kind, values)
    current = _current_values(partner, kind, proposed)
    compare = {k: v for k, v in current.items() if k in proposed}
    if not rules.changed_fields(compare, dict(proposed)):
        raise DomainError(PartnerError.CHANGE_NOTHING, "申请的内容与现有信息相同，无需变更。")
    open_same = PartnerChangeRequest.objects.filter(
        partner=partner, kind=kind, state__in=rules.CHANGE_OPEN_STATES
    )
    if kind == ChangeKind.CONTACTS:
        open_same = open_same.filter(proposed__role=proposed["role"])
    pending = open_same.first()
    if pending is not None:
        raise DomainError(
            PartnerError.CHANGE_PENDING,
            f"已有同类变更申请 {pending.number} 正在办理，请等待其办结后再提交。",
            status=409,
        )
    doc = None
    if kind == ChangeKind.COMPANY:
        if licence_scan is None:
            raise DomainError(
                PartnerError.SCAN_REQUIRED,
                "变更企业名称或地址须上传新的营业执照扫描件。",
                field="licence_scan",
                clause=rules.CLAUSE_CHANGE,
            )
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
        action="partner.change_submitted",
        obj=cr,
        partner_id=partner.pk,
        before=cr.current,
        after=cr.proposed,
    )
    notify.send(
        _staff_users_for_review(),
        subject=f"基本信息变更申请：{partner.name}（{cr.get_kind_display()}）",
        body=f"申请编号 {cr.number}，请审核。",
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
    why = f"变更申请 {cr.number}"
    if cr.kind == ChangeKind.CONTACTS:
        _write_contact(
            partner,
            actor=actor,
            role=v["role"],
            name=v["name"],
            phone=v["phone"],
            email=v["email"],
            action="partner.contact_set",
            reason=why,
        )
    elif cr.kind == ChangeKind.CS_HOTLINE:
        _write_hotline(
            partner, actor=actor, cs_hotline=v["cs_hotline"], action="partner.hotline_changed", reason=why
        )
    elif cr.kind == ChangeKind.COMPANY:
        _write_profile(partner, actor=actor, values=v, action="partner.profile_updated", reason=why)
    else:
        if cr.bank_account is None:
            raise DomainError(PartnerError.CHANGE_INVALID, "缺少待生效的银行账户。")
        _switch_bank_account(
            partner, cr.bank_account, actor=actor, action="partner.bank_account_set", reason=why
        )
    fsm.transition(cr, "mark_applied", label="生效")
    cr.applied_at = clock.now()


def _notify_partner(cr: PartnerChangeRequest, subject: str, body: str = "") -> None:
    notify.send(queries.partner_users(cr.partner), subject=subject, body=body, url=cr.get_absolute_url())


@transaction.atomic
def approve_change_request(
    cr: PartnerChangeRequest, *, actor: Any, comment: str = ""
) -> PartnerChangeRequest:
    """First approval. Contacts, hotline and company apply at once; a bank account waits for a
    second approval by another person."""
    require(actor, REVIEW_PERM)
    cr = _locked(cr)
    before = audit.snapshot(cr, CHANGE_FIELDS)
    fsm.transition(cr, "approve", label="审核通过")
    cr.first_approver = actor
    cr.first_approved_at = clock.now()
    if comment.strip():
        cr.reason = comment.strip()
    if not cr.needs_second_approval:
        _apply_change(cr, actor=actor)
    cr.save()
    audit.record(
        actor=actor,
        action="partner.change_approved",
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
            subject=f"银行账户变更待复核：{cr.partner.name}",
            body=f"申请编号 {cr.number} 已由 {actor} 初审通过，须另一名工作人员复核。",
            url=cr.get_absolute_url(),
        )
        _notify_partner(cr, f"变更申请 {cr.number} 已初审通过，待复核")
    else:
        _notify_partner(cr, f"变更申请 {cr.number} 已通过并生效")
    return cr


@transaction.atomic
def second_approve_change_request(
    cr: PartnerChangeRequest, *, actor: Any, comment: str = ""
) -> PartnerChangeRequest:
    """Second approval of a bank-account change (four eyes). The new account is recorded with
    effective_from = the first day of next month; the old one stays current until then."""
    require(actor, REVIEW_PERM)
    cr = _locked(cr)
    if not cr.needs_second_approval:
        raise DomainError(PartnerError.CHANGE_INVALID, "只有银行账户变更需要复核。", status=409)
    problem = rules.four_eyes_problem(cr.first_approver_id, actor.pk)
    if problem:
        raise DomainError(PartnerError.FOUR_EYES_SAME_PERSON, problem, status=409, clause=rules.CLAUSE_CHANGE)
    before = audit.snapshot(cr, CHANGE_FIELDS)
    fsm.transition(cr, "second_approve", label="复核通过")
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
        action="partner.change_second_approved",
        obj=cr,
        partner_id=cr.partner_id,
        before=before,
        after=audit.snapshot(cr, CHANGE_FIELDS),
        reason=comment.strip(),
    )
    _notify_partner(
        cr,
        f"银行账户变更 {cr.number} 已复核通过",
        f"新账户自 {cr.effective_from} 起（下一结算周期）生效，此前结算仍使用原账户。",
    )
    return cr


def _close_change(
    cr: PartnerChangeRequest, *, actor: Any, reason: str, method: str, label: str, action: str
) -> PartnerChangeRequest:
    require(actor, REVIEW_PERM)
    reason = _reason(reason)
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
    _notify_partner(cr, f"变更申请 {cr.number} {label}", reason)
    return cr


@transaction.atomic
def return_change_request(cr: PartnerChangeRequest, *, actor: Any, reason: str) -> PartnerChangeRequest:
    """Send back for correction; the partner submits a corrected request."""
    return _close_change(
        cr, actor=actor, reason=reason, method="send_back", label="已退回", action="partner.change_returned"
    )


@transaction.atomic
def reject_change_request(cr: PartnerChangeRequest, *, actor: Any, reason: str) -> PartnerChangeRequest:
    return _close_change(
        cr, actor=actor, reason=reason, method="reject", label="已驳回", action="partner.change_rejected"
    )


@transaction.atomic
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
            action="partner.change_applied",
            obj=cr,
            partner_id=cr.partner_id,
            before=before,
            after=audit.snapshot(cr, CHANGE_FIELDS),
        )
        _notify_partner(cr, f"银行账户变更 {cr.number} 已生效", f"自 {cr.effective_from} 起结算使用新账户。")
        applied.append(cr)
    return applied
