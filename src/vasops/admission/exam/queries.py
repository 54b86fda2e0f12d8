"""Read side of the exam: every query a partner user can reach is scoped to their partner."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext

from vasops.admission.exam.models import ExamPaper, ExamSitting, Question
from vasops.core.errors import NotFound
from vasops.partners import queries as partner_queries

STAFF_VIEW_PERMS = ("admission.manage_exam", "admission.view_examsitting")


def can_view_exam_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and any(user.has_perm(p) for p in STAFF_VIEW_PERMS)


def can_view_bank(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.has_perm("admission.manage_exam") or user.has_perm("admission.view_question")
    )


def questions(user: Any) -> QuerySet[Question]:
    if not can_view_bank(user):
        return Question.objects.none()
    return Question.objects.all()


def active_question_ids(category: str) -> list[int]:
    return list(Question.objects.filter(category=category, retired=False).values_list("id", flat=True))


def sittings(user: Any) -> QuerySet[ExamSitting]:
    """Staff see every sitting; a partner user only their partner's."""
    qs = ExamSitting.objects.select_related("application", "application__partner")
    if can_view_exam_staff(user):
        return qs
    partner = partner_queries.partner_of(user)
    if partner is None:
        return qs.none()
    return qs.filter(application__partner=partner)


def papers_for_partner(user: Any) -> QuerySet[ExamPaper]:
    partner = partner_queries.partner_of(user)
    if partner is None:
        return ExamPaper.objects.none()
    return ExamPaper.objects.select_related("sitting", "sitting__application").filter(
        sitting__application__partner=partner
    )


def paper_for_partner(user: Any, pk: int) -> ExamPaper:
    paper = papers_for_partner(user).filter(pk=pk).first()
    if paper is None:
        raise NotFound(gettext("试卷不存在或您无权查看。"))
    return paper


def sitting_for(user: Any, pk: int) -> ExamSitting:
    sitting = sittings(user).filter(pk=pk).first()
    if sitting is None:
        raise NotFound(gettext("考核场次不存在或您无权查看。"))
    return sitting


def paper_of(sitting: ExamSitting, category: str) -> ExamPaper | None:
    return next((p for p in sitting.papers.all() if p.category == category), None)
