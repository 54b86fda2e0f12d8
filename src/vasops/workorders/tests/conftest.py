from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from vasops.core import calendar, roles
from vasops.core.testing import StaffFactory
from vasops.partners.models import Partner
from vasops.partners.tests.factories import PartnerFactory, partner_user

# an application-software upgrade's plan, every required part filled in (申请单内容要求)
PLAN: dict[str, Any] = {
    "planned_at": dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC),
    "impact_scope": "短信上行业务中断约 10 分钟",
    "operators": "厂家 2 人，运维 1 人",
    "technical_plan": "网关软件由 V1 升级到 V2",
    "implementation_steps": "1. 备份 2. 停服务 3. 升级 4. 启服务",
    "test_plan": "MO/MT 拨测各 10 条",
    "rollback_plan": "恢复备份并重启，15 分钟内完成",
}


def new_partner(name: str) -> Partner:
    created: Partner = PartnerFactory(name=name)
    return created


def member(username: str, partner: Partner, *, admin: bool = False) -> Any:
    return partner_user(partner, admin=admin, username=username)


@pytest.fixture
def cal(db):
    calendar.seed_years([2026])
    yield
    calendar.invalidate()


@pytest.fixture
def partner_a(db) -> Partner:
    return new_partner("甲公司")


@pytest.fixture
def partner_b(db) -> Partner:
    return new_partner("乙公司")


@pytest.fixture
def user_a(partner_a):
    return member("sp_a", partner_a)


@pytest.fixture
def user_b(partner_b):
    return member("sp_b", partner_b)


@pytest.fixture
def om(db):
    return StaffFactory(username="om1", roles=[roles.OM_ENGINEER], display_name="运维小李")


@pytest.fixture
def om2(db):
    return StaffFactory(username="om2", roles=[roles.OM_ENGINEER], display_name="运维小王")


@pytest.fixture
def product(db):
    return StaffFactory(username="ps1", roles=[roles.PRODUCT_STAFF], display_name="产品小张")


@pytest.fixture
def head(db):
    return StaffFactory(username="head1", roles=[roles.DEPARTMENT_HEAD], display_name="王主任")


@pytest.fixture
def auditor(db):
    return StaffFactory(username="aud1", roles=[roles.AUDITOR])


@pytest.fixture
def finance(db):
    return StaffFactory(username="fin1", roles=[roles.FINANCE])


@pytest.fixture
def no_2fa(settings):
    settings.VASOPS_STAFF_2FA = False
