"""Factories of the catalogue's tests (and of the apps above it): products as rows. A product
taken through its workflow with its history is made through the actions (``make_product`` /
``live_product`` fixtures); these are for tests that need a product as context."""

from __future__ import annotations

import factory

from vasops.catalog.models import BusinessLine, Product
from vasops.partners.tests.factories import PartnerFactory


def business_line(code: str = "SMS") -> BusinessLine:
    """One of the business lines seeded by catalog migration 0002."""
    return BusinessLine.objects.get(code=code)


class ProductFactory(factory.django.DjangoModelFactory):
    """A draft product of an active, qualified partner on the SMS line. The workflow field is
    protected: pass ``state=`` to move it (set after creation)."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    partner = factory.SubFactory(
        PartnerFactory,
        state="active",
        qualified=True,
        service_access_number=factory.Sequence(lambda n: f"10655{n:04d}"),
    )
    business_line = factory.LazyFunction(business_line)
    name = factory.Sequence(lambda n: f"测试产品{n}")
    access_number = factory.LazyAttribute(lambda p: f"{p.partner.service_access_number}1")
    description = "每日资讯短信"
    product_type = "information"
    fee_fen = 500
    billing_mode = "monthly"

    @factory.post_generation
    def state(product: Product, create: bool, extracted: str | None, **kwargs: object) -> None:
        if extracted:
            Product.objects.filter(pk=product.pk).update(state=extracted)
            product.refresh_from_db()
