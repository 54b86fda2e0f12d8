"""Browser tests: Debian's chromium driven by Playwright's sync API against pytest-django's
``live_server``. Our own fixtures (the pytest-playwright plugin is disabled in pyproject's
addopts, so nothing tries to download browsers).

Mark tests ``@pytest.mark.browser`` and ``@pytest.mark.django_db(transaction=True)``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vasops.core.testing import DEFAULT_PASSWORD, confirmed_device, totp_now

CHROMIUM = os.environ.get("VASOPS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (.ci/run installs Debian chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance: Any) -> Iterator[Any]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def _migration_data(transactional_db: Any) -> None:
    """The rows data migrations create (business lines, violation catalogue, KPI definitions,
    detection thresholds), again: an earlier transactional test flushed them."""
    from vasops.api.tests.seed import ensure_migration_data

    ensure_migration_data()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page PNG under var/screenshots/<name>.png and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _password_step(page: Any, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def _totp_step(page: Any, user: Any) -> None:
    page.wait_for_url(re.compile(r"/accounts/2fa/"))
    device = confirmed_device(user)
    page.get_by_label("动态验证码").fill(totp_now(device))
    page.get_by_role("button", name="验证").click()
    page.wait_for_load_state()


@pytest.fixture
def log_in(live_server: Any) -> Any:
    """The one way the browser tests log in: ``log_in(page, user)`` through the Chinese login form,
    and — for carrier staff — the TOTP step with the user's device, as an authenticator app
    would. ``log_in(page, "username", password)`` (a name, not a user) does the password step
    only (wrong passwords, first-time TOTP enrolment)."""

    def _log_in(page: Any, who: Any, password: str = DEFAULT_PASSWORD) -> Any:
        username = who if isinstance(who, str) else who.username
        _password_step(page, live_server.url, username, password)
        if not isinstance(who, str) and who.is_carrier_staff:
            _totp_step(page, who)
        return page

    return _log_in


@pytest.fixture
def people(browser: Any, live_server: Any) -> Iterator[Any]:
    """``people()`` opens one more person: a fresh browser context in Chinese (JS confirm()
    dialogs accepted); every context is closed at the end."""
    pages: list[Any] = []

    def open_page() -> Any:
        page = new_person_page(browser)
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        page.context.close()


def ok(page: Any, text: str) -> None:
    """The success message of the last action is on the page (waits for it)."""
    page.get_by_role("alert").filter(has_text=text).first.wait_for()


# --- admission flow helpers (e2e/test_admission_*.py) ---------------------------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def pdf_file(directory: Path, name: str) -> Path:
    """A small valid PDF on disk, for ``set_input_files``."""
    path = directory / name
    path.write_bytes(PDF_BYTES)
    return path


def new_person_page(browser: Any) -> Any:
    """A fresh browser context (one person) in Chinese; JS confirm() dialogs are accepted.
    Close it with ``page.context.close()``."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def field(page_or_locator: Any, label: str) -> Any:
    """The form control labelled exactly ``label`` (a trailing required-marker ``*`` allowed)."""
    return page_or_locator.get_by_label(re.compile(rf"^\s*{re.escape(label)}(\s*\*)?\s*$"))


def credit_code(seq: int) -> str:
    """A valid unified social credit code (GB 32100-2015 check character)."""
    from vasops.partners import rules

    return rules.complete_credit_code(f"91420100MA4K{seq:05d}")


def seed_admission_setup(staff: Any, *, questions: bool = True) -> None:
    """Pre-conditions outside the flow: business lines, working-day calendar, resource pools,
    review indicators and (optionally) a small question bank of five business and five technical
    questions."""
    from vasops.admission.exam import actions as exam_actions
    from vasops.admission.review import actions as review_actions
    from vasops.catalog import actions
    from vasops.core import calendar

    seed_business_lines()
    calendar.seed_years([2026, 2027])
    review_actions.ensure_default_indicators()
    actions.save_resource_pool(
        actor=staff,
        kind="enterprise_code",
        name="企业代码 44 号段",
        range_start="44100001",
        range_end="44100050",
    )
    actions.save_resource_pool(
        actor=staff,
        kind="service_access_number",
        name="106 业务接入号",
        range_start="1065518800",
        range_end="1065518849",
    )
    if not questions:
        return
    bank = [
        ("single", "短信业务包月订购须经用户几次确认？", ["零次", "一次", "二次确认", "无需确认"], "C"),
        ("single", "SP 客服热线须为哪类号码？", ["手机号", "普通固话", "400/800 号码", "任意号码"], "C"),
        ("truefalse", "退订指令 TD 应立即生效。", [], "对"),
        ("multiple", "下列哪些属于增值业务类别？", ["短信", "彩信", "固话月租", "WAP"], "ABD"),
        ("truefalse", "可以向未订购用户发送包月扣费短信。", [], "错"),
    ]
    for category in ("business", "technical"):
        for qtype, text, options, answer in bank:
            exam_actions.create_question(
                actor=staff,
                category=category,
                qtype=qtype,
                text=f"（{'业务' if category == 'business' else '技术'}）{text}",
                options=options,
                answer=answer,
            )


def register_partner_in_db(seq: int, username: str, name: str, password: str) -> Any:
    """A local SP registered with every required certificate (for tests where that is not the
    step under test). Returns the partner."""
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile

    from vasops.core.models import User
    from vasops.partners import actions
    from vasops.partners import rules as partner_rules

    partner = actions.register_partner(
        name=name,
        kind="SP",
        locality="local",
        credit_code=credit_code(seq),
        legal_representative="测试法人",
        address="湖北省武汉市洪山区光谷大道 1 号",
        cs_hotline=f"4008002{seq:03d}",
        username=username,
        password=password,
        display_name=f"{name}管理员",
        email=f"{username}@partner.example",
        phone="13800000000",
    )
    user = User.objects.get(username=username)
    for kind in partner_rules.required_qualifications("SP", "local"):
        actions.upload_qualification(
            partner,
            actor=user,
            kind=kind,
            number=f"{kind[:3].upper()}-{seq:04d}",
            issuer="湖北省通信管理局",
            valid_from=dt.date(2025, 1, 1),
            valid_until=dt.date(2029, 12, 31),
            annual_inspection_date=None,
            scan=SimpleUploadedFile(f"{kind}.pdf", PDF_BYTES, content_type="application/pdf"),
        )
    return partner


def submit_application_in_db(partner: Any) -> Any:
    """A complete SMS application, submitted (the business date must be inside a window)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from vasops.admission import actions, rules
    from vasops.partners import queries

    user = queries.partner_users(partner).first()
    app = actions.create_application(
        actor=user,
        business_lines=["SMS"],
        access_method="leased_line",
        certified_om_staff=2,
        cs_hotline=partner.cs_hotline,
        call_centre_seats=2,
        call_centre_agents=8,
        connect_rate_bp=9950,
        answered_20s_bp=8600,
    )
    for kind, label in rules.MATERIALS:
        actions.upload_material(
            app,
            actor=user,
            kind=kind,
            upload=SimpleUploadedFile(f"{label}.pdf", PDF_BYTES, content_type="application/pdf"),
        )
    actions.add_product(
        app,
        actor=user,
        business_line="SMS",
        name="天气早知道",
        description="",
        fee_fen=300,
        billing_mode="monthly",
    )
    return actions.submit_application(app, actor=user)


# --- catalogue / work-order / change-request flow helpers ------------------------------------


def active_partner_in_db(
    seq: int,
    username: str,
    name: str,
    password: str,
    *,
    staff: Any,
    enterprise_code: str,
    access_number: str,
    activate: bool = True,
) -> Any:
    """A registered SP with every certificate, admitted with its codes through
    ``partners.actions.record_admission`` and (by default) activated. Returns the partner."""
    from vasops.partners import actions

    partner = register_partner_in_db(seq, username, name, password)
    partner = actions.record_admission(
        partner, actor=staff, enterprise_code=enterprise_code, service_access_number=access_number
    )
    if activate:
        partner = actions.activate_partner(partner, actor=staff)
    return partner


def live_product_in_db(
    partner: Any,
    *,
    staff: Any,
    name: str,
    fee_fen: int,
    billing_mode: str = "monthly",
    product_code: str,
) -> Any:
    """A SMS product of ``partner`` taken through the whole product-new path in the DB
    (submitted, approved with ``product_code``, configured, every test passed): 已上线."""
    from vasops.catalog import actions
    from vasops.catalog.models import BusinessLine
    from vasops.partners import queries

    user = queries.partner_users(partner).first()
    product = actions.create_product(
        actor=user,
        partner=partner,
        business_line=BusinessLine.objects.get(code="SMS"),
        name=name,
        access_number=f"{partner.service_access_number}9",
        description=f"{name}：每日推送",
        product_type="information",
        fee_fen=fee_fen,
        billing_mode=billing_mode,
        details={"order_cmd": "DY9", "cancel_cmd": "TD9"},
    )
    actions.submit_product(product, actor=user)
    actions.review_product(product, actor=staff, decision="approve", product_code=product_code)
    actions.finish_configuration(product, actor=staff)
    for case in product.test_cases.all():
        actions.record_test_result(case, actor=staff, passed=True)
    return actions.complete_testing(product, actor=staff)


def seed_business_lines() -> None:
    """The standard business lines seeded by catalog migration 0002 (a transactional test's
    flush removes them; idempotent)."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "vasops.catalog.migrations.0002_seed_business_lines_and_version_exclusion"
    )
    migration.seed(apps, None)
