"""The registries of error codes and audit event types (core.vocabulary), and the source that uses
them: every app declares its codes once, in its own enum, prefixed with its app label, and raises
and records only members of it."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest
from django.apps import apps

from vasops.core import vocabulary
from vasops.core.errors import CoreError

SRC = Path(__file__).resolve().parents[2]  # src/vasops
# The VAC's enums are being written by the VAC's own change (its errors and events are still
# partly string literals); remove "vac" here when they land.
NOT_YET = {"vac"}


def _app_label(enum: type) -> str:
    config = apps.get_containing_app_config(enum.__module__)
    assert config is not None, enum.__module__
    return config.label


@cache
def _sources() -> list[tuple[str, Path, ast.Module]]:
    """(app label, path, tree) of every module outside tests and migrations."""
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if "tests" in rel.parts or "migrations" in rel.parts or len(rel.parts) < 2:
            continue
        out.append((rel.parts[0], path, ast.parse(path.read_text(encoding="utf-8"))))
    return out


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def test_error_registry_finds_every_app_enum():
    enums = {e.__name__ for e in vocabulary.error_enums()}
    assert {
        "CoreError",
        "AdmissionError",
        "CatalogError",
        "PartnerError",
        "WorkOrderError",
        "VacError",
    } <= enums
    assert vocabulary.is_error_code(CoreError.NOT_FOUND)
    assert not vocabulary.is_error_code("nobody.invented_this")


def test_event_registry_finds_every_app_enum():
    enums = {e.__name__ for e in vocabulary.event_enums()}
    assert {
        "CoreEvent",
        "PartnerEvent",
        "CatalogEvent",
        "AdmissionEvent",
        "WorkOrderEvent",
        "ApiEvent",
        "ConsoleEvent",
    } <= enums


def test_error_codes_are_unique_and_prefixed_with_their_app_label():
    seen: dict[str, str] = {}
    for enum in vocabulary.error_enums():
        label = _app_label(enum)
        assert enum.__module__ == f"vasops.{label}.errors", f"{enum.__name__} lives in {enum.__module__}"
        for member in enum:
            assert member.value not in seen, f"{member.value} in {enum.__name__} and {seen[member.value]}"
            seen[member.value] = enum.__name__
            assert member.value.split(".", 1)[0] == label, f"{member.value} is not {label}.*"


def test_one_error_enum_and_one_event_enum_per_app():
    for registry in (vocabulary.error_enums(), vocabulary.event_enums()):
        labels = [_app_label(e) for e in registry]
        assert len(labels) == len(set(labels)), labels


# regular past participles end in -ed; the irregular ones the vocabulary uses
PARTICIPLES = ("ed", "set", "done", "sent", "held", "drawn", "taken", "given", "written", "shown")


def test_event_types_are_unique_prefixed_past_participles_with_chinese_labels():
    seen: dict[str, str] = {}
    han = re.compile(r"[\u4e00-\u9fff]")
    for enum in vocabulary.event_enums():
        label = _app_label(enum)
        assert enum.__module__ == f"vasops.{label}.events", f"{enum.__name__} lives in {enum.__module__}"
        for member in enum:
            assert member.value not in seen, f"{member.value} in {enum.__name__} and {seen[member.value]}"
            seen[member.value] = enum.__name__
            app, rest = member.value.split(".", 1)
            assert app == label, f"{member.value} is not {label}.*"
            assert re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", rest), f"{member.value}: <object>_<participle>"
            assert rest.endswith(PARTICIPLES), f"{member.value} does not end in a past participle"
            assert han.search(str(member.label)), f"{member.value} has no Chinese label"


def test_event_label_falls_back_to_the_code():
    assert vocabulary.event_label("nobody.invented_this") == "nobody.invented_this"


def test_event_label_gives_the_words_of_a_stored_code():
    partner_events = next(e for e in vocabulary.event_enums() if e.__name__ == "PartnerEvent")
    registered = partner_events("partners.partner_registered")
    assert vocabulary.event_label("partners.partner_registered") == str(registered.label) == "企业已注册"


# --- the source uses the registries -----------------------------------------------------------


def _literal_codes() -> list[str]:
    """Every place outside the errors/events modules that spells a registered code as a string."""
    codes = {m.value for enum in vocabulary.error_enums() for m in enum}
    codes |= {m.value for enum in vocabulary.event_enums() for m in enum}
    found = []
    for app, path, tree in _sources():
        if app in NOT_YET or path.name in ("errors.py", "events.py"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in codes:
                found.append(f"{path.relative_to(SRC)}:{node.lineno} {node.value!r}")
    return found


def test_no_registered_code_is_spelled_as_a_string():
    assert _literal_codes() == []


def test_every_raised_code_and_recorded_event_is_a_member_not_a_string():
    """DomainError(...) / Problem(...) codes and audit.record(action=...) take enum members: a
    string literal (or f-string) there is a code no registry declares."""
    bad = []
    for app, path, tree in _sources():
        if app in NOT_YET:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _call_name(node)
            args: list[ast.expr] = []
            if name in ("DomainError", "Problem", "_error"):
                args = node.args[:1] if name != "_error" else node.args[2:3]
                args += [kw.value for kw in node.keywords if kw.arg == "code"]
            if name in ("record", "audit_application") or name.startswith("write_"):
                args = [kw.value for kw in node.keywords if kw.arg == "action"]
                if name == "audit_application":
                    args += node.args[1:2]
            for arg in args:
                values = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
                for value in values:
                    if isinstance(value, ast.JoinedStr) or (
                        isinstance(value, ast.Constant) and isinstance(value.value, str)
                    ):
                        bad.append(f"{path.relative_to(SRC)}:{node.lineno} {name}({ast.unparse(value)})")
    assert bad == []


def _members_referenced() -> set[str]:
    used: set[str] = set()
    for _app, path, tree in _sources():
        if path.name in ("errors.py", "events.py"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                used.add(node.attr)
    return used


@pytest.mark.parametrize("kind", ["error", "event"])
def test_every_member_is_used(kind):
    registry = vocabulary.error_enums() if kind == "error" else vocabulary.event_enums()
    used = _members_referenced()
    unused = [
        f"{enum.__name__}.{member.name}"
        for enum in registry
        if _app_label(enum) not in NOT_YET
        for member in enum
        if member.name not in used
    ]
    assert unused == []


def test_every_audit_record_outside_the_pending_apps_names_an_event_member():
    """audit.record(action=X): X is an attribute (``PartnerEvent.PARTNER_REGISTERED``), a name
    bound to one, or a conditional between two."""
    for app, path, tree in _sources():
        if app in NOT_YET:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _call_name(node) == "record":
                for kw in node.keywords:
                    if kw.arg == "action":
                        assert not isinstance(kw.value, ast.Constant | ast.JoinedStr), (
                            f"{path.relative_to(SRC)}:{node.lineno}"
                        )


def test_state_enums_are_nested_in_their_model():
    """Every workflow state field draws its choices from ``<Model>.State`` (one place to look)."""
    from django_fsm import FSMField

    for model in apps.get_models():
        if not model.__module__.startswith("vasops.") or model._meta.app_label in NOT_YET:
            continue
        for field in model._meta.fields:
            if isinstance(field, FSMField) or field.name == "state":
                state = model.__dict__.get("State")
                assert state is not None, f"{model.__name__}.{field.name} has no nested State"
                assert list(field.choices) == list(state.choices), f"{model.__name__}.State"
