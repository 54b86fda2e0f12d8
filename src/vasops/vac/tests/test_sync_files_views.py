"""Order-relation sync files on the console and the partner portal: who sees and downloads what."""

from __future__ import annotations

import pytest
from django.urls import reverse

from vasops.core import roles
from vasops.vac import syncfiles
from vasops.vac.models import NotifyOutbox, SyncFile
from vasops.vac.rules import SHANGHAI

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.VASOPS_STAFF_2FA = False
    settings.VASOPS_VAC_SYNC_ROOT = tmp_path / "sync"


@pytest.fixture
def files(two_sides):
    """One incremental file for each of partners A and B; B's file was refused by the SP."""
    created = NotifyOutbox.objects.filter(partner=two_sides["a"]).get().created_at
    generated = syncfiles.generate_day(created.astimezone(SHANGHAI).date())
    a = next(f for f in generated if f.partner_id == two_sides["a"].pk)
    b = next(f for f in generated if f.partner_id == two_sides["b"].pk)
    SyncFile.objects.filter(pk=b.pk).update(state="refused", error_code="160")
    return {"a": a, "b": b}


def test_staff_list_all_files_and_filter_by_sp_kind_and_state(client, make_user, two_sides, files):
    client.force_login(make_user(roles.CS_AGENT, is_staff=True))
    url = reverse("vac:sync_files")
    html = client.get(url).content.decode()
    assert files["a"].name in html and files["b"].name in html
    html = client.get(url, {"partner": two_sides["b"].pk}).content.decode()
    assert files["b"].name in html and files["a"].name not in html
    html = client.get(url, {"state": "refused"}).content.decode()
    assert files["b"].name in html and "160" in html and files["a"].name not in html
    assert files["a"].name not in client.get(url, {"kind": "all"}).content.decode()


def test_staff_download_is_the_file_as_written(client, make_user, files):
    client.force_login(make_user(roles.AUDITOR, is_staff=True))
    response = client.get(reverse("vac:sync_file_download", args=[files["b"].pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == (syncfiles.file_path(files["b"])).read_bytes()
    assert files["b"].name in response["Content-Disposition"]


def test_partner_sees_and_downloads_only_its_own_files(client, two_sides, files):
    client.force_login(two_sides["user_a_plain"])
    html = client.get(reverse("vac:portal_sync_files")).content.decode()
    assert files["a"].name in html and files["b"].name not in html
    own = client.get(reverse("vac:portal_sync_file_download", args=[files["a"].pk]))
    assert own.status_code == 200 and b"".join(own.streaming_content)[:4] == b"0001"
    for name in ("vac:portal_sync_file_download", "vac:sync_file_download"):
        assert client.get(reverse(name, args=[files["b"].pk])).status_code == 404
    assert client.get(reverse("vac:sync_files")).status_code == 403


def test_roles_without_vac_view_and_anonymous_users_get_nothing(client, make_user, files):
    assert client.get(reverse("vac:sync_files")).status_code == 302  # to the login page
    client.force_login(make_user(roles.PARTNER_USER))  # no partner membership, no VAC permission
    assert client.get(reverse("vac:sync_files")).status_code == 403
    assert client.get(reverse("vac:sync_file_download", args=[files["a"].pk])).status_code == 404
    assert client.get(reverse("vac:portal_sync_files")).status_code == 404


def test_a_file_gone_from_disk_is_404_not_500(client, make_user, files):
    syncfiles.file_path(files["a"]).unlink()
    client.force_login(make_user(roles.CS_AGENT, is_staff=True))
    assert client.get(reverse("vac:sync_file_download", args=[files["a"].pk])).status_code == 404
