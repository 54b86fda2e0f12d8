import pytest

from vasops.core.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(client, settings):
    settings.VASOPS_STAFF_2FA = False
    user = make_user("i18n-auditor", roles=["auditor"], staff=True)
    client.force_login(user)
    return user


def test_ui_is_simplified_chinese_by_default(client, auditor):
    body = client.get("/console/audit/").content.decode()
    assert "审计日志" in body and "退出" in body and "导出 Excel" in body
    assert 'lang="zh-hans"' in body


def test_english_can_be_switched_on_and_translates_the_shell(client, auditor):
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/console/audit/"})
    assert r.status_code == 302
    body = client.get("/console/audit/").content.decode()
    assert 'lang="en"' in body
    assert "Log out" in body and "Audit log" in body and "Export Excel" in body
    assert "退出" not in body


def test_switching_back_to_chinese(client, auditor):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "退出" in client.get("/console/audit/").content.decode()


def test_the_language_switch_is_remembered_as_the_users_notification_language(client, auditor):
    assert auditor.language == "zh-hans"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    auditor.refresh_from_db()
    assert auditor.language == "en"
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    auditor.refresh_from_db()
    assert auditor.language == "zh-hans"


def test_an_unsupported_language_changes_nothing(client, auditor):
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    auditor.refresh_from_db()
    assert auditor.language == "zh-hans"


def test_the_chosen_language_follows_the_user_to_a_new_login(client, auditor):
    """English chosen in one browser: logging in again elsewhere (no language cookie) shows
    English; switching back to Chinese there makes the first browser Chinese at its next login."""
    from django.conf import settings
    from django.test import Client

    from vasops.core.testing import DEFAULT_PASSWORD

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    elsewhere = Client()
    assert settings.LANGUAGE_COOKIE_NAME not in elsewhere.cookies
    response = elsewhere.post(
        "/accounts/login/", {"username": auditor.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert elsewhere.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Log out" in elsewhere.get("/console/audit/").content.decode()

    elsewhere.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    client.logout()
    client.post("/accounts/login/", {"username": auditor.username, "password": DEFAULT_PASSWORD})
    assert "退出" in client.get("/console/audit/").content.decode()


def test_a_user_who_never_chose_keeps_the_browsers_language_at_login(client, settings):
    settings.VASOPS_STAFF_2FA = False
    from vasops.core.testing import DEFAULT_PASSWORD

    user = make_user("i18n-never-chose", roles=["auditor"], staff=True)
    response = client.post(
        "/accounts/login/",
        {"username": user.username, "password": DEFAULT_PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert "Log out" in client.get("/console/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.parametrize(
    ("saved", "cookie", "sets"),
    [
        ("en", None, True),  # chose English elsewhere, a new browser
        ("zh-hans", None, False),  # never chose (or chose the default): the browser decides
        ("zh-hans", "en", True),  # switched back to Chinese elsewhere; this browser still says en
        ("en", "en", False),  # this browser already agrees
    ],
)
def test_login_language_rule(saved, cookie, sets):
    from vasops.core.rules import login_language

    assert login_language(saved, cookie, "zh-hans") is sets
