"""Factories of the compliance tests (and of the apps above it): the people and a live product
of a partner; violation records are made through the actions (``raised`` / ``decided``)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from vasops.catalog.models import BusinessLine, Product, ProductVersion
from vasops.catalog.tests.factories import ProductFactory
from vasops.compliance import actions
from vasops.compliance.models import ViolationRecord
from vasops.core import roles
from vasops.core.testing import StaffFactory
from vasops.partners.models import Partner
from vasops.partners.tests.factories import PartnerFactory, partner_user

_seq = itertools.count(1)


def ensure_catalogue() -> None:
    """The rows of compliance migration 0002 (idempotent)."""
    import importlib

    from django.apps import apps

    importlib.import_module("vasops.compliance.migrations.0002_seed_catalogue").seed(apps, None)


def compliance_staff(**extra: Any) -> Any:
    """Carrier staff holding every compliance permission (product staff)."""
    return StaffFactory(roles=[roles.PRODUCT_STAFF], username=f"cstaff{next(_seq)}", **extra)


def live_partner(name: str = "", **extra: Any) -> Partner:
    n = next(_seq)
    fields = {"name": name} if name else {}
    partner: Partner = PartnerFactory(
        state="active",
        enterprise_code=extra.pop("enterprise_code", f"{80000 + n}"),
        service_access_number=f"10658{n:03d}",
        **fields,
        **extra,
    )
    return partner


def live_product(partner: Partner, **extra: Any) -> Product:
    """A product in service with a price version from 2026-01-01 (what the VAC charges)."""
    n = next(_seq)
    extra.setdefault("product_code", f"90{n:06d}01")
    if "business_line" not in extra:  # a transactional test has flushed the seeded lines
        extra["business_line"], _ = BusinessLine.objects.get_or_create(
            code="SMS", defaults={"name": "短信", "service_type": "90"}
        )
    product: Product = ProductFactory(partner=partner, state="active", unicom_status="4", **extra)
    ProductVersion.objects.create(
        product=product,
        number=1,
        name=product.name,
        description=product.description,
        fee_fen=product.fee_fen,
        billing_mode=product.billing_mode,
        valid_from=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    return product


def member(partner: Partner, *, admin: bool = True) -> Any:
    return partner_user(partner, admin=admin, username=f"pu{next(_seq)}")


def raised(
    staff: Any, partner: Partner, code: str = "misleading_promotion", product: Any = None
) -> ViolationRecord:
    return actions.record_violation(
        actor=staff, partner=partner, violation_code=code, summary="宣传页未写明资费", product=product
    )
