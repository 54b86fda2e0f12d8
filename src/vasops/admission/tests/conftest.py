"""Fixtures for the admission application lifecycle tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from vasops.admission import actions, rules
from vasops.admission.models import Application
from vasops.admission.tests.factories import move_to
from vasops.catalog.models import ResourcePool
from vasops.core import roles
from vasops.core.models import User
from vasops.core.testing import StaffFactory, UserFactory
from vasops.partners.models import Partner
from vasops.partners.tests.factories import PartnerFactory, partner_user

CAPABILITY: dict[str, Any] = {
    "access_method": "leased_line",
    "certified_om_staff": 2,
    "cs_hotline": "4001234567",
    "call_centre_seats": 2,
    "call_centre_agents": 6,
    "connect_rate_bp": 9950,
    "answered_20s_bp": 8500,
}


# 附件5 开通资料, every field filled in
OPENING: dict[str, Any] = {
    "opened_on": "2026-01-28",
    "service_name": "天气早知道",
    "service_content": "每日早 7 点发送本地天气预报",
    "tariff": "5 元/月（包月）",
    "cs_hotline": "4001234567",
    "unsubscribe_method": "发送 TD 到业务接入号",
}


def pdf(name: str = "doc.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf"
    )


def make_partner(name: str = "甲公司") -> tuple[Partner, User]:
    """A qualified local SP and its admin user (factories)."""
    partner = PartnerFactory(name=factory.Sequence(lambda n: f"{name}{n}"), qualified=dt.date(2030, 12, 31))
    return partner, partner_user(partner, admin=True)


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
    return move_to(app, Application.State.REVIEWED)


@pytest.fixture
def partner_a(db: Any) -> tuple[Partner, User]:
    return make_partner("甲")


@pytest.fixture
def partner_b(db: Any) -> tuple[Partner, User]:
    return make_partner("乙")


@pytest.fixture
def staff(db: Any) -> User:
    return StaffFactory(username="staff1", roles=[roles.PRODUCT_STAFF])


@pytest.fixture
def outsider(db: Any) -> User:
    return UserFactory(username="nobody")


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
