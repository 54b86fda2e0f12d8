"""Factories of the partner registry's tests (and of the apps above it): partners with valid
unified social credit codes, their qualifications, partner users bound by a membership."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.contrib.auth.models import Group

from vasops.core import clock, roles
from vasops.core.testing import UserFactory
from vasops.partners import rules
from vasops.partners.models import BankAccount, Contact, Membership, Partner, Qualification


def credit_code(n: int) -> str:
    """A valid 18-character unified social credit code (GB 32100-2015 check character) numbered
    ``n``; distinct ``n`` give distinct codes."""
    return rules.complete_credit_code(f"91420100{n:09d}")


class PartnerFactory(factory.django.DjangoModelFactory):
    """A registered local SP. ``state="active"`` moves it (the workflow field is protected);
    ``qualified=True`` (or a ``valid_until`` date) gives it every required certificate."""

    class Meta:
        model = Partner
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试企业{n}")
    kind = "SP"
    locality = "local"
    credit_code = factory.Sequence(credit_code)
    legal_representative = "张三"
    address = "武汉市洪山区"
    cs_hotline = "4001234567"

    @factory.post_generation
    def state(partner: Partner, create: bool, extracted: Any, **kwargs: Any) -> None:
        if extracted:
            Partner.objects.filter(pk=partner.pk).update(state=extracted)
            partner.refresh_from_db()

    @factory.post_generation
    def qualified(partner: Partner, create: bool, extracted: Any, **kwargs: Any) -> None:
        if extracted:
            valid_until = extracted if isinstance(extracted, dt.date) else dt.date(2030, 1, 1)
            for kind in rules.required_qualifications(partner.kind, partner.locality):
                QualificationFactory(partner=partner, kind=kind, valid_until=valid_until)


class QualificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Qualification

    partner = factory.SubFactory(PartnerFactory)
    kind = "business_licence"
    number = factory.LazyAttribute(lambda q: f"N-{q.kind}")
    issuer = "湖北省通信管理局"
    valid_from = dt.date(2020, 1, 1)
    valid_until = dt.date(2030, 1, 1)
    # a CP's business licence needs an annual inspection of the past year (第二章 一(五)2)
    annual_inspection_date = factory.LazyFunction(clock.today)


class MembershipFactory(factory.django.DjangoModelFactory):
    """A user bound to a partner, in the partner role matching ``is_admin`` (or ``role=...``):
    ``MembershipFactory(partner=p, is_admin=True).user``."""

    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, username=factory.Sequence(lambda n: f"partner_user{n}"))
    partner = factory.SubFactory(PartnerFactory)
    is_admin = False

    @factory.post_generation
    def role(membership: Membership, create: bool, extracted: Any, **kwargs: Any) -> None:
        name = extracted or (roles.PARTNER_ADMIN if membership.is_admin else roles.PARTNER_USER)
        membership.user.groups.add(Group.objects.get(name=name))


def contract_data(partner: Partner) -> Partner:
    """Give ``partner`` what a contract needs on file: the three contacts and a current bank
    account in the company's name (rows written directly, whatever the partner's state)."""
    for role in ("business", "technical", "customer_service"):
        Contact.objects.create(
            partner=partner, role=role, name=f"{role}联系人", phone="027-87654321", email=f"{role}@p.example"
        )
    BankAccount.objects.create(
        partner=partner,
        bank_name="中国工商银行武汉分行",
        account_name=partner.name,
        account_number="3202001509200123456",
        effective_from=dt.date(2020, 1, 1),
    )
    return partner


def partner_user(partner: Partner, *, admin: bool = False, role: str | None = None, **user: Any) -> Any:
    """A user of ``partner`` (``**user``: fields of the user, e.g. ``username``)."""
    fields = {f"user__{k}": v for k, v in user.items()}
    return MembershipFactory(partner=partner, is_admin=admin, role=role, **fields).user
