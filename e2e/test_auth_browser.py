"""In the browser: the Chinese login page, and a staff user enrolling TOTP on first login."""

from __future__ import annotations

import re

import pytest

from e2e.conftest import login, login_staff, screenshot
from vasops.core import roles
from vasops.core.testing import DEFAULT_PASSWORD, make_user, totp_from_secret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_in_chinese_screenshot(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.get_by_role("heading", name="登录 vasops 增值业务运营平台").is_visible()
    assert page.get_by_label("用户名").is_visible()
    path = screenshot(page, "login-zh")
    assert path.exists() and path.stat().st_size > 5_000


def test_wrong_password_shows_the_message_in_the_page(page, live_server):
    make_user("sp_browser")
    login(page, live_server, "sp_browser", "wrong-password")
    assert page.get_by_role("alert").filter(has_text="请输入一个正确的").is_visible()


def test_staff_enrols_totp_in_the_browser_and_reaches_the_console(page, live_server):
    make_user("head_browser", staff=True, roles=[roles.DEPARTMENT_HEAD], display_name="王主任")
    login(page, live_server, "head_browser", DEFAULT_PASSWORD)
    page.wait_for_url(re.compile(r"/accounts/2fa/"))
    assert page.get_by_role("heading", name="两步验证").is_visible()
    assert page.locator("svg").first.is_visible()  # QR code
    secret = page.get_by_test_id("otp-secret").inner_text().strip()
    page.get_by_label("动态验证码").fill(totp_from_secret(secret))
    page.get_by_role("button", name="验证").click()
    page.wait_for_url(re.compile(r"/console/"))
    assert "王主任" in page.locator("nav.navbar").inner_text()
    assert page.get_by_role("link", name="审计日志").is_visible()
    screenshot(page, "console-home-after-2fa")


def test_enrolled_staff_logs_in_with_the_helper(page, live_server):
    user = make_user("om_browser", staff=True, roles=[roles.AUDITOR])
    from vasops.core.testing import confirmed_device

    confirmed_device(user)
    login_staff(page, live_server, user, DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/console/audit/")
    assert page.get_by_role("heading", name="审计日志").is_visible()
    assert page.get_by_text("共 0 条").is_visible()
