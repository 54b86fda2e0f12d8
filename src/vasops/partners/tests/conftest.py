"""Fixtures of the partner tests: partners, their users, staff in role groups."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from vasops.core import roles
from vasops.core.models import User
from vasops.partners import rules
from vasops.partners.models import Membership, Partner, Qualification

_seq = itertools.count(1)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def credit_code(n: int) -> str:
    head = f"91420100{n:09d}"
    return head + rules.credit_code_check_char(head)


def scan(name: str = "licence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def make_partner(db):
    def _make(name: str | None = None, *, kind: str = "SP", locality: str = "local", **extra) -> Partner:
        n = next(_seq)
        return Partner.objects.create(
            name=name or f"测试企业{n}",
            kind=kind,
            locality=locality,
            credit_code=credit_code(n),
            legal_representative="张三",
            address="武汉市洪山区",
            cs_hotline="4001234567",
            **extra,
        )

    return _make


@pytest.fixture
def make_user(db):
    def _make(*role_names: str, partner: Partner | None = None, is_admin: bool = False, **extra) -> User:
        n = next(_seq)
        user = User.objects.create_user(
            username=f"u{n}", password="x-Secret-2026", email=f"u{n}@example.com", **extra
        )
        for role in role_names:
            user.groups.add(Group.objects.get(name=role))
        if partner is not None:
            Membership.objects.create(user=user, partner=partner, is_admin=is_admin)
        return user

    return _make


@pytest.fixture
def staff(make_user):
    return make_user(roles.PRODUCT_STAFF, is_staff=True)


@pytest.fixture
def auditor(make_user):
    return make_user(roles.AUDITOR, is_staff=True)


@pytest.fixture
def partner_a(make_partner):
    return make_partner("甲公司")


@pytest.fixture
def partner_b(make_partner):
    return make_partner("乙公司")


@pytest.fixture
def admin_a(make_user, partner_a):
    return make_user(roles.PARTNER_ADMIN, partner=partner_a, is_admin=True)


@pytest.fixture
def user_a(make_user, partner_a):
    return make_user(roles.PARTNER_USER, partner=partner_a)


@pytest.fixture
def admin_b(make_user, partner_b):
    return make_user(roles.PARTNER_ADMIN, partner=partner_b, is_admin=True)


@pytest.fixture
def no_2fa(settings):
    settings.VASOPS_STAFF_2FA = False


def give_all_qualifications(partner: Partner, valid_until: dt.date | None = dt.date(2030, 1, 1)) -> None:
    for kind in rules.required_qualifications(partner.kind, partner.locality):
        Qualification.objects.create(
            partner=partner,
            kind=kind,
            number=f"N-{kind}",
            issuer="湖北省通信管理局",
            valid_from=dt.date(2020, 1, 1),
            valid_until=valid_until,
        )
