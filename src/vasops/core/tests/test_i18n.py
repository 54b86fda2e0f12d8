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
