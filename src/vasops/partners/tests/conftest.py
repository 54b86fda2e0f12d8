"""Fixtures of the partner tests: partners, their users, staff in role groups (built with the
factories of ``partners.tests.factories`` and ``core.testing``)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from vasops.core import roles
from vasops.core.models import User
from vasops.core.testing import StaffFactory, UserFactory
from vasops.partners.models import Partner
from vasops.partners.tests.factories import PartnerFactory, QualificationFactory, credit_code, partner_user

__all__ = ["credit_code", "give_all_qualifications", "scan"]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def scan(name: str = "licence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def make_partner(db):
    def _make(name: str | None = None, *, kind: str = "SP", locality: str = "local", **extra) -> Partner:
        if name is not None:
            extra["name"] = name
        return PartnerFactory(kind=kind, locality=locality, **extra)

    return _make


@pytest.fixture
def make_user(db):
    def _make(*role_names: str, partner: Partner | None = None, is_admin: bool = False, **extra) -> User:
        if partner is not None:
            (role,) = role_names or (roles.PARTNER_ADMIN if is_admin else roles.PARTNER_USER,)
            return partner_user(partner, admin=is_admin, role=role, **extra)
        factory = StaffFactory if extra.pop("is_staff", False) else UserFactory
        return factory(roles=list(role_names), **extra)

    return _make


@pytest.fixture
def staff(db):
    return StaffFactory(roles=[roles.PRODUCT_STAFF])


@pytest.fixture
def auditor(db):
    return StaffFactory(roles=[roles.AUDITOR])


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
    from vasops.partners import rules

    for kind in rules.required_qualifications(partner.kind, partner.locality):
        QualificationFactory(partner=partner, kind=kind, valid_until=valid_until)
