"""Notifications: inbox rows now, email only after the transaction commits."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from vasops.core import notify
from vasops.core.models import Notification
from vasops.core.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return make_user("alice", display_name="Alice")


def test_send_creates_inbox_rows_and_emails_after_commit(
    alice, partner_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        rows = notify.send(
            [alice, partner_user, alice], subject="初审通过", body="请参加考核。", url="/portal/"
        )
        assert len(rows) == 2
        assert Notification.objects.filter(subject="初审通过").count() == 2
        assert mail.outbox == []
    assert mail.outbox == []  # nothing before the commit callbacks run
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "sp_user@example.com"]
    assert mail.outbox[0].subject == "[vasops] 初审通过"
    assert "请参加考核。" in mail.outbox[0].body
    assert Notification.objects.filter(emailed=True).count() == 2


def test_rolled_back_transaction_sends_no_email_and_leaves_no_row(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify.send([alice], subject="不会发生")
            raise RuntimeError("action failed")
    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.filter(subject="不会发生").exists()


def test_recipient_without_email_gets_the_inbox_row_only(django_capture_on_commit_callbacks):
    user = make_user("noemail", email="")
    with django_capture_on_commit_callbacks(execute=True):
        notify.send([user], subject="仅站内")
    assert mail.outbox == []
    assert Notification.objects.get(recipient=user).subject == "仅站内"


def test_email_failure_keeps_the_inbox_row(alice, django_capture_on_commit_callbacks, monkeypatch):
    def boom(*args, **kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr(notify, "send_mail", boom)
    with django_capture_on_commit_callbacks(execute=True):
        notify.send([alice], subject="邮件失败")
    note = Notification.objects.get(recipient=alice)
    assert note.emailed is False


def test_inbox_lists_own_notifications_and_mark_all_read(client, alice, partner_user):
    notify.send([alice], subject="准入申请已受理", body="编号 ZR2026")
    notify.send([partner_user], subject="别人的消息")
    client.force_login(alice)
    response = client.get("/inbox/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "准入申请已受理" in html
    assert "别人的消息" not in html
    assert 'data-testid="unread">1<' in html
    assert notify.unread_count(alice) == 1
    response = client.post("/inbox/")
    assert response.status_code == 302
    assert notify.unread_count(alice) == 0
    assert notify.unread_count(partner_user) == 1
    assert 'data-testid="unread"' not in client.get("/inbox/").content.decode()


def test_opening_a_notification_marks_it_read_and_follows_its_url(client, alice):
    (note,) = notify.send([alice], subject="去看看", url="/inbox/?x=1")
    client.force_login(alice)
    response = client.get(f"/inbox/{note.pk}/")
    assert response.status_code == 302
    assert response["Location"] == "/inbox/?x=1"
    note.refresh_from_db()
    assert note.read_at is not None


def test_another_users_notification_is_404(client, alice, partner_user):
    (note,) = notify.send([partner_user], subject="私信")
    client.force_login(alice)
    assert client.get(f"/inbox/{note.pk}/").status_code == 404


def test_empty_inbox_says_what_will_appear(client, alice):
    client.force_login(alice)
    assert "暂无消息" in client.get("/inbox/").content.decode()


def test_each_recipient_reads_a_lazy_notification_in_their_own_language(
    alice, partner_user, django_capture_on_commit_callbacks
):
    """The same notification: an English-preferring recipient gets the English subject, body and
    e-mail, a Chinese one the Chinese; a typed reason stays as it was typed."""
    from django.utils.translation import gettext_lazy, gettext_noop

    partner_user.language = "en"
    partner_user.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        notify.send(
            [alice, partner_user],
            subject=notify.text(gettext_noop("产品“%(product_name)s”已上线"), product_name="天气快讯"),
            body=notify.joined([gettext_lazy("请先登录。"), "用户原话"]),
        )
    zh = Notification.objects.get(recipient=alice)
    en = Notification.objects.get(recipient=partner_user)
    assert (zh.subject, zh.body) == ("产品“天气快讯”已上线", "请先登录。\n用户原话")
    assert (en.subject, en.body) == ("Product “天气快讯” is live", "Please log in first.\n用户原话")
    english_mail = next(m for m in mail.outbox if m.to == [partner_user.email])
    assert english_mail.subject == "[vasops] Product “天气快讯” is live"
    assert next(m for m in mail.outbox if m.to == [alice.email]).subject == "[vasops] 产品“天气快讯”已上线"


def test_an_unknown_language_falls_back_to_chinese(alice):
    alice.language = "xx"
    assert notify.language_of(alice) == "zh-hans"
