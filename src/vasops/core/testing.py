"""Helpers for tests (unit, view and browser tests): users with roles and a verified
staff second factor, computed the way an authenticator app would."""

from __future__ import annotations

import base64
from typing import Any

from django.contrib.auth.models import Group
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from vasops.core.models import User

DEFAULT_PASSWORD = "Vasops-test-2026!"


def make_user(
    username: str,
    *,
    roles: tuple[str, ...] | list[str] = (),
    staff: bool = False,
    password: str = DEFAULT_PASSWORD,
    **extra: Any,
) -> User:
    """A user in the given role groups (groups are created after migrate)."""
    extra.setdefault("email", f"{username}@example.com")
    user = User.objects.create_user(username=username, password=password, is_staff=staff, **extra)
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    return user


def totp_now(device: TOTPDevice) -> str:
    """The code an authenticator app shows now for ``device``."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def totp_from_secret(secret: str, *, step: int = 30, digits: int = 6) -> str:
    """The code for a base32 secret as shown on the enrolment page (padding restored)."""
    raw = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(raw, step=step, digits=digits):0{digits}d}"


def confirmed_device(user: Any) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    return device


def verify_client(client: Any, user: Any) -> None:
    """Log ``client`` in as ``user`` and complete the staff second factor through the page."""
    client.force_login(user)
    device = confirmed_device(user)
    # Tests may verify the same user twice inside one 30-second step: allow the code again.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    device.refresh_from_db()
    response = client.post("/accounts/2fa/", {"token": totp_now(device)})
    if response.status_code != 302:
        raise AssertionError(f"two-factor verification failed: {response.status_code}")
