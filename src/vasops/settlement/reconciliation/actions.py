"""The only code that changes reconciliations and disputes. Every act is atomic, checks who may
do it, audits and notifies the side that must act next (《日常事务办理规范》第三章 五、附件 7)."""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from vasops.core import audit, calendar, clock, documents, notify
from vasops.core.errors import DomainError, NotFound, PermissionDenied
from vasops.core.marks import gettext_noop
from vasops.core.models import Deadline
from vasops.core.numbering import next_number
from vasops.partners.queries import partner_of, partner_users
from vasops.settlement.actions import record_adjustment
from vasops.settlement.errors import SettlementError
from vasops.settlement.events import SettlementEvent
from vasops.settlement.models import Adjustment
from vasops.settlement.reconciliation import diff, queries, rules, upload
from vasops.settlement.reconciliation.models import (
    Dispute,
    DisputeEvidence,
    Reconciliation,
    ReconciliationLine,
)

REC_FIELDS = ["state", "our_count", "our_fee_fen", "their_count", "their_fee_fen", "status_counts", "uploads"]
DISPUTE_FIELDS = ["state", "claimed_fen", "accepted_fen", "decision_reason", "due_at", "escalated_at"]


def dispute_working_days() -> int:
    return int(getattr(settings, "VASOPS_DISPUTE_WORKING_DAYS", 5))


def _partner_actor(actor: Any) -> Any:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(gettext("请先登录。"))
    partner = partner_of(actor)
    if partner is None:
        raise PermissionDenied(gettext("只有合作伙伴用户可以办理对账申请和提出争议。"))
    return partner


def _own(actor: Any, rec: Reconciliation) -> None:
    """The actor's partner owns ``rec``; anyone else gets 'not found'."""
    partner = _partner_actor(actor)
    if rec.partner_id != partner.pk:
        raise NotFound()


def _locked(rec: Reconciliation) -> Reconciliation:
    return Reconciliation.objects.select_for_update(of=("self",)).select_related("partner").get(pk=rec.pk)


def _money(fen: int) -> notify.Text:
    """An amount in a notification, in yuan, in the reader's words."""
    return notify.text(gettext_noop("%(amount)s 元"), amount=f"{fen / 100:,.2f}")


# --- the request --------------------------------------------------------------------------
@transaction.atomic(durable=True)
def open_reconciliation(*, actor: Any, month: dt.date, note: str = "") -> Reconciliation:
    """A partner user opens the reconciliation request 对账申请 of an ended month."""
    partner = _partner_actor(actor)
    month = month.replace(day=1)
    if not rules.month_ended(month, clock.today()):
        raise DomainError(
            SettlementError.RECONCILIATION_MONTH_NOT_ENDED,
            gettext("%(month)s尚未结束，月结束后才能申请对账。")
            % {"month": format(month, gettext("%Y 年 %m 月"))},
            field="month",
            clause=rules.CLAUSE,
        )
    if (
        Reconciliation.objects.filter(partner=partner, month=month)
        .exclude(state=Reconciliation.State.CLOSED)
        .exists()
    ):
        raise DomainError(
            SettlementError.RECONCILIATION_EXISTS,
            gettext("%(month)s已有进行中的对账申请。") % {"month": format(month, gettext("%Y 年 %m 月"))},
            field="month",
            status=409,
        )
    rec = Reconciliation.objects.create(
        number=next_number(f"DZ{month:%Y%m}-"),
        partner=partner,
        month=month,
        note=(note or "").strip(),
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action=SettlementEvent.RECONCILIATION_OPENED,
        obj=rec,
        partner_id=partner.pk,
        after={"number": rec.number, "month": month, "state": rec.state},
        reason=rec.note,
    )
    notify.send(
        queries.finance_users(),
        subject=notify.text(
            gettext_noop("%(partner_name)s 提交对账申请 %(rec_number)s（%(month)s）"),
            partner_name=partner.name,
            rec_number=rec.number,
            month=format(month, "%Y-%m"),
        ),
        body=gettext_lazy("合作方将上传对账文件，比对结果和争议在对账申请页查看。"),
        url=rec.get_absolute_url(),
    )
    return rec


@transaction.atomic(durable=True)
def upload_records(
    rec: Reconciliation, *, actor: Any, summary: IO[bytes], detail: IO[bytes] | None = None
) -> Reconciliation:
    """The partner uploads its records (汇总 day × product, optionally 话单明细); they are checked
    line by line (nothing is kept if one is bad) and diffed against our CDR export of the month."""
    _own(actor, rec)
    rec = _locked(rec)
    problem = rules.upload_problem(rec.state, rec.disputes.count())
    if problem:
        code = (
            SettlementError.RECONCILIATION_CLOSED
            if rec.state == Reconciliation.State.CLOSED
            else SettlementError.RECONCILIATION_HAS_DISPUTES
        )
        raise DomainError(code, problem, status=409)
    days = rules.month_days(rec.month)
    missing = rules.missing_days(rec.month, diff.exported_days(rec.month))
    if missing:
        raise DomainError(
            SettlementError.RECONCILIATION_CDR_MISSING,
            gettext(
                "%(month)s的话单尚未全部导出（缺 %(describe_days)s），暂不能比对；请稍后再试或联系结算人员。"
            )
            % {
                "month": format(rec.month, gettext("%Y 年 %m 月")),
                "describe_days": rules.describe_days(missing),
            },
            status=409,
            missing_days=[d.isoformat() for d in missing],
        )
    own = queries.own_products(rec.partner)
    known = queries.known_codes()
    theirs = upload.read_summary(summary, month=rec.month, own_products=own, known_codes=known)
    parsed_detail = (
        upload.read_detail(detail, month=rec.month, own_products=own, known_codes=known)
        if detail is not None
        else None
    )
    try:
        ours = diff.our_summary(rec.partner_id, days)
        lines = rules.diff_lines(ours, theirs.rows)
        codes = queries.product_codes({line.product_id for line in lines})
        before = audit.snapshot(rec, REC_FIELDS)
        rec.lines.all().delete()
        ReconciliationLine.objects.bulk_create(
            [
                ReconciliationLine(
                    reconciliation=rec,
                    day=line.day,
                    product_id=line.product_id,
                    product_code=codes.get(line.product_id, ""),
                    our_count=line.our_count,
                    our_fee_fen=line.our_fee_fen,
                    their_count=line.their_count,
                    their_fee_fen=line.their_fee_fen,
                    their_line=line.their_line,
                    status=line.status,
                )
                for line in lines
            ],
            batch_size=2000,
        )
        rec.uploads += 1
        if parsed_detail is not None:
            rec.detail_path = str(upload.place_detail(parsed_detail, rec.pk, rec.uploads))
            rec.detail_rows = parsed_detail.rows
            rec.detail_file_name = parsed_detail.file_name
        else:
            rec.detail_path = ""
            rec.detail_rows = 0
            rec.detail_file_name = ""
    except BaseException:
        if parsed_detail is not None:
            parsed_detail.path.unlink(missing_ok=True)
        raise
    rec.file_name = theirs.file_name
    rec.file_encoding = theirs.encoding
    rec.our_count = sum(line.our_count for line in lines)
    rec.our_fee_fen = sum(line.our_fee_fen for line in lines)
    rec.their_count = sum(line.their_count for line in lines)
    rec.their_fee_fen = sum(line.their_fee_fen for line in lines)
    rec.status_counts = rules.status_counts([line.status for line in lines])
    rec.uploaded_at = clock.now()
    rec.state = Reconciliation.State.DIFFED
    rec.save()
    audit.record(
        actor=actor,
        action=SettlementEvent.RECONCILIATION_UPLOADED,
        obj=rec,
        partner_id=rec.partner_id,
        before=before,
        after={
            **audit.snapshot(rec, REC_FIELDS),
            "file": rec.file_name,
            "encoding": rec.file_encoding,
            "detail_file": rec.detail_file_name,
            "detail_rows": rec.detail_rows,
        },
    )
    differing = len(lines) - rec.status_counts.get(rules.MATCHED, 0)
    body = notify.text(
        gettext_noop(
            "平台 %(our_count)s 条 %(money)s，合作方 %(their_count)s 条 "
            "%(money2)s；%(lines_count)s 行中 %(differing)s 行不一致。"
        ),
        our_count=rec.our_count,
        money=_money(rec.our_fee_fen),
        their_count=rec.their_count,
        money2=_money(rec.their_fee_fen),
        lines_count=len(lines),
        differing=differing,
    )
    notify.send(
        [*partner_users(rec.partner), *queries.finance_users()],
        subject=notify.text(gettext_noop("对账申请 %(rec_number)s 比对完成"), rec_number=rec.number),
        body=body,
        url=rec.get_absolute_url(),
    )
    return rec


@transaction.atomic(durable=True)
def close_reconciliation(rec: Reconciliation, *, actor: Any, note: str = "") -> Reconciliation:
    """The partner (its own) or finance closes a request whose disputes are all decided."""
    if queries.can_decide(actor):
        pass
    else:
        _own(actor, rec)
    rec = _locked(rec)
    if rec.state == Reconciliation.State.CLOSED:
        raise DomainError(SettlementError.RECONCILIATION_CLOSED, gettext("对账申请已关闭。"), status=409)
    if queries.pending_disputes(rec).exists():
        raise DomainError(
            SettlementError.RECONCILIATION_DISPUTES_PENDING,
            gettext("还有待处理的争议，处理完毕后才能关闭。"),
            status=409,
        )
    before = audit.snapshot(rec, ["state"])
    rec.state = Reconciliation.State.CLOSED
    rec.closed_at = clock.now()
    rec.save(update_fields=["state", "closed_at", "updated_at"])
    audit.record(
        actor=actor,
        action=SettlementEvent.RECONCILIATION_CLOSED,
        obj=rec,
        partner_id=rec.partner_id,
        before=before,
        after=audit.snapshot(rec, ["state"]),
        reason=(note or "").strip(),
    )
    notify.send(
        [u for u in [*partner_users(rec.partner), *queries.finance_users()] if u.pk != actor.pk],
        subject=notify.text(gettext_noop("对账申请 %(rec_number)s 已关闭"), rec_number=rec.number),
        body=(note or "").strip(),
        url=rec.get_absolute_url(),
    )
    return rec


# --- disputes -----------------------------------------------------------------------------
@transaction.atomic(durable=True)
def raise_dispute(
    line: ReconciliationLine,
    *,
    actor: Any,
    reason: str,
    claimed_fen: int | None = None,
    evidence: list[Any] | None = None,
) -> Dispute:
    """The partner disputes a diff line 争议, with its reason and evidence files; finance must
    decide within ``VASOPS_DISPUTE_WORKING_DAYS`` working days."""
    rec = line.reconciliation
    _own(actor, rec)
    rec = _locked(rec)
    line = ReconciliationLine.objects.select_for_update().get(pk=line.pk)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            SettlementError.DISPUTE_REASON_REQUIRED, gettext("请填写争议理由。"), field="reason"
        )
    pending = line.disputes.filter(state=Dispute.State.PENDING).exists()
    problem = rules.dispute_problem(state=rec.state, line_status=line.status, pending=pending)
    if problem:
        code = {
            rules.MATCHED: SettlementError.DISPUTE_LINE_MATCHED,
        }.get(line.status, SettlementError.DISPUTE_ALREADY_PENDING)
        if rec.state != Reconciliation.State.DIFFED:
            code = SettlementError.RECONCILIATION_NOT_DIFFED
        raise DomainError(code, problem, status=409)
    claim = line.fee_difference_fen if claimed_fen is None else int(claimed_fen)
    problem = rules.claim_problem(claim)
    if problem:
        raise DomainError(SettlementError.DISPUTE_AMOUNT_INVALID, problem, field="claimed_fen")
    now = clock.now()
    due = calendar.deadline_after(clock.local_date(now), dispute_working_days())
    dispute = Dispute.objects.create(
        number=next_number(f"ZY{clock.today():%Y%m}-"),
        reconciliation=rec,
        line=line,
        partner=rec.partner,
        reason=reason,
        claimed_fen=claim,
        due_at=due,
        raised_by=actor,
    )
    Deadline.objects.create(
        object_type=audit.object_type_of(dispute),
        object_id=str(dispute.pk),
        partner_id=rec.partner_id,
        kind=queries.DEADLINE_KIND,
        due_at=due,
    )
    files = [_store_evidence(dispute, actor, f) for f in (evidence or [])]
    audit.record(
        actor=actor,
        action=SettlementEvent.DISPUTE_RAISED,
        obj=dispute,
        partner_id=rec.partner_id,
        after={
            **audit.snapshot(dispute, DISPUTE_FIELDS),
            "number": dispute.number,
            "reconciliation": rec.number,
            "day": line.day,
            "product_code": line.product_code,
            "files": files,
        },
        reason=reason,
    )
    notify.send(
        queries.finance_users(),
        subject=notify.text(
            gettext_noop("新的对账争议 %(dispute_number)s（%(partner_name)s）"),
            dispute_number=dispute.number,
            partner_name=rec.partner.name,
        ),
        body=notify.text(
            gettext_noop(
                "%(day)s 产品 %(product_code)s：主张 %(money)s。%(reason)s\n请在 "
                "%(localtime)s 前处理（%(dispute_working_days)s 个工作日）。"
            ),
            day=line.day,
            product_code=line.product_code or line.product_id,
            money=_money(claim),
            reason=reason[:300],
            localtime=format(timezone.localtime(due), "%Y-%m-%d"),
            dispute_working_days=dispute_working_days(),
        ),
        url=dispute.get_absolute_url(),
    )
    return dispute


def _store_evidence(dispute: Dispute, actor: Any, upload_file: Any) -> str:
    doc = documents.store(
        upload_file,
        actor=actor,
        partner_id=dispute.partner_id,
        kind="reconciliation_dispute",
        field="evidence",
    )
    DisputeEvidence.objects.create(dispute=dispute, document=doc, added_by=actor)
    return doc.original_name


@transaction.atomic(durable=True)
def add_evidence(dispute: Dispute, *, actor: Any, upload_file: Any) -> DisputeEvidence:
    """The partner adds an evidence file to its pending dispute."""
    _own(actor, dispute.reconciliation)
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if dispute.state != Dispute.State.PENDING:
        raise DomainError(
            SettlementError.DISPUTE_NOT_PENDING, gettext("争议已处理，不能再补充证据。"), status=409
        )
    name = _store_evidence(dispute, actor, upload_file)
    audit.record(
        actor=actor,
        action=SettlementEvent.DISPUTE_EVIDENCE_ADDED,
        obj=dispute,
        partner_id=dispute.partner_id,
        after={"file": name},
    )
    notify.send(
        queries.finance_users(),
        subject=notify.text(
            gettext_noop("对账争议 %(dispute_number)s 补充了证据"), dispute_number=dispute.number
        ),
        body=name,
        url=dispute.get_absolute_url(),
    )
    return dispute.evidence.order_by("-id").first()  # type: ignore[return-value]


def _decidable(dispute: Dispute, actor: Any) -> Dispute:
    if not queries.can_decide(actor):
        if partner_of(actor) is not None and dispute.partner_id != partner_of(actor).pk:  # type: ignore[union-attr]
            raise NotFound()
        raise PermissionDenied(gettext("只有结算人员可以处理对账争议。"), perms=[queries.DECIDE])
    locked = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("reconciliation", "line", "partner")
        .get(pk=dispute.pk)
    )
    if locked.state != Dispute.State.PENDING:
        raise DomainError(
            SettlementError.DISPUTE_NOT_PENDING,
            gettext("争议 %(locked_number)s 当前状态为“%(state)s”，不能再处理。")
            % {"locked_number": locked.number, "state": locked.get_state_display()},
            status=409,
        )
    return locked


def _close_deadline(dispute: Dispute, now: dt.datetime) -> None:
    Deadline.objects.filter(
        object_type=audit.object_type_of(dispute),
        object_id=str(dispute.pk),
        kind=queries.DEADLINE_KIND,
        state=Deadline.State.OPEN,
    ).update(state=Deadline.State.MET, closed_at=now)


@transaction.atomic(durable=True)
def accept_dispute(dispute: Dispute, *, actor: Any, reason: str, amount_fen: int | None = None) -> Dispute:
    """Finance accepts 接受: a ``dispute`` Adjustment of the accepted amount is recorded for the
    month after the reconciled one (carried into that month's run); once per dispute."""
    dispute = _decidable(dispute, actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            SettlementError.DISPUTE_REASON_REQUIRED, gettext("请填写处理意见。"), field="reason"
        )
    amount = dispute.claimed_fen if amount_fen is None else int(amount_fen)
    problem = rules.claim_problem(amount)
    if problem:
        raise DomainError(SettlementError.DISPUTE_AMOUNT_INVALID, problem, field="amount_fen")
    before = audit.snapshot(dispute, DISPUTE_FIELDS)
    line = dispute.line
    adjustment = record_adjustment(
        actor=actor,
        partner=dispute.partner,
        kind=Adjustment.Kind.DISPUTE,
        month=rules.next_month(dispute.reconciliation.month),
        amount_fen=amount,
        reason=notify.text(
            gettext_noop("对账争议 %(number)s（%(day)s 产品 %(product)s）：%(reason)s"),
            number=dispute.number,
            day=str(line.day),
            product=line.product_code or str(line.product_id),
            reason=reason,
        ),
        product=line.product,
        source=dispute,
    )
    now = clock.now()
    dispute.state = Dispute.State.ACCEPTED
    dispute.accepted_fen = amount
    dispute.decision_reason = reason
    dispute.decided_by = actor
    dispute.decided_at = now
    dispute.adjustment = adjustment
    dispute.save()
    _close_deadline(dispute, now)
    audit.record(
        actor=actor,
        action=SettlementEvent.DISPUTE_ACCEPTED,
        obj=dispute,
        partner_id=dispute.partner_id,
        before=before,
        after={
            **audit.snapshot(dispute, DISPUTE_FIELDS),
            "adjustment": adjustment.pk,
            "month": adjustment.month,
        },
        reason=reason,
    )
    notify.send(
        partner_users(dispute.partner),
        subject=notify.text(
            gettext_noop("对账争议 %(dispute_number)s 已接受"), dispute_number=dispute.number
        ),
        body=notify.text(
            gettext_noop("认定 %(money)s，计入 %(month)s结算。%(reason)s"),
            money=_money(amount),
            month=notify.formatted(adjustment.month, gettext_noop("%Y 年 %m 月")),
            reason=reason,
        ),
        url=dispute.get_absolute_url(),
    )
    return dispute


@transaction.atomic(durable=True)
def reject_dispute(dispute: Dispute, *, actor: Any, reason: str) -> Dispute:
    """Finance rejects 驳回 with a reason."""
    dispute = _decidable(dispute, actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            SettlementError.DISPUTE_REASON_REQUIRED, gettext("驳回须说明理由。"), field="reason"
        )
    before = audit.snapshot(dispute, DISPUTE_FIELDS)
    now = clock.now()
    dispute.state = Dispute.State.REJECTED
    dispute.decision_reason = reason
    dispute.decided_by = actor
    dispute.decided_at = now
    dispute.save()
    _close_deadline(dispute, now)
    audit.record(
        actor=actor,
        action=SettlementEvent.DISPUTE_REJECTED,
        obj=dispute,
        partner_id=dispute.partner_id,
        before=before,
        after=audit.snapshot(dispute, DISPUTE_FIELDS),
        reason=reason,
    )
    notify.send(
        partner_users(dispute.partner),
        subject=notify.text(
            gettext_noop("对账争议 %(dispute_number)s 已驳回"), dispute_number=dispute.number
        ),
        body=reason,
        url=dispute.get_absolute_url(),
    )
    return dispute


# --- for the sweep ------------------------------------------------------------------------
@transaction.atomic(durable=True)
def escalate_overdue(dispute_id: int, *, now: dt.datetime | None = None) -> bool:
    """The worker's act for a dispute whose deadline has passed: escalate once to the department
    heads and finance (the deadline is marked missed). Idempotent; returns whether it escalated."""
    moment = now or clock.now()
    dispute = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("partner")
        .filter(pk=dispute_id)
        .first()
    )
    if dispute is None:
        return False
    deadline = (
        Deadline.objects.select_for_update()
        .filter(
            object_type=audit.object_type_of(dispute),
            object_id=str(dispute.pk),
            kind=queries.DEADLINE_KIND,
            state=Deadline.State.OPEN,
        )
        .first()
    )
    if deadline is None:
        return False
    if dispute.state != Dispute.State.PENDING:
        deadline.state = Deadline.State.CANCELLED
        deadline.closed_at = moment
        deadline.save(update_fields=["state", "closed_at"])
        return False
    if not rules.is_overdue(deadline.due_at, moment):
        return False
    before = audit.snapshot(dispute, DISPUTE_FIELDS)
    dispute.escalated_at = moment
    dispute.save(update_fields=["escalated_at"])
    deadline.state = Deadline.State.MISSED
    deadline.closed_at = moment
    deadline.save(update_fields=["state", "closed_at"])
    audit.record(
        actor="system",
        action=SettlementEvent.DISPUTE_ESCALATED,
        obj=dispute,
        partner_id=dispute.partner_id,
        before=before,
        after=audit.snapshot(dispute, DISPUTE_FIELDS),
        reason=notify.text(
            gettext_noop("超过处理时限 %(due)s"), due=f"{timezone.localtime(dispute.due_at):%Y-%m-%d %H:%M}"
        ),
    )
    notify.send(
        [*queries.department_heads(), *queries.finance_users()],
        subject=notify.text(
            gettext_noop("对账争议超期升级：%(dispute_number)s（%(partner_name)s）"),
            dispute_number=dispute.number,
            partner_name=dispute.partner.name,
        ),
        body=notify.text(
            gettext_noop("处理时限 %(localtime)s 已过，争议仍待处理。"),
            localtime=format(timezone.localtime(dispute.due_at), "%Y-%m-%d"),
        ),
        url=dispute.get_absolute_url(),
    )
    return True
