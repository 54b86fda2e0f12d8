"""Every request/response schema name in the OpenAPI document is unique: django-ninja keys
components by class name, so two different classes with one name silently show the wrong body."""

import inspect
import typing

from ninja import Schema

from vasops.api.urls import api


def _schemas_of(view) -> set[type]:
    found: set[type] = set()
    for ann in typing.get_type_hints(view).values():  # resolves postponed (string) annotations
        for candidate in (ann, *typing.get_args(ann)):
            if inspect.isclass(candidate) and issubclass(candidate, Schema):
                found.add(candidate)
    return found


def test_no_two_schema_classes_share_a_name():
    by_name: dict[str, set[str]] = {}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                models = _schemas_of(operation.view_func)
                for status_model in getattr(operation, "response_models", {}).values():
                    if inspect.isclass(status_model) and issubclass(status_model, Schema):
                        models.add(status_model)
                for model in models:
                    by_name.setdefault(model.__name__, set()).add(f"{model.__module__}.{model.__qualname__}")
    clashes = {name: where for name, where in by_name.items() if len(where) > 1}
    assert clashes == {}
    assert by_name  # the walk really found the schemas


def test_openapi_document_builds():
    doc = api.get_openapi_schema()
    assert "/api/v1/partner-change-requests/{cr_id}/approve" in doc["paths"] or any(
        p.startswith("/api/v1/partner-change-requests") for p in doc["paths"]
    )
