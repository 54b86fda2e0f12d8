"""Role groups exist after migrate with the permissions every app lists for them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from vasops.core import roles
from vasops.core.testing import make_user

pytestmark = pytest.mark.django_db


def _perms(group_name):
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=group_name).permissions.select_related("content_type")
    }


def test_every_role_group_exists_after_migrate():
    assert set(roles.ROLE_LABELS) <= set(Group.objects.values_list("name", flat=True))


@pytest.mark.parametrize(("role", "perms"), sorted(roles.CORE_ROLE_PERMISSIONS.items()))
def test_core_permissions_of_each_role(role, perms):
    assert set(perms) <= _perms(role)


def test_auditor_cannot_manage_the_calendar():
    assert "core.manage_calendar" not in _perms(roles.AUDITOR)
    assert _perms(roles.PARTNER_USER) & {"core.view_audit", "core.manage_calendar"} == set()


def test_every_app_permission_that_exists_is_in_its_role_group():
    """Apps installed after core get their permissions too (post_migrate ordering)."""
    existing = {
        f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")
    }
    for role, perms in roles.collect_role_permissions().items():
        assert perms & existing <= _perms(role), role


def test_sync_is_idempotent_and_repairs_a_tampered_group():
    group = Group.objects.get(name=roles.AUDITOR)
    group.permissions.clear()
    roles.sync_role_groups()
    roles.sync_role_groups()
    assert set(roles.CORE_ROLE_PERMISSIONS[roles.AUDITOR]) <= _perms(roles.AUDITOR)


def test_roles_of_and_has_role():
    user = make_user("fin", roles=[roles.FINANCE, roles.AUDITOR])
    assert sorted(roles.roles_of(user)) == ["auditor", "finance"]
    assert roles.has_role(user, roles.FINANCE)
    assert not roles.has_role(user, roles.PRODUCT_STAFF)
    assert user.has_perm("core.view_audit")
