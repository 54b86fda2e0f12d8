"""Violation records 违约记录: drafted or raised, accepted or appealed, decided (ch. 7 三)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext

from vasops.compliance import rules
from vasops.compliance.actions.common import (
    DRAFT,
    MANAGE,
    notify_partner,
    notify_staff,
    numbers,
    require_or_system,
    require_partner_member,
    user_of,
)
from vasops.compliance.errors import ComplianceError
from vasops.compliance.events import ComplianceEvent
from vasops.compliance.models import ViolationRecord, ViolationType
from vasops.core import audit, calendar, clock, documents, fsm, notify, numbering
from vasops.core.errors import DomainError, required_text
from vasops.core.marks import gettext_noop
from vasops.core.permissions import require

RECORD_FIELDS = [
    "state",
    "partner_id",
    "product_id",
    "violation_type_id",
    "summary",
    "raised_on",
    "appeal_due",
    "appeal_text",
    "decision_reason",
    "points_deducted",
    "penalty_fen",
]
DECISIONS = {"upheld": "uphold", "reduced": "reduce", "dismissed": "dismiss"}


def snap(record: ViolationRecord) -> dict[str, Any]:
    return audit.snapshot(record, RECORD_FIELDS)


def current_type(code: str) -> ViolationType:
    vt = ViolationType.objects.filter(code=code, is_current=True, is_active=True).first()
    if vt is None:
        raise DomainError(
            ComplianceError.UNKNOWN_VIOLATION,
            gettext("违约类型“%(code)s”不存在或已停用。") % {"code": code},
            field="violation_code",
        )
    return vt


def _check_product(partner: Any, product: Any) -> None:
    if product is not None and product.partner_id != partner.pk:
        raise DomainError(
            ComplianceError.PRODUCT_NOT_OF_PARTNER, gettext("该产品不属于此合作伙伴。"), field="product"
        )


def _new_record(
    *,
    actor: Any,
    partner: Any,
    vt: ViolationType,
    summary: str,
    evidence: dict[str, Any],
    product: Any,
    source: Any,
) -> ViolationRecord:
    _check_product(partner, product)
    text = required_text(
        summary, ComplianceError.REASON_REQUIRED, gettext("请填写违约事实。"), field="summary"
    )
    return ViolationRecord.objects.create(
        number=numbering.next_number(f"WY{clock.today():%Y%m}-"),
        partner=partner,
        product=product,
        violation_type=vt,
        summary=text,
        evidence=evidence or {},
        source_type=audit.object_type_of(source) if source is not None else "",
        source_id=str(source.pk) if source is not None else "",
        points_deducted=vt.points,
        penalty_fen=vt.penalty_fen,
        created_by=user_of(actor),
    )


@transaction.atomic  # nested: see the docstring
def draft_violation(
    *,
    actor: Any,
    partner: Any,
    violation_code: str,
    summary: str,
    evidence: dict[str, Any],
    product: Any = None,
    source: Any = None,
) -> ViolationRecord:
    """A draft for staff review, from detection (actor "system"), a complaint or a person holding
    compliance.draft_violation. Idempotent per ``source``: drafting again for the same source
    returns the first record. Runs inside the caller's act (complaints' decision, the detection
    job's per-hit act), so a plain, not durable, atomic."""
    require_or_system(actor, DRAFT)
    if source is not None:
        existing = ViolationRecord.objects.filter(
            source_type=audit.object_type_of(source), source_id=str(source.pk)
        ).first()
        if existing is not None:
            return existing
    vt = current_type(violation_code)
    record = _new_record(
        actor=actor,
        partner=partner,
        vt=vt,
        summary=summary,
        evidence=evidence,
        product=product,
        source=source,
    )
    audit.record(
        actor=actor,
        action=ComplianceEvent.VIOLATION_DRAFTED,
        obj=record,
        partner_id=partner.pk,
        after=snap(record),
    )
    notify_staff(
        notify.text(gettext_noop("违约记录草稿待审核：%(record_number)s"), record_number=record.number),
        record.summary,
        record.get_absolute_url(),
    )
    return record


def _raise(record: ViolationRecord, actor: Any) -> None:
    n = numbers()
    today = clock.today()
    fsm.transition(record, "raise_", label=gettext("通报"))
    record.raised_on = today
    record.appeal_due = calendar.add_working_days(today, n.appeal_working_days)
    record.save()
    notify_partner(
        record.partner,
        notify.text(
            gettext_noop("违约通报：%(violation_type_name)s（%(record_number)s）"),
            violation_type_name=record.violation_type.name,
            record_number=record.number,
        ),
        notify.text(
            gettext_noop(
                "%(summary)s\n如有异议，请于 %(appeal_due)s 前（"
                "%(appeal_working_days)s 个工作日内）在门户提出申诉。"
            ),
            summary=record.summary,
            appeal_due=record.appeal_due,
            appeal_working_days=n.appeal_working_days,
        ),
        record.get_absolute_url(),
    )


@transaction.atomic(durable=True)
def record_violation(
    *,
    actor: Any,
    partner: Any,
    violation_code: str,
    summary: str,
    product: Any = None,
    evidence_files: Iterable[UploadedFile] = (),
) -> ViolationRecord:
    """Staff raise a violation with its evidence files; the partner is notified at once."""
    require(actor, MANAGE)
    vt = current_type(violation_code)
    record = _new_record(
        actor=actor, partner=partner, vt=vt, summary=summary, evidence={}, product=product, source=None
    )
    for upload in evidence_files:
        record.evidence_files.add(
            documents.store(
                upload, actor=actor, partner_id=partner.pk, kind="violation_evidence", field="evidence_files"
            )
        )
    before = snap(record)
    _raise(record, actor)
    audit.record(
        actor=actor,
        action=ComplianceEvent.VIOLATION_RAISED,
        obj=record,
        partner_id=partner.pk,
        before=before,
        after=snap(record),
    )
    return record


@transaction.atomic(durable=True)
def raise_draft(
    record: ViolationRecord, *, actor: Any, summary: str = "", evidence_files: Iterable[UploadedFile] = ()
) -> ViolationRecord:
    """Staff confirm a draft (optionally rewording it and adding files) and notify the partner."""
    require(actor, MANAGE)
    record = (
        ViolationRecord.objects.select_for_update()
        .select_related("partner", "violation_type")
        .get(pk=record.pk)
    )
    before = snap(record)
    if summary.strip():
        record.summary = summary.strip()
    for upload in evidence_files:
        record.evidence_files.add(
            documents.store(
                upload,
                actor=actor,
                partner_id=record.partner_id,
                kind="violation_evidence",
                field="evidence_files",
            )
        )
    _raise(record, actor)
    audit.record(
        actor=actor,
        action=ComplianceEvent.VIOLATION_RAISED,
        obj=record,
        partner_id=record.partner_id,
        before=before,
        after=snap(record),
    )
    return record


@transaction.atomic(durable=True)
def discard_draft(record: ViolationRecord, *, actor: Any, reason: str) -> ViolationRecord:
    require(actor, MANAGE)
    text = required_text(reason, ComplianceError.REASON_REQUIRED, gettext("作废草稿须填写原因。"))
    record = ViolationRecord.objects.select_for_update().get(pk=record.pk)
    before = snap(record)
    fsm.transition(record, "discard", label=gettext("作废"))
    record.decision_reason = text
    record.save()
    audit.record(
        actor=actor,
        action=ComplianceEvent.VIOLATION_DISCARDED,
        obj=record,
        partner_id=record.partner_id,
        before=before,
        after=snap(record),
        reason=text,
    )
    return record


@transaction.atomic(durable=True)
def accept_violation(record: ViolationRecord, *, actor: Any) -> ViolationRecord:
    """The partner admits the violation (gives up the appeal): staff may decide at once."""
    require_partner_member(actor, record.partner_id)
    record = ViolationRecord.objects.select_for_update().get(pk=record.pk)
    before = snap(record)
    fsm.transition(record, "accept", label=gettext("确认违约"))
    record.save()
    audit.record(
        actor=actor,
        action=ComplianceEvent.VIOLATION_ACCEPTED,
        obj=record,
        partner_id=record.partner_id,
        before=before,
        after=snap(record),
    )
    notify_staff(
        notify.text(gettext_noop("合作伙伴已确认违约：%(record_number)s"), record_number=record.number),
        "",
        record.get_absolute_url(),
    )
    return record


@transaction.atomic(durable=True)
def appeal_violation(
    record: ViolationRecord, *, actor: Any, text: str, files: Iterable[UploadedFile] = ()
) -> ViolationRecord:
    """申诉: within ``appeal_working_days`` working days of the notice (day 5 yes, day 6 no)."""
    require_partner_member(actor, record.partner_id)
    reason = required_text(text, ComplianceError.REASON_REQUIRED, gettext("请填写申诉理由。"), field="text")
    record = ViolationRecord.objects.select_for_update().get(pk=record.pk)
    if record.state == ViolationRecord.State.RAISED and not rules.appeal_open(
        clock.today(), record.appeal_due
    ):
        raise DomainError(
            ComplianceError.APPEAL_CLOSED,
            gettext("申诉期已于 %(appeal_due)s 截止。") % {"appeal_due": record.appeal_due},
            clause=rules.CLAUSE_VIOLATION,
            status=409,
        )
    before = snap(record)
    fsm.transition(record, "appeal", label=gettext("申诉"))
    record.appeal_text = reason
    record.appealed_at = clock.now()
    for upload in files:
        record.appeal_files.add(
            documents.store(
                upload, actor=actor, partner_id=record.partner_id, kind="violation_appeal", field="files"
            )
        )
    record.save()
    audit.record(
        actor=actor,
        action=ComplianceEvent.VIOLATION_APPEALED,
        obj=record,
        partner_id=record.partner_id,
        before=before,
        after=snap(record),
        reason=reason,
    )
    notify_staff(
        notify.text(gettext_noop("违约申诉待处理：%(record_number)s"), record_number=record.number),
        reason,
        record.get_absolute_url(),
    )
    return record


@transaction.atomic(durable=True)
def decide_violation(
    record: ViolationRecord,
    *,
    actor: Any,
    decision: str,
    reason: str,
    points: int | None = None,
    penalty_fen: int | None = None,
) -> ViolationRecord:
    """Staff decide: 维持 (full terms), 减轻 (``points``/``penalty_fen`` below the terms) or 撤销.
    A raised record nobody answered can be decided only after its appeal window closed. On
    upheld/reduced: credit points deducted, the penalty recorded in settlement, the type's
    consequence applied — all in this transaction."""
    from vasops.compliance.actions.consequences import apply_upheld

    require(actor, MANAGE)
    text = required_text(reason, ComplianceError.REASON_REQUIRED, gettext("请填写裁定理由。"))
    if decision not in DECISIONS:
        raise DomainError(ComplianceError.INVALID_REDUCTION, gettext("请选择裁定结果。"), field="decision")
    record = (
        ViolationRecord.objects.select_for_update(of=("self",))
        .select_related("partner", "product", "violation_type")
        .get(pk=record.pk)
    )
    if record.state == ViolationRecord.State.RAISED and rules.appeal_open(clock.today(), record.appeal_due):
        raise DomainError(
            ComplianceError.APPEAL_WINDOW_OPEN,
            gettext("申诉期至 %(appeal_due)s 止，期满或合作伙伴确认、申诉后方可裁定。")
            % {"appeal_due": record.appeal_due},
            clause=rules.CLAUSE_VIOLATION,
            status=409,
        )
    vt = record.violation_type
    if decision == "reduced":
        p = int(points if points is not None else vt.points)
        f = int(penalty_fen if penalty_fen is not None else vt.penalty_fen)
        problem = rules.reduction_problem(p, f, vt.points, vt.penalty_fen)
        if problem:
            raise DomainError(ComplianceError.INVALID_REDUCTION, problem, field="points")
        record.points_deducted, record.penalty_fen = p, f
    elif decision == "upheld":
        record.points_deducted, record.penalty_fen = vt.points, vt.penalty_fen
    else:
        record.points_deducted, record.penalty_fen = 0, 0
    before = snap(record)
    fsm.transition(record, DECISIONS[decision], label=gettext("裁定"))
    record.decision_reason = text
    record.decided_at = clock.now()
    record.decided_by = user_of(actor)
    record.save()
    audit.record(
        actor=actor,
        action=ComplianceEvent.VIOLATION_DECIDED,
        obj=record,
        partner_id=record.partner_id,
        before=before,
        after=snap(record),
        reason=text,
    )
    if record.upheld:
        apply_upheld(record, actor=actor)
    notify_partner(
        record.partner,
        notify.text(
            gettext_noop("违约裁定：%(state)s（%(record_number)s）"),
            state=record.get_state_display(),
            record_number=record.number,
        ),
        notify.text(
            gettext_noop("%(text)s\n扣信用分 %(points_deducted)s 分，违约金 %(penalty_fen)s 元。"),
            text=text,
            points_deducted=record.points_deducted,
            penalty_fen=format(record.penalty_fen / 100, ".2f"),
        ),
        record.get_absolute_url(),
    )
    return record
