"""In the browser: the Chinese login page, and a staff user enrolling TOTP on first login."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import screenshot
from vasops.core import roles
from vasops.core.testing import DEFAULT_PASSWORD, make_user, totp_from_secret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_in_chinese_screenshot(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", name="登录 vasops 增值业务运营平台")).to_be_visible()
    expect(page.get_by_label("用户名")).to_be_visible()
    path = screenshot(page, "login-zh")
    assert path.exists() and path.stat().st_size > 5_000


def test_wrong_password_shows_the_message_in_the_page(page, live_server, log_in):
    make_user("sp_browser")
    log_in(page, "sp_browser", "wrong-password")
    expect(page.get_by_role("alert").filter(has_text="请输入一个正确的")).to_be_visible()


def test_staff_enrols_totp_in_the_browser_and_reaches_the_console(page, live_server, log_in):
    make_user("head_browser", staff=True, roles=[roles.DEPARTMENT_HEAD], display_name="王主任")
    log_in(page, "head_browser", DEFAULT_PASSWORD)
    page.wait_for_url(re.compile(r"/accounts/2fa/"))
    expect(page.get_by_role("heading", name="两步验证")).to_be_visible()
    expect(page.locator("svg").first).to_be_visible()  # QR code
    secret = page.get_by_test_id("otp-secret").inner_text().strip()
    page.get_by_label("动态验证码").fill(totp_from_secret(secret))
    page.get_by_role("button", name="验证").click()
    page.wait_for_url(re.compile(r"/console/"))
    assert "王主任" in page.locator("nav.navbar").inner_text()
    expect(page.get_by_role("link", name="审计日志")).to_be_visible()
    screenshot(page, "console-home-after-2fa")


def test_enrolled_staff_logs_in_with_the_helper(page, live_server, log_in):
    user = make_user("om_browser", staff=True, roles=[roles.AUDITOR])
    from vasops.core.testing import confirmed_device

    confirmed_device(user)
    log_in(page, user)
    page.goto(f"{live_server.url}/console/audit/")
    expect(page.get_by_role("heading", name="审计日志")).to_be_visible()
    expect(page.get_by_text("共 0 条")).to_be_visible()
