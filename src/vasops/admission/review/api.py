"""REST routes of the expert review (mounted under /api/v1/admission/review)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from vasops.admission.review import actions, queries
from vasops.admission.review.models import ReviewMeeting, ScoreSheet
from vasops.core import permissions
from vasops.core.apiutils import MAX_ID, IdParam, Limit, Offset, get_or_404, paginate
from vasops.core.inputs import REASON_MAX_LENGTH, InputSchema, KeyText, int_field, model_field, text_field

router = Router(tags=["接入评审"])


class MeetingOut(Schema):
    id: int
    application_id: int
    application_number: str
    partner_name: str
    date: dt.date
    place: str
    panel_size: int
    seed: str
    state: str
    attended: bool | None
    aggregate_score: Decimal | None
    experts: list[int]


class DrawIn(InputSchema):
    application_id: int = int_field(ge=1, le=MAX_ID)
    panel_size: int = int_field(ge=1, le=50, description="评审组人数")
    seed: str = model_field(ReviewMeeting, "seed")


class DrawOut(Schema):
    seed: str
    experts: list[int]
    names: list[str]


class SheetOut(Schema):
    id: int
    meeting_id: int
    expert_id: int
    scores: dict[str, int]
    comment: str
    weighted_total: Decimal | None
    state: str


class SheetIn(InputSchema):
    scores: dict[KeyText, Annotated[int, Field(ge=0, le=100)]] = Field(
        ..., max_length=50, description="指标代码 → 分数（0–100）"
    )
    comment: str = model_field(ScoreSheet, "comment", default="")
    submit: bool = False


class AttendanceIn(InputSchema):
    attended: bool
    reason: str = text_field(max_length=REASON_MAX_LENGTH, multiline=True, required=False)


def _meeting_out(m: ReviewMeeting) -> dict[str, Any]:
    return {
        "id": m.pk,
        "application_id": m.application_id,
        "application_number": m.application.number,
        "partner_name": m.application.partner.name,
        "date": m.date,
        "place": m.place,
        "panel_size": m.panel_size,
        "seed": m.seed,
        "state": m.state,
        "attended": m.attended,
        "aggregate_score": m.aggregate_score,
        "experts": list(m.members.values_list("expert_id", flat=True)),
    }


@router.get("/meetings", response=list[MeetingOut])
def list_meetings(
    request: HttpRequest, response: HttpResponse, offset: Offset = 0, limit: Limit = 50
) -> list[Any]:
    """Staff: all meetings; an expert: only the meetings they sit on; others: none."""
    qs = queries.meetings(request.user).order_by("-date", "-id")
    return [_meeting_out(m) for m in paginate(qs, response, offset, limit)]


@router.get("/meetings/{meeting_id}", response=MeetingOut)
def get_meeting(request: HttpRequest, meeting_id: int) -> Any:
    return _meeting_out(get_or_404(queries.meetings(request.user), pk=meeting_id))


@router.post("/draw", response=DrawOut)
def draw(request: HttpRequest, payload: DrawIn) -> Any:
    """Preview the panel a seed gives for an application (nothing saved; same seed → same panel)."""
    permissions.require(request.user, "admission.manage_review")
    from vasops.admission.models import Application

    app = get_or_404(Application.objects.select_related("partner"), pk=payload.application_id)
    experts = actions.draw(app.partner, size=payload.panel_size, seed=payload.seed)
    return {"seed": payload.seed, "experts": [e.pk for e in experts], "names": [e.name for e in experts]}


@router.get("/sheets", response=list[SheetOut])
def list_sheets(
    request: HttpRequest,
    response: HttpResponse,
    meeting_id: IdParam | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> list[Any]:
    """Score sheets: staff see all; an expert only their own."""
    qs = queries.sheets(request.user).order_by("meeting_id", "id")
    if meeting_id is not None:
        qs = qs.filter(meeting_id=meeting_id)
    return paginate(qs, response, offset, limit)


@router.put("/sheets/{sheet_id}", response=SheetOut)
def update_sheet(request: HttpRequest, sheet_id: int, payload: SheetIn) -> Any:
    """The expert saves (or with submit=true submits and locks) their own sheet."""
    sheet = queries.own_sheet(request.user, sheet_id)
    if payload.submit:
        return actions.submit_score_sheet(
            sheet, actor=request.user, scores=payload.scores, comment=payload.comment
        )
    return actions.save_score_sheet(sheet, actor=request.user, scores=payload.scores, comment=payload.comment)


@router.post("/meetings/{meeting_id}/attendance", response=MeetingOut)
def attendance(request: HttpRequest, meeting_id: int, payload: AttendanceIn) -> Any:
    """Record attendance; absent → review_absent and a 1-year ban of the partner."""
    meeting = get_or_404(queries.meetings(request.user), pk=meeting_id)
    meeting = actions.record_attendance(
        meeting, actor=request.user, attended=payload.attended, reason=payload.reason
    )
    meeting.refresh_from_db()
    return _meeting_out(meeting)


routers = [("/admission/review", router)]
