"""Factories of admission's tests: applications as rows, moved along the workflow with the
model's transitions (no actions, no history) — for tests whose subject is a later step."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory

from vasops.admission.models import Application
from vasops.catalog.models import BusinessLine
from vasops.core.testing import UserFactory
from vasops.partners.tests.factories import PartnerFactory

# the main line of the workflow: state -> the transition that leaves it
MAIN_LINE = {
    "draft": "submit",
    "submitted": "approve_initial",
    "initial_approved": "pass_exam",
    "exam_passed": "schedule_review",
    "review_scheduled": "complete_review",
    "reviewed": "accept",
    "accepted": "start_preparation",
    "preparing": "start_testing",
    "testing": "open",
    "opened": "sign_contract",
}


def move_to(app: Application, state: str) -> Application:
    """Walk ``app`` along the main line until it is in ``state`` (model transitions, saved)."""
    if state not in (*MAIN_LINE, "contracted"):
        raise ValueError(f"{state} is not on the main line")
    while app.state != state:
        getattr(app, MAIN_LINE[app.state])()
    app.save()
    return app


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application of a qualified partner in the April 2026 window for SMS:
    ``ApplicationFactory(state="initial_approved", business_lines=["SMS", "WAP"])``."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"ZR-T{n:05d}")
    partner = factory.SubFactory(PartnerFactory, qualified=True)
    window_month = dt.date(2026, 4, 1)
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def business_lines(app: Application, create: bool, extracted: Any, **kwargs: Any) -> None:
        app.business_lines.set(BusinessLine.objects.filter(code__in=extracted or ["SMS"]))

    @factory.post_generation
    def state(app: Application, create: bool, extracted: Any, **kwargs: Any) -> None:
        if extracted:
            move_to(app, extracted)
