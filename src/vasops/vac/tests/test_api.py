"""VAC API routes: staff lookup by MSISDN, partner sees only its own subscriptions and
notifications (another partner's is a 404), resend (audited), CRM batch files for staff only."""

from __future__ import annotations

import io

import pytest

from vasops.api.models import ApiToken
from vasops.core import roles
from vasops.core.models import AuditEvent
from vasops.vac import crm
from vasops.vac.models import NotifyOutbox
from vasops.vac.tests.test_crm_apply import batch_bytes, rec

pytestmark = pytest.mark.django_db
BASE = "/api/v1/vac"


@pytest.fixture(autouse=True)
def _work(settings, tmp_path):
    settings.VASOPS_CRM_WORK = tmp_path / "crm-work"


def bearer(user) -> dict[str, str]:
    _token, secret = ApiToken.issue(user)
    return {"Authorization": f"Bearer {secret}"}


def test_staff_look_a_user_up_by_msisdn_with_history(client, make_user, two_sides):
    h = bearer(make_user(roles.CS_AGENT, is_staff=True))
    resp = client.get(f"{BASE}/subscriptions", {"msisdn": "8613100000001"}, headers=h)
    assert resp.status_code == 200 and resp["X-Total-Count"] == "1"
    [row] = resp.json()
    assert row["msisdn"] == "13100000001" and row["state"] == "active" and row["channel"] == "crm"
    detail = client.get(f"{BASE}/subscriptions/{row['id']}", headers=h).json()
    assert [e["event"] for e in detail["history"]] == ["requested", "activated"]
    missing = client.get(f"{BASE}/subscriptions", headers=h)
    assert missing.status_code == 400 and missing.json()["code"] == "vac.msisdn_required"


def test_roles_without_view_are_refused(client, make_user, two_sides):
    h = bearer(make_user(roles.PRODUCT_STAFF, is_staff=True))
    assert client.get(f"{BASE}/subscriptions", {"msisdn": "13100000001"}, headers=h).status_code == 403
    assert client.get(f"{BASE}/crm-batches", headers=h).status_code == 403


def test_a_partner_sees_only_its_own_subscriptions(client, two_sides):
    h = bearer(two_sides["user_a"])
    rows = client.get(f"{BASE}/subscriptions", headers=h).json()
    assert [r["msisdn"] for r in rows] == ["13100000001"]
    assert client.get(f"{BASE}/subscriptions", {"msisdn": "13100000002"}, headers=h).json() == []
    other = two_sides["sub_b"].pk
    assert client.get(f"{BASE}/subscriptions/{other}", headers=h).status_code == 404


def test_a_partner_sees_and_resends_only_its_own_notifications(client, two_sides):
    h = bearer(two_sides["user_a"])
    own = NotifyOutbox.objects.get(partner=two_sides["a"])
    other = NotifyOutbox.objects.get(partner=two_sides["b"])
    rows = client.get(f"{BASE}/notifications", headers=h).json()
    assert [r["id"] for r in rows] == [own.pk]
    assert client.get(f"{BASE}/notifications/{other.pk}", headers=h).status_code == 404
    assert client.post(f"{BASE}/notifications/{other.pk}/resend", headers=h).status_code == 404
    NotifyOutbox.objects.filter(pk=own.pk).update(state="failed", attempts=12)
    resp = client.post(f"{BASE}/notifications/{own.pk}/resend", headers=h)
    assert resp.status_code == 200 and resp.json()["state"] == "pending" and resp.json()["attempts"] == 0
    event = AuditEvent.objects.get(action="vac.notification_resent")
    assert event.actor == two_sides["user_a"] and event.object_id == str(own.pk)


def test_crm_batch_files_are_for_staff(client, make_user, two_sides, monthly):
    batch, _ = crm.ingest(io.BytesIO(batch_bytes([rec(1, "8613000000001", monthly), b"x"])), name="f.txt")
    crm.apply(batch)
    h = bearer(make_user(roles.OM_ENGINEER, is_staff=True))
    [row] = client.get(f"{BASE}/crm-batches", headers=h).json()
    assert (row["state"], row["lines_applied"], row["lines_failed"], row["progress_percent"]) == (
        "done",
        1,
        1,
        100,
    )
    assert row["exception_file"].endswith(f"/crm/{batch.pk}/exceptions/")
    assert client.get(f"{BASE}/crm-batches/{batch.pk}", headers=h).status_code == 200
    hp = bearer(two_sides["user_a"])
    assert client.get(f"{BASE}/crm-batches", headers=hp).status_code == 403
    assert client.get(f"{BASE}/crm-batches/{batch.pk}", headers=hp).status_code == 404
