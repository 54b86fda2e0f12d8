"""Shared pytest fixtures for the whole suite."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API + live_server


@pytest.fixture(autouse=True)
def _settings_for_tests(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.VASOPS_CDR_DIR = tmp_path / "cdr"  # CDR Parquet a test exports stays in its tmp dir
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from vasops.core import calendar

    calendar.invalidate()
    yield
    calendar.invalidate()


@pytest.fixture
def freeze():
    """freeze("2026-01-05") sets the business date for the rest of the test."""
    from vasops.core import clock

    stack = []

    def _freeze(day):
        cm = clock.frozen(day)
        cm.__enter__()
        stack.append(cm)

    yield _freeze
    while stack:
        stack.pop().__exit__(None, None, None)
