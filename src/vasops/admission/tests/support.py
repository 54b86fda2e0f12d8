"""Helpers shared by the exam and review tests (no tests here), on the app factories."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory

from vasops.admission.exam import actions as exam_actions
from vasops.admission.models import Application, Question
from vasops.admission.tests.factories import ApplicationFactory
from vasops.core.models import User
from vasops.core.testing import StaffFactory, UserFactory
from vasops.partners.models import Partner
from vasops.partners.tests.factories import PartnerFactory, partner_user


def user(username: str, *, role: str | None = None, staff: bool = False) -> User:
    factory_class = StaffFactory if staff else UserFactory
    created: User = factory_class(username=username, roles=[role] if role else [])
    return created


def partner(name: str = "甲公司") -> tuple[Partner, User]:
    p = PartnerFactory(name=factory.Sequence(lambda n: f"{name}{n}"))
    return p, partner_user(p, admin=True, username=f"exam_partner{p.pk}")


def application(
    p: Partner, creator: User, *, state: str = "initial_approved", month: str = "2026-04-01"
) -> Application:
    """An application moved with the model transitions to ``state`` (``ApplicationFactory``)."""
    created: Application = ApplicationFactory(
        partner=p, created_by=creator, window_month=dt.date.fromisoformat(month), state=state
    )
    return created


def bank(staff: User, n: int = 5) -> list[Question]:
    """``n`` true/false questions per category; answer 'T' for even, 'F' for odd positions."""
    out = []
    for category in ("business", "technical"):
        for i in range(n):
            out.append(
                exam_actions.create_question(
                    actor=staff,
                    category=category,
                    qtype="truefalse",
                    text=f"{category} 判断题 {i}",
                    options=[],
                    answer="T" if i % 2 == 0 else "F",
                )
            )
    return out


def correct_answers(paper: Any, wrong: int = 0) -> dict[str, str]:
    """Answers for ``paper``: all correct except the first ``wrong`` ones."""
    answers = {}
    for index, q in enumerate(paper.questions):
        right = q["answer"]
        if index < wrong:
            right = "F" if right == "T" else "T"
        answers[str(q["id"])] = right
    return answers
