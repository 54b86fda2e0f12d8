"""VAC pages: console lookup + unsubscribe on the user's behalf (permission, audit), CRM batch
files (upload, progress, exception file, idempotent re-upload), portal subscriptions /
notifications / endpoint — and partner A never sees partner B on any of them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from vasops.core import roles
from vasops.core.clock import SHANGHAI
from vasops.core.models import AuditEvent
from vasops.vac.events import VacEvent
from vasops.vac.models import CrmBatchFile, NotifyOutbox, SpEndpoint, Subscription
from vasops.vac.protocol import soap
from vasops.vac.tests.fake_sp import FakeSp
from vasops.vac.tests.test_crm_apply import batch_bytes, rec

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_2fa(settings, tmp_path):
    settings.VASOPS_STAFF_2FA = False
    settings.VASOPS_CRM_WORK = tmp_path / "crm-work"


@pytest.fixture
def staff(make_user):
    def _make(role: str):
        return make_user(role, is_staff=True)

    return _make


def login(client, user):
    client.force_login(user)
    return client


# --- console lookup ---------------------------------------------------------------------------


def test_cs_agent_looks_a_user_up_and_sees_relations_with_history(client, staff, two_sides):
    login(client, staff(roles.CS_AGENT))
    page = client.get(reverse("vac:lookup"), {"msisdn": "+8613100000001"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "13100000001" in html and two_sides["sub_a"].product.name in html
    # the history in words: the event and the states, not their codes
    assert "订购已生效" in html and "已订购" in html and "代用户退订" in html
    assert ">activated<" not in html and "→ active" not in html
    assert two_sides["sub_b"].product.name not in html


def test_the_lookup_reads_the_history_and_the_platforms_reasons_in_english(client, staff, two_sides):
    from vasops.vac import actions, labels

    sub = two_sides["sub_a"]
    actions.unsubscribe(actor="system", msisdn=sub.msisdn, product=sub.product, reason=labels.SMS_UNSUBSCRIBE)
    login(client, staff(roles.CS_AGENT))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(reverse("vac:lookup"), {"msisdn": sub.msisdn}).content.decode()
    assert "Subscription activated" in html and "Unsubscribed by SMS (TD)" in html
    assert "短信退订" not in html and "订购已生效" not in html


def test_lookup_with_a_bad_number_shows_the_error_next_to_the_field(client, staff):
    login(client, staff(roles.CS_AGENT))
    page = client.get(reverse("vac:lookup"), {"msisdn": "12345"})
    assert page.status_code == 400 and "请输入 11 位手机号码" in page.content.decode()


def test_partner_users_and_roles_without_view_cannot_use_the_lookup(client, staff, two_sides):
    login(client, two_sides["user_a"])
    assert client.get(reverse("vac:lookup"), {"msisdn": "13100000002"}).status_code == 403
    login(client, staff(roles.PRODUCT_STAFF))
    assert client.get(reverse("vac:lookup"), {"msisdn": "13100000002"}).status_code == 403


def test_staff_unsubscribe_on_the_users_behalf_is_audited_with_the_reason(client, staff, two_sides):
    agent = staff(roles.CS_AGENT)
    login(client, agent)
    sub = two_sides["sub_a"]
    resp = client.post(reverse("vac:staff_unsubscribe", args=[sub.pk]), {"reason": "用户来电要求退订"})
    assert resp.status_code == 302
    sub.refresh_from_db()
    assert sub.state == Subscription.State.UNSUBSCRIBED
    assert sub.history.last().reason == "用户来电要求退订" and sub.history.last().actor_label == str(agent)
    event = AuditEvent.objects.get(action=VacEvent.SUBSCRIPTION_CANCELLED, object_id=str(sub.pk))
    assert event.actor == agent and event.partner_id == sub.partner_id
    # the SP is told; updateDesc is the access number (VAC.md B.3), never the reason
    notice = NotifyOutbox.objects.get(subscription=sub, update_type=2)
    assert notice.update_desc == sub.product.access_number


def test_staff_unsubscribe_needs_manage_permission_and_a_reason(client, staff, two_sides):
    sub = two_sides["sub_a"]
    login(client, staff(roles.AUDITOR))  # may view, may not manage
    client.post(reverse("vac:staff_unsubscribe", args=[sub.pk]), {"reason": "试图退订"}, follow=True)
    login(client, staff(roles.CS_AGENT))
    page = client.post(reverse("vac:staff_unsubscribe", args=[sub.pk]), {"reason": ""}, follow=True)
    assert "请填写退订原因" in page.content.decode()
    sub.refresh_from_db()
    assert sub.state == Subscription.State.ACTIVE
    assert not AuditEvent.objects.filter(action=VacEvent.SUBSCRIPTION_CANCELLED).exists()
    login(client, two_sides["user_a"])  # a partner user, even for its own product
    assert client.post(reverse("vac:staff_unsubscribe", args=[sub.pk]), {"reason": "x"}).status_code == 403


# --- console CRM batch files -------------------------------------------------------------------


def _upload(client, data: bytes, name: str = "crm_0001.txt"):
    return client.post(reverse("vac:crm_upload"), {"file": SimpleUploadedFile(name, data)}, follow=True)


def test_upload_applies_a_small_file_and_shows_progress_and_the_exception_file(client, staff, monthly):
    login(client, staff(roles.OM_ENGINEER))
    data = batch_bytes([rec(1, "8613000000001", monthly), b"broken\tline"])
    page = _upload(client, data)
    batch = CrmBatchFile.objects.get()
    assert page.status_code == 200 and "成功 1 行，异常 1 行" in page.content.decode()
    assert batch.state == "done" and batch.uploaded_by is not None
    progress = client.get(reverse("vac:crm_batch_progress", args=[batch.pk])).content.decode()
    assert "100%" in progress and "hx-trigger" not in progress  # done: polling stops
    download = client.get(reverse("vac:crm_exception_file", args=[batch.pk]))
    body = b"".join(download.streaming_content)
    assert download.status_code == 200 and b"broken\tline::500" in body
    listing = client.get(reverse("vac:crm_batches")).content.decode()
    assert "crm_0001.txt" in listing and "上传批量文件" in listing
    assert AuditEvent.objects.filter(action="vac.crm_batch_received", object_id=str(batch.pk)).exists()


def test_re_uploading_the_same_file_changes_nothing(client, staff, monthly):
    login(client, staff(roles.OM_ENGINEER))
    data = batch_bytes([rec(1, "8613000000001", monthly)])
    _upload(client, data)
    page = _upload(client, data, name="renamed.txt")
    assert "不会重复处理" in page.content.decode()
    assert CrmBatchFile.objects.count() == 1 and Subscription.objects.count() == 1
    received = CrmBatchFile.objects.get().created_at.astimezone(SHANGHAI)  # Beijing time, not UTC
    assert f"该文件已于 {received:%Y-%m-%d %H:%M} 接收过" in page.content.decode()


def test_a_large_upload_waits_for_the_worker_and_the_page_polls(client, staff, monthly, settings):
    settings.VASOPS_CRM_INLINE_BYTES = 10
    login(client, staff(roles.OM_ENGINEER))
    _upload(client, batch_bytes([rec(1, "8613000000001", monthly)]))
    batch = CrmBatchFile.objects.get()
    assert batch.state == "received"
    assert "hx-trigger" in client.get(reverse("vac:crm_batch", args=[batch.pk])).content.decode()


def test_crm_pages_are_staff_only(client, staff, two_sides, monthly):
    login(client, staff(roles.OM_ENGINEER))
    _upload(client, batch_bytes([rec(1, "8613000000001", monthly)]))
    batch = CrmBatchFile.objects.get()
    login(client, staff(roles.CS_AGENT))  # may view, may not upload
    assert client.get(reverse("vac:crm_batch", args=[batch.pk])).status_code == 200
    assert client.get(reverse("vac:crm_upload")).status_code == 403
    login(client, two_sides["user_a"])
    for url in (
        reverse("vac:crm_batches"),
        reverse("vac:crm_upload"),
        reverse("vac:crm_batch", args=[batch.pk]),
        reverse("vac:crm_batch_progress", args=[batch.pk]),
        reverse("vac:crm_exception_file", args=[batch.pk]),
    ):
        assert client.get(url).status_code == 403, url


# --- portal ------------------------------------------------------------------------------------


def test_portal_subscriptions_show_only_the_partners_own(client, two_sides):
    login(client, two_sides["user_a"])
    html = client.get(reverse("vac:portal_subscriptions")).content.decode()
    assert "13100000001" in html and "13100000002" not in html


def test_portal_notifications_are_scoped_and_another_partners_is_404(client, two_sides):
    login(client, two_sides["user_a"])
    own = NotifyOutbox.objects.get(partner=two_sides["a"])
    other = NotifyOutbox.objects.get(partner=two_sides["b"])
    html = client.get(reverse("vac:portal_notifications")).content.decode()
    assert own.record_sequence_id in html and other.record_sequence_id not in html
    assert client.get(reverse("vac:portal_notification", args=[own.pk])).status_code == 200
    assert client.get(reverse("vac:portal_notification", args=[other.pk])).status_code == 404
    assert client.post(reverse("vac:resend", args=[other.pk])).status_code == 404


def test_resend_requeues_the_notification_and_is_audited(client, two_sides):
    row = NotifyOutbox.objects.get(partner=two_sides["a"])
    NotifyOutbox.objects.filter(pk=row.pk).update(state="failed", attempts=12, last_error="SP down")
    user = two_sides["user_a_plain"]
    login(client, user)
    client.post(reverse("vac:resend", args=[row.pk]))
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("pending", 0)
    event = AuditEvent.objects.get(action="vac.notification_resent")
    assert event.actor == user and event.before["attempts"] == 12 and event.partner_id == row.partner_id


def test_staff_without_a_partner_cannot_resend_without_manage(two_sides, staff):
    from vasops.core.errors import NotFound
    from vasops.vac import outbox_actions

    row = NotifyOutbox.objects.get(partner=two_sides["a"])
    with pytest.raises(NotFound):
        outbox_actions.resend_notification(actor=staff(roles.FINANCE), notification=row)
    with pytest.raises(NotFound):  # a partner user acting on another partner's row
        outbox_actions.resend_notification(actor=two_sides["user_b"], notification=row)
    assert not AuditEvent.objects.filter(action="vac.notification_resent").exists()
    outbox_actions.resend_notification(actor=staff(roles.CS_AGENT), notification=row)
    assert AuditEvent.objects.filter(action="vac.notification_resent").count() == 1


def test_partner_admin_configures_the_endpoint_and_sends_a_test_notification(client, two_sides):
    peer = FakeSp().start()
    try:
        login(client, two_sides["user_a"])
        resp = client.post(
            reverse("vac:portal_endpoint"),
            {"save": "1", "url": peer.url, "order_key": "k3y-2026", "enabled": "on"},
        )
        assert resp.status_code == 302
        endpoint = SpEndpoint.objects.get(partner=two_sides["a"])
        assert (endpoint.url, endpoint.order_key) == (peer.url, "k3y-2026")
        saved = AuditEvent.objects.get(action="vac.endpoint_saved")
        assert "k3y-2026" not in str(saved.after)  # the key is never written to the audit log
        page = client.post(reverse("vac:portal_endpoint"), {"test": "1"})
        assert "resultCode 0" in page.content.decode()
        [received] = peer.received
        assert soap.verify_encode_str(received, "k3y-2026") and received.sp_id == "91001"
        assert received.user_id == "8613000000000"
        beijing = dt.datetime.now(SHANGHAI)  # the test notification's times are Beijing time
        sent = dt.datetime.strptime(received.update_time, "%Y%m%d%H%M%S").replace(tzinfo=SHANGHAI)
        assert abs(sent - beijing) < dt.timedelta(minutes=5)
        assert AuditEvent.objects.filter(action="vac.endpoint_tested").exists()
    finally:
        peer.stop()


def test_a_refusing_sp_is_shown_and_a_bad_url_stays_in_the_form(client, two_sides):
    peer = FakeSp(result_code=9).start()
    try:
        login(client, two_sides["user_a"])
        bad = client.post(reverse("vac:portal_endpoint"), {"save": "1", "url": "ftp://x", "order_key": "abc"})
        assert bad.status_code == 400 and "abc" in bad.content.decode()
        client.post(reverse("vac:portal_endpoint"), {"save": "1", "url": peer.url, "enabled": "on"})
        page = client.post(reverse("vac:portal_endpoint"), {"test": "1"}).content.decode()
        assert "resultCode 9" in page
    finally:
        peer.stop()


def test_endpoint_is_per_partner_and_only_the_admin_edits(client, two_sides):
    SpEndpoint.objects.create(partner=two_sides["b"], url="https://b.example/notify", order_key="secret-b")
    login(client, two_sides["user_a"])
    html = client.get(reverse("vac:portal_endpoint")).content.decode()
    assert "b.example" not in html and "secret-b" not in html
    login(client, two_sides["user_a_plain"])
    assert (
        client.post(reverse("vac:portal_endpoint"), {"save": "1", "url": "https://a.example/"}).status_code
        == 403
    )
    assert not SpEndpoint.objects.filter(partner=two_sides["a"]).exists()


def test_portal_pages_need_a_partner(client, staff):
    login(client, staff(roles.CS_AGENT))
    for name in ("vac:portal_subscriptions", "vac:portal_notifications", "vac:portal_endpoint"):
        assert client.get(reverse(name)).status_code == 404, name
