"""The VAC's vocabulary: one error registry (vac.*), one event registry (vac.<object>_<past
participle>, Chinese labels), and the data migration that renamed the audit rows written before."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps

from vasops.core import vocabulary
from vasops.core.models import AuditEvent
from vasops.vac.errors import VacError, VacRefused
from vasops.vac.events import VacEvent
from vasops.vac.protocol.codes import ResultCode

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_vac_event_is_registered_with_a_chinese_label_and_the_grammar_of_the_vocabulary():
    assert VacEvent in vocabulary.event_enums()
    for event in VacEvent:
        assert re.fullmatch(r"vac\.[a-z]+(_[a-z]+)*_[a-z]+(ed|sent)", event.value), event.value
        assert HAN.search(str(event.label)), event
        assert vocabulary.event_label(event.value) == str(event.label)


def test_every_vac_error_is_registered_and_a_refusal_carries_its_result_code():
    assert VacError in vocabulary.error_enums()
    assert all(code.value.startswith("vac.") and vocabulary.is_error_code(code.value) for code in VacError)
    refusal = VacRefused(ResultCode.NOT_SUBSCRIBED)
    assert vocabulary.is_error_code(refusal.code)
    assert (refusal.as_dict()["code"], refusal.as_dict()["result_code"], refusal.status) == (
        "vac.refused",
        1201,
        409,
    )


@pytest.mark.django_db
def test_the_data_migration_renames_the_audit_rows_written_before_the_vocabulary():
    migration = importlib.import_module("vasops.vac.migrations.0009_audit_event_names")
    for old in migration.RENAMED:
        AuditEvent.objects.create(
            action=old, actor_label="crm", object_type="vac.subscription", object_id="1"
        )
    AuditEvent.objects.create(
        action="vac.user_blocked", actor_label="crm", object_type="vac.userblock", object_id="1"
    )
    migration.forwards(apps, None)
    names = set(AuditEvent.objects.values_list("action", flat=True))
    assert names == {
        VacEvent.SUBSCRIPTION_CREATED,
        VacEvent.SUBSCRIPTION_CONFIRMED,
        VacEvent.SUBSCRIPTION_DROPPED,
        VacEvent.SUBSCRIPTION_CANCELLED,
        VacEvent.USER_BLOCKED,
    }
    migration.backwards(apps, None)
    assert set(migration.RENAMED) < set(AuditEvent.objects.values_list("action", flat=True))
