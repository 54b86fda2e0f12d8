"""Read side of the expert review. An expert sees only the meetings they sit on."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext

from vasops.admission.review.models import Expert, ReviewIndicator, ReviewMeeting, ScoreSheet
from vasops.core.errors import NotFound

STAFF_VIEW_PERMS = ("admission.manage_review", "admission.view_reviewmeeting")


def can_view_review_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and any(user.has_perm(p) for p in STAFF_VIEW_PERMS)


def expert_of(user: Any) -> Expert | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Expert.objects.filter(user_id=user.pk).first()


def experts(user: Any) -> QuerySet[Expert]:
    if not (
        can_view_review_staff(user)
        or (getattr(user, "is_authenticated", False) and user.has_perm("admission.view_expert"))
    ):
        return Expert.objects.none()
    return Expert.objects.select_related("user")


def meetings(user: Any) -> QuerySet[ReviewMeeting]:
    """Staff: every meeting. Expert: only those they were drawn for. Anyone else: none."""
    qs = ReviewMeeting.objects.select_related("application", "application__partner")
    if can_view_review_staff(user):
        return qs
    expert = expert_of(user)
    if expert is None:
        return qs.none()
    return qs.filter(members__expert=expert).distinct()


def meeting_for(user: Any, pk: int) -> ReviewMeeting:
    meeting = meetings(user).filter(pk=pk).first()
    if meeting is None:
        raise NotFound(gettext("评审会不存在或您无权查看。"))
    return meeting


def expert_meetings(user: Any) -> QuerySet[ReviewMeeting]:
    """The expert's own meetings (also for staff who are experts: only their own here)."""
    expert = expert_of(user)
    if expert is None:
        return ReviewMeeting.objects.none()
    return (
        ReviewMeeting.objects.select_related("application", "application__partner")
        .filter(members__expert=expert)
        .distinct()
    )


def expert_meeting_for(user: Any, pk: int) -> ReviewMeeting:
    meeting = expert_meetings(user).filter(pk=pk).first()
    if meeting is None:
        raise NotFound(gettext("评审会不存在或您无权查看。"))
    return meeting


def sheets(user: Any) -> QuerySet[ScoreSheet]:
    """Staff see every sheet; an expert only their own."""
    qs = ScoreSheet.objects.select_related("meeting", "expert", "meeting__application")
    if can_view_review_staff(user):
        return qs
    expert = expert_of(user)
    if expert is None:
        return qs.none()
    return qs.filter(expert=expert)


def own_sheet(user: Any, pk: int) -> ScoreSheet:
    expert = expert_of(user)
    sheet = (
        ScoreSheet.objects.select_related("meeting", "meeting__application")
        .filter(pk=pk, expert=expert)
        .first()
        if expert
        else None
    )
    if sheet is None:
        raise NotFound(gettext("评分表不存在或您无权查看。"))
    return sheet


def indicators() -> QuerySet[ReviewIndicator]:
    return ReviewIndicator.objects.all()


def expert_assigned_to_partner(user: Any, partner_id: int | None) -> bool:
    """Document access rule: an expert drawn for a meeting of this partner's application."""
    if partner_id is None or not getattr(user, "is_authenticated", False):
        return False
    return ReviewMeeting.objects.filter(
        members__expert__user_id=user.pk, members__expert__active=True, application__partner_id=partner_id
    ).exists()


def _document_rule(user: Any, doc: Any) -> bool:
    return expert_assigned_to_partner(user, getattr(doc, "partner_id", None))


_registered: list[bool] = []


def register_document_access() -> None:
    """Let an assigned expert download the documents of the application's partner (idempotent)."""
    if _registered:
        return
    from vasops.core import documents

    documents.register_access_rule(_document_rule)
    _registered.append(True)


register_document_access()
