"""Self-service registration and further partner accounts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from vasops.core import audit, notify, roles
from vasops.core.errors import CoreError, DomainError
from vasops.core.marks import gettext_noop
from vasops.core.models import User
from vasops.partners import queries, rules
from vasops.partners.actions.common import PARTNER_FIELDS, check_hotline, page_url, require_member
from vasops.partners.errors import PartnerError
from vasops.partners.events import PartnerEvent
from vasops.partners.models import Locality, Membership, Partner, PartnerKind


def _check_new_user(username: str, password: str, *, user_fields: dict[str, Any]) -> None:
    model: Any = get_user_model()
    if not username.strip():
        raise DomainError(PartnerError.DUPLICATE_USERNAME, gettext("请填写用户名。"), field="username")
    if model.objects.filter(username__iexact=username.strip()).exists():
        raise DomainError(
            PartnerError.DUPLICATE_USERNAME,
            gettext("用户名“%(username)s”已被使用，请换一个。") % {"username": username},
            field="username",
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


@transaction.atomic(durable=True)
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
        raise DomainError(CoreError.VALIDATION, gettext("请选择 SP 或 CP。"), field="kind")
    if locality not in Locality.values:
        raise DomainError(CoreError.VALIDATION, gettext("请选择本地或外省。"), field="locality")
    problem = rules.credit_code_problem(credit_code)
    if problem:
        raise DomainError(PartnerError.INVALID_CREDIT_CODE, problem, field="credit_code")
    hotline = check_hotline(cs_hotline)
    if Partner.objects.filter(name__iexact=name).exists():
        raise DomainError(
            PartnerError.DUPLICATE_NAME,
            gettext("企业“%(name)s”已注册。如需加入该企业，请联系其管理员为您开通账号。") % {"name": name},
            field="name",
        )
    if Partner.objects.filter(credit_code=credit_code).exists():
        raise DomainError(
            PartnerError.DUPLICATE_CREDIT_CODE,
            gettext("统一社会信用代码 %(credit_code)s 已被其他企业注册。") % {"credit_code": credit_code},
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
        action=PartnerEvent.PARTNER_REGISTERED,
        obj=partner,
        partner_id=partner.pk,
        after=audit.snapshot(partner, PARTNER_FIELDS),
    )
    notify.send(
        queries.product_staff_users(),
        subject=notify.text(gettext_noop("新合作伙伴注册：%(partner_name)s"), partner_name=partner.name),
        body=(
            notify.text(
                gettext_noop("%(kind)s，%(locality)s，统一社会信用代码 %(credit_code)s。"),
                kind=partner.get_kind_display(),
                locality=partner.get_locality_display(),
                credit_code=credit_code,
            )
        ),
        url=partner.get_absolute_url(),
    )
    return partner


@transaction.atomic(durable=True)
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
    require_member(actor, partner, admin=True)
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
        action=PartnerEvent.USER_ADDED,
        obj=partner,
        partner_id=partner.pk,
        after={"username": user.username, "display_name": display_name, "email": email},
    )
    notify.send(
        [user],
        subject=notify.text(gettext_noop("您已加入 %(partner_name)s"), partner_name=partner.name),
        url=page_url("partners:me"),
    )
    return user
