"""Login (Chinese page, wrong password, django-axes lockout) and the staff second factor."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from vasops.core.testing import make_user, totp_from_secret, totp_now

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TWO_FA = "/accounts/2fa/"


def _login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_page_is_in_chinese(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "登录 vasops 增值业务运营平台" in html
    assert "用户名" in html and "密码" in html
    assert '<html lang="zh-hans">' in html


def test_wrong_password_is_refused_with_a_chinese_message(client, partner_user):
    response = _login(client, "sp_user", "not-the-password")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="alert alert-danger"' in html
    assert "请输入一个正确的" in html and "区分大小写" in html
    assert "_auth_user_id" not in client.session


def test_right_password_logs_in(client, partner_user, password):
    response = _login(client, "sp_user", password)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(partner_user.pk)


def test_five_failures_lock_the_username_even_for_the_right_password(client, partner_user, password):
    for _ in range(4):
        assert _login(client, "sp_user", "wrong").status_code == 200
    assert _login(client, "sp_user", "wrong").status_code == 429  # the 5th failure locks
    response = _login(client, "sp_user", password)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_of_one_username_does_not_lock_another(client, partner_user, password):
    make_user("other_sp")
    for _ in range(6):
        _login(client, "sp_user", "wrong")
    response = _login(client, "other_sp", password)
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_four_failures_then_the_right_password_still_logs_in(client, partner_user, password):
    for _ in range(4):
        _login(client, "sp_user", "wrong")
    assert _login(client, "sp_user", password).status_code == 302


# ---- staff second factor --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/console/", "/inbox/", "/console/audit/", "/console/calendar/"])
def test_staff_after_password_login_is_sent_to_two_factor_on_every_console_page(
    client, staff, password, path
):
    assert _login(client, "head", password).status_code == 302
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(TWO_FA)


def test_first_two_factor_page_enrols_with_qr_code_and_secret(client, staff, password):
    _login(client, "head", password)
    response = client.get(TWO_FA)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html
    assert 'data-testid="otp-secret"' in html
    device = TOTPDevice.objects.get(user=staff)
    assert device.confirmed is False
    assert response.context["secret"].rstrip("=")
    assert totp_from_secret(response.context["secret"]) == totp_now(device)


def test_wrong_code_is_refused_inline(client, staff, password):
    _login(client, "head", password)
    client.get(TWO_FA)
    device = TOTPDevice.objects.get(user=staff)
    wrong = f"{(int(totp_now(device)) + 1) % 1_000_000:06d}"
    response = client.post(TWO_FA, {"token": wrong})
    assert response.status_code == 200
    assert "验证码不正确或已过期" in response.content.decode()
    assert client.get("/console/").status_code == 302
    device.refresh_from_db()
    assert device.confirmed is False


def test_wrong_code_is_refused_in_the_readers_language(client, staff, password):
    staff.language = "en"
    staff.save(update_fields=["language"])
    _login(client, "head", password)
    client.get(TWO_FA)
    device = TOTPDevice.objects.get(user=staff)
    wrong = f"{(int(totp_now(device)) + 1) % 1_000_000:06d}"
    html = client.post(TWO_FA, {"token": wrong}).content.decode()
    assert "The code is wrong or has expired" in html
    assert "验证码不正确" not in html


def test_right_code_confirms_the_device_and_opens_the_console(client, staff, password):
    _login(client, "head", password)
    client.get("/console/")
    response = client.get(TWO_FA)
    code = totp_from_secret(response.context["secret"])
    response = client.post(TWO_FA + "?next=/console/", {"token": code})
    assert response.status_code == 302
    assert response["Location"] == "/console/"
    assert TOTPDevice.objects.get(user=staff).confirmed is True
    assert client.get("/console/").status_code == 200
    from vasops.core.models import AuditEvent

    assert AuditEvent.objects.filter(action="core.totp_enrolled", actor=staff).count() == 1


def test_enrolled_staff_is_asked_for_a_code_without_a_new_secret(client, staff, password):
    TOTPDevice.objects.create(user=staff, name="default", confirmed=True)
    _login(client, "head", password)
    response = client.get(TWO_FA)
    assert response.context["enrolling"] is False
    assert "otp-secret" not in response.content.decode()


def test_two_factor_next_refuses_an_outside_url(client, staff, password):
    device = TOTPDevice.objects.create(user=staff, name="default", confirmed=True)
    _login(client, "head", password)
    response = client.post(TWO_FA + "?next=https://evil.example.com/", {"token": totp_now(device)})
    assert response.status_code == 302
    assert "evil" not in response["Location"]


def test_middleware_keeps_the_page_the_staff_wanted(client, staff, password):
    _login(client, "head", password)
    response = client.get("/console/audit/?q=x")
    assert response["Location"] == TWO_FA + "?next=%2Fconsole%2Faudit%2F%3Fq%3Dx"


def test_partner_user_is_not_asked_for_two_factor(client, partner_user, password):
    _login(client, "sp_user", password)
    response = client.get("/inbox/")
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=partner_user).exists()


def test_a_partner_user_cannot_reach_the_staff_totp_enrolment(client, db):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from vasops.core import roles as core_roles
    from vasops.core.testing import make_user

    partner_user = make_user("totp_partner", roles=[core_roles.PARTNER_USER])
    client.force_login(partner_user)
    response = client.get("/accounts/2fa/")
    assert response.status_code == 302 and "/accounts/2fa/" not in response["Location"]
    assert client.post("/accounts/2fa/", {"token": "123456"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=partner_user).exists()
