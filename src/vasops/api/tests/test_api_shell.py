"""The API shell: OpenAPI document, docs page, auth (session with 2FA, bearer tokens), error shape."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from vasops.api.models import ApiToken
from vasops.core.models import AuditEvent
from vasops.core.testing import verify_client

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


def _bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_openapi_document_is_valid_json_with_title(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = json.loads(response.content)
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] == "vasops API"
    assert "/api/v1/me" in doc["paths"]
    schemes = doc["components"]["securitySchemes"]
    assert {"BearerToken", "StaffVerifiedSession"} <= set(schemes)


def test_docs_page_loads(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert "openapi.json" in response.content.decode()


def test_unauthenticated_request_gets_401_in_the_error_shape(client):
    response = client.get(ME)
    assert response.status_code == 401
    body = response.json()
    assert set(body) >= {"code", "reason", "message", "status"}
    assert body["code"] == "core.unauthenticated"
    assert body["status"] == "401"
    assert body["reason"] == "unauthenticated"
    assert "Bearer" in body["message"]


def test_partner_session_authenticates(client, partner_user):
    client.force_login(partner_user)
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json() == {
        "username": "sp",
        "display_name": "",
        "is_staff": False,
        "roles": ["partner_user"],
        "partner_id": None,
    }


def test_unverified_staff_session_is_refused(client, staff):
    client.force_login(staff)
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "core.unauthenticated"


def test_verified_staff_session_is_accepted(client, staff):
    verify_client(client, staff)
    assert client.get(ME).json()["username"] == "ops"


def test_bearer_token_works_for_staff_without_a_session(client, staff):
    _, secret = ApiToken.issue(staff, "crm")
    response = client.get(ME, headers=_bearer(secret))
    assert response.status_code == 200
    assert response.json()["roles"] == ["om_engineer"]
    token = ApiToken.objects.get(user=staff)
    assert token.last_used_at is not None
    assert token.digest != secret and secret.startswith(token.prefix)


def test_create_api_token_command_prints_a_working_token(client, staff):
    out = io.StringIO()
    call_command("create_api_token", "ops", "--name", "批量同步", stdout=out)
    secret = out.getvalue().strip()
    assert secret.startswith("vo_")
    assert ApiToken.objects.get(user=staff).name == "批量同步"
    assert client.get(ME, headers=_bearer(secret)).json()["username"] == "ops"
    issued = AuditEvent.objects.get(action="api.token_issued")
    assert issued.actor_label == "manage.py create_api_token" and issued.after["user"] == "ops"
    assert secret not in str(issued.after)  # only the prefix is kept


def test_create_api_token_for_unknown_user_fails():
    with pytest.raises(CommandError, match="no user named"):
        call_command("create_api_token", "ghost", stdout=io.StringIO())


def test_revoked_token_is_refused(client, staff):
    token, secret = ApiToken.issue(staff)
    token.revoked_at = timezone.now()
    token.save()
    response = client.get(ME, headers=_bearer(secret))
    assert response.status_code == 401
    assert response.json()["code"] == "core.unauthenticated"


def test_token_of_inactive_user_is_refused(client, staff):
    _, secret = ApiToken.issue(staff)
    staff.is_active = False
    staff.save()
    assert client.get(ME, headers=_bearer(secret)).status_code == 401


def test_garbage_token_is_refused(client):
    assert client.get(ME, headers=_bearer("vo_not-a-token")).status_code == 401


def test_unknown_api_path_is_404(client, staff):
    _, secret = ApiToken.issue(staff)
    assert client.get("/api/v1/no-such-thing", headers=_bearer(secret)).status_code == 404


def test_domain_error_is_mapped_to_its_status_and_shape(rf):
    from vasops.api.urls import on_domain_error
    from vasops.core.errors import DomainError, NotFound

    exc = DomainError(
        "admission.window_closed", "受理窗口已关闭。", status=409, clause="第二章", field="month"
    )
    response = on_domain_error(rf.get("/api/v1/x"), exc)
    assert response.status_code == 409
    assert json.loads(response.content) == {
        "code": "admission.window_closed",
        "reason": "window closed",
        "message": "受理窗口已关闭。（依据：第二章）",
        "status": "409",
        "request_id": None,  # set by the middleware in a real request
        "field": "month",
    }
    assert on_domain_error(rf.get("/"), NotFound()).status_code == 404
