"""The registries of error codes and audit event types (core.vocabulary)."""

from __future__ import annotations

from vasops.core import vocabulary
from vasops.core.errors import CoreError


def test_error_registry_finds_every_app_enum():
    enums = {e.__name__ for e in vocabulary.error_enums()}
    assert {"CoreError", "AdmissionError", "CatalogError", "PartnerError", "VacError"} <= enums
    assert vocabulary.is_error_code(CoreError.NOT_FOUND)
    assert not vocabulary.is_error_code("nobody.invented_this")


def test_error_codes_are_unique_and_prefixed_with_their_app():
    seen: dict[str, str] = {}
    for enum in vocabulary.error_enums():
        for member in enum:
            assert member.value not in seen, f"{member.value} in {enum.__name__} and {seen[member.value]}"
            seen[member.value] = enum.__name__
            app = enum.__module__.split(".")[1]
            assert member.value.split(".", 1)[0] in {app, app.rstrip("s")}, member.value


def test_event_label_falls_back_to_the_code():
    assert vocabulary.event_label("nobody.invented_this") == "nobody.invented_this"
