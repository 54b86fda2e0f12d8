"""Helpers for tests (unit, view and browser tests): the user factories (people with roles,
carrier staff) and a verified staff second factor, computed the way an authenticator app would.

Factories of the other apps build on these: ``partners.tests.factories`` (partners, partner
users, qualifications), ``catalog.tests.factories`` (products), ``admission.tests.factories``
(applications) — each app's tests import the factories of the apps below them, never above."""

from __future__ import annotations

import base64
from typing import Any

import factory
from django.contrib.auth.models import Group
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from vasops.core.models import User

DEFAULT_PASSWORD = "Vasops-test-2026!"


class UserFactory(factory.django.DjangoModelFactory):
    """A person with a password (``DEFAULT_PASSWORD``) in the given role groups:
    ``UserFactory(roles=[roles.AUDITOR])``. Groups exist after migrate (``core.roles``)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def roles(user: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        for role in extracted or ():
            user.groups.add(Group.objects.get(name=role))


class StaffFactory(UserFactory):
    """Carrier staff (``is_staff``: the console, the second factor): ``StaffFactory(roles=[...])``."""

    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True


def make_user(
    username: str,
    *,
    roles: tuple[str, ...] | list[str] = (),
    staff: bool = False,
    password: str = DEFAULT_PASSWORD,
    **extra: Any,
) -> User:
    """A user in the given role groups (``UserFactory`` / ``StaffFactory`` by name)."""
    factory_class = StaffFactory if staff else UserFactory
    user: Any = factory_class(username=username, roles=list(roles), password=password, **extra)
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
