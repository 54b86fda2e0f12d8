"""REST routes of the exam (mounted under /api/v1/admission/exam)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from vasops.admission.exam import actions, queries
from vasops.admission.exam.models import ExamPaper, ExamSitting
from vasops.core import permissions
from vasops.core.apiutils import FilterText, Limit, Offset, get_or_404, paginate
from vasops.core.inputs import InputSchema, int_field, model_field

router = Router(tags=["接入考核"])


class QuestionOut(Schema):
    id: int
    category: str
    qtype: str
    text: str
    options: list[str]
    answer: str
    retired: bool


class PaperOut(Schema):
    id: int
    category: str
    person_name: str
    state: str
    score: int | None


class SittingOut(Schema):
    id: int
    application_id: int
    application_number: str
    date: dt.date
    duration_minutes: int
    questions_per_paper: int
    state: str
    passed: bool | None
    seed: str | None
    papers: list[PaperOut]


class ScoresIn(InputSchema):
    business_score: int = int_field(ge=0, le=100, description="业务成绩（0–100）")
    technical_score: int = int_field(ge=0, le=100, description="技术成绩（0–100）")
    reason: str = model_field(ExamPaper, "score_reason", default="", description="录入说明（必填）")


def _sitting_out(s: ExamSitting, user: Any) -> dict[str, Any]:
    staff = queries.can_view_exam_staff(user)
    published = s.state == "exam_published"
    return {
        "id": s.pk,
        "application_id": s.application_id,
        "application_number": s.application.number,
        "date": s.date,
        "duration_minutes": s.duration_minutes,
        "questions_per_paper": s.questions_per_paper,
        "state": s.state,
        "passed": s.passed if (staff or published) else None,
        "seed": s.seed if staff else None,
        "papers": [
            {
                "id": p.pk,
                "category": p.category,
                "person_name": p.person_name,
                "state": p.state,
                "score": p.score if (staff or published) else None,
            }
            for p in s.papers.all()
        ],
    }


@router.get("/questions", response=list[QuestionOut])
def list_questions(
    request: HttpRequest,
    response: HttpResponse,
    category: FilterText = "",
    qtype: FilterText = "",
    offset: Offset = 0,
    limit: Limit = 50,
) -> list[Any]:
    """The question bank (staff with manage_exam or view_question only)."""
    if not queries.can_view_bank(request.user):
        permissions.require(request.user, "admission.view_question")
    qs = queries.questions(request.user).order_by("id")
    if category:
        qs = qs.filter(category=category)
    if qtype:
        qs = qs.filter(qtype=qtype)
    return paginate(qs, response, offset, limit)


@router.get("/sittings", response=list[SittingOut])
def list_sittings(
    request: HttpRequest, response: HttpResponse, offset: Offset = 0, limit: Limit = 50
) -> list[Any]:
    """Sittings: staff see all; a partner user only their partner's (scores once published)."""
    qs = queries.sittings(request.user).prefetch_related("papers").order_by("-date", "-id")
    return [_sitting_out(s, request.user) for s in paginate(qs, response, offset, limit)]


@router.get("/sittings/{sitting_id}", response=SittingOut)
def get_sitting(request: HttpRequest, sitting_id: int) -> Any:
    return _sitting_out(get_or_404(queries.sittings(request.user), pk=sitting_id), request.user)


@router.post("/sittings/{sitting_id}/scores", response=SittingOut)
def record_scores(request: HttpRequest, sitting_id: int, payload: ScoresIn) -> Any:
    """Record the scores of a paper (offline) sitting."""
    sitting = get_or_404(queries.sittings(request.user), pk=sitting_id)
    actions.record_paper_scores(sitting, actor=request.user, **payload.dict())
    sitting.refresh_from_db()
    return _sitting_out(sitting, request.user)


@router.post("/sittings/{sitting_id}/publish", response=SittingOut)
def publish(request: HttpRequest, sitting_id: int) -> Any:
    """Publish the results: pass_exam when both scores ≥ 80, else fail_exam."""
    sitting = get_or_404(queries.sittings(request.user), pk=sitting_id)
    sitting = actions.publish_exam_results(sitting, actor=request.user)
    return _sitting_out(sitting, request.user)


routers = [("/admission/exam", router)]
