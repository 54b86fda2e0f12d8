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
    # CDR export and reconciliation detail files (seed_demo writes them) stay out of var/
    settings.VASOPS_CDR_DIR = tmp_path / "cdr"
    settings.VASOPS_RECONCILIATION_DIR = tmp_path / "reconciliation"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.utils import translation

    from vasops.core import calendar

    calendar.invalidate()
    # every test starts in the default language: LocaleMiddleware activates a request's language
    # for the thread and nothing deactivates it, so an English request would leak into the next
    # test's direct calls (refusals are translated where they are raised)
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
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
