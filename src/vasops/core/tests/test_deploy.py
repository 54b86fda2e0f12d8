"""Production settings pass Django's deployment checks, and send HSTS, the SSL redirect and the
Content-Security-Policy."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]


def _production_env(tmp_path, **extra):
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT / "src"),
        "SECRET_KEY": secrets.token_urlsafe(60),
        "VASOPS_BEHIND_TLS_PROXY": "1",
        "ALLOWED_HOSTS": "vasops.example.cn",
        "VASOPS_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **extra,
    }


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_behind_the_tls_proxy_http_is_redirected_and_https_gets_hsts(tmp_path):
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='vasops.settings'; django.setup();"
        "from django.test import Client; c = Client();"
        "r = c.get('/accounts/login/', HTTP_HOST='vasops.example.cn');"
        "print(r.status_code, r['Location']);"
        "r = c.get('/accounts/login/', HTTP_HOST='vasops.example.cn', HTTP_X_FORWARDED_PROTO='https');"
        "print(r.status_code, r['Strict-Transport-Security']);"
        "print(r['Content-Security-Policy'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    redirect, hsts, csp = result.stdout.splitlines()[-3:]
    assert redirect == "301 https://vasops.example.cn/accounts/login/"
    assert hsts.startswith("200 max-age=31536000") and "includeSubDomains" in hsts
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]


def test_every_response_carries_the_csp_and_a_request_id(client):
    response = client.get("/accounts/login/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert len(response["X-Request-ID"]) >= 8
