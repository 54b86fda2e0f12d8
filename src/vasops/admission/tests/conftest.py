"""Fixtures for the admission application lifecycle tests."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from vasops.admission import actions, rules
from vasops.admission.models import Application
from vasops.catalog.models import ResourcePool
from vasops.core import roles
from vasops.core.models import User
from vasops.partners.models import Membership, Partner, Qualification
from vasops.partners.rules import required_qualifications

_seq = itertools.count(1)

CAPABILITY: dict[str, Any] = {
    "access_method": "leased_line",
    "certified_om_staff": 2,
    "cs_hotline": "4001234567",
    "call_centre_seats": 2,
    "call_centre_agents": 6,
    "connect_rate_bp": 9950,
    "answered_20s_bp": 8500,
}


def pdf(name: str = "doc.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf"
    )


def make_user(username: str, *, role: str | None = None, staff: bool = False) -> User:
    user = User.objects.create_user(
        username=username, password="x", is_staff=staff, email=f"{username}@example.com"
    )
    if role:
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.add(group)
    return user


def make_partner(name: str = "甲公司") -> tuple[Partner, User]:
    n = next(_seq)
    partner = Partner.objects.create(
        name=f"{name}{n}",
        kind="SP",
        locality="local",
        credit_code=f"91420100MA{n:08d}",
        legal_representative="张三",
        address="武汉市",
        cs_hotline="4001234567",
    )
    for kind in required_qualifications("SP", "local"):
        Qualification.objects.create(
            partner=partner,
            kind=kind,
            number=f"{kind}-{n}",
            issuer="湖北省通信管理局",
            valid_from=dt.date(2020, 1, 1),
            valid_until=dt.date(2030, 12, 31),
        )
    user = make_user(f"partner{n}", role=roles.PARTNER_ADMIN)
    Membership.objects.create(user=user, partner=partner, is_admin=True)
    return partner, user


def complete_application(user: User, *, lines: tuple[str, ...] = ("SMS",)) -> Application:
    """A draft with every material, capability and product form in place (call inside a window)."""
    app = actions.create_application(actor=user, business_lines=list(lines), **CAPABILITY)
    for kind, _label in rules.MATERIALS:
        actions.upload_material(app, actor=user, kind=kind, upload=pdf(f"{kind}.pdf"))
    for line in lines:
        actions.add_product(
            app, actor=user, business_line=line, name=f"{line} 天气", fee_fen=300, billing_mode="monthly"
        )
    app.refresh_from_db()
    return app


def to_reviewed(app: Application) -> Application:
    """Reach REVIEWED without the exam/review modules (model transitions directly)."""
    app.refresh_from_db()
    steps = {
        "draft": "submit",
        "submitted": "approve_initial",
        "initial_approved": "pass_exam",
        "exam_passed": "schedule_review",
        "review_scheduled": "complete_review",
    }
    while app.state in steps:
        getattr(app, steps[app.state])()
    app.save()
    return app


@pytest.fixture
def partner_a(db: Any) -> tuple[Partner, User]:
    return make_partner("甲")


@pytest.fixture
def partner_b(db: Any) -> tuple[Partner, User]:
    return make_partner("乙")


@pytest.fixture
def staff(db: Any) -> User:
    return make_user("staff1", role=roles.PRODUCT_STAFF, staff=True)


@pytest.fixture
def outsider(db: Any) -> User:
    return make_user("nobody")


@pytest.fixture
def pools(db: Any) -> tuple[ResourcePool, ResourcePool]:
    code = ResourcePool.objects.create(
        kind="enterprise_code", name="企业代码 44", range_start="44000001", range_end="44000099"
    )
    number = ResourcePool.objects.create(
        kind="service_access_number", name="接入号", range_start="1065500", range_end="1065599"
    )
    return code, number


@pytest.fixture
def no_2fa(settings: Any) -> None:
    settings.VASOPS_STAFF_2FA = False
