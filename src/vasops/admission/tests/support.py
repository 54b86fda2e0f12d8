"""Factories shared by the exam and review tests (no tests here)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.contrib.auth.models import Group

from vasops.admission.exam import actions as exam_actions
from vasops.admission.models import Application, Question
from vasops.catalog.models import BusinessLine
from vasops.core import roles
from vasops.core.models import User
from vasops.partners.models import Membership, Partner

_seq = itertools.count(1)


def user(username: str, *, role: str | None = None, staff: bool = False) -> User:
    u = User.objects.create_user(
        username=username, password="x", is_staff=staff, email=f"{username}@example.com"
    )
    if role:
        group, _ = Group.objects.get_or_create(name=role)
        u.groups.add(group)
    return u


def partner(name: str = "甲公司") -> tuple[Partner, User]:
    n = next(_seq)
    p = Partner.objects.create(
        name=f"{name}{n}",
        kind="SP",
        locality="local",
        credit_code=f"91420100EX{n:08d}",
        legal_representative="张三",
        address="武汉市",
        cs_hotline="4001234567",
    )
    u = user(f"exam_partner{n}", role=roles.PARTNER_ADMIN)
    Membership.objects.create(user=u, partner=p, is_admin=True)
    return p, u


def application(
    p: Partner, creator: User, *, state: str = "initial_approved", month: str = "2026-04-01"
) -> Application:
    """An application moved with the model transitions to ``state``."""
    app = Application.objects.create(
        number=f"ZR-T{next(_seq):05d}",
        partner=p,
        window_month=dt.date.fromisoformat(month),
        created_by=creator,
    )
    app.business_lines.set(BusinessLine.objects.filter(code="SMS"))
    path = {
        "submitted": ["submit"],
        "initial_approved": ["submit", "approve_initial"],
        "exam_passed": ["submit", "approve_initial", "pass_exam"],
        "review_scheduled": ["submit", "approve_initial", "pass_exam", "schedule_review"],
    }[state]
    for step in path:
        getattr(app, step)()
    app.save()
    return app


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
