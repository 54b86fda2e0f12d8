"""One owner for business lines, billing modes and resource pools: the catalogue. Admission
refers to them (import-linter keeps it to the catalogue's public modules); nobody else has them."""

from __future__ import annotations

from django.apps import apps

from vasops.admission import rules
from vasops.admission.models import AccessTestResult, Application, ApplicationProduct
from vasops.catalog.models import BillingMode, BusinessLine


def test_admission_refers_to_the_catalogues_business_lines_and_billing_modes():
    assert Application._meta.get_field("business_lines").related_model is BusinessLine
    assert ApplicationProduct._meta.get_field("business_line").related_model is BusinessLine
    assert AccessTestResult._meta.get_field("business_line").related_model is BusinessLine
    assert list(ApplicationProduct._meta.get_field("billing_mode").choices) == list(BillingMode.choices)
    assert not any(
        hasattr(rules, name) for name in ("BUSINESS_LINES", "BUSINESS_LINE_LABELS", "BILLING_MODES")
    )


def test_no_app_but_the_catalogue_has_business_line_or_resource_pool_models():
    twins = [
        f"{model._meta.app_label}.{model.__name__}"
        for model in apps.get_models()
        if model._meta.app_label != "catalog"
        and any(word in model.__name__ for word in ("BusinessLine", "ResourcePool", "Allocat"))
    ]
    assert twins == []
