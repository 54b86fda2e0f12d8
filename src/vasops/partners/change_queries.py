"""Read side of basic-info change requests 基本信息变更. A partner user sees only their own
partner's requests; staff holding partners.view_partnerchangerequest see all."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext

from vasops.partners.models import BankAccount, Partner, PartnerChangeRequest

VIEW_PERM = "partners.view_partnerchangerequest"
REVIEW_PERM = "partners.review_change_request"


def visible_change_requests(user: Any) -> QuerySet[PartnerChangeRequest]:
    qs = PartnerChangeRequest.objects.select_related(
        "partner", "submitted_by", "first_approver", "second_approver", "decided_by"
    )
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.has_perm(VIEW_PERM):
        return qs
    membership = getattr(user, "partner_membership", None)
    if membership is None:
        return qs.none()
    return qs.filter(partner_id=membership.partner_id)


def bank_account_at(partner: Partner, day: dt.date) -> BankAccount | None:
    """The settlement bank account valid on ``day``: the latest one whose effective_from is on or
    before that day (a change approved for next month does not count yet)."""
    return (
        BankAccount.objects.filter(partner=partner, effective_from__lte=day)
        .order_by("-effective_from", "-created_at", "-pk")
        .first()
    )


def pending_bank_change(partner: Partner) -> PartnerChangeRequest | None:
    return (
        PartnerChangeRequest.objects.filter(
            partner=partner, kind="bank_account", state=PartnerChangeRequest.State.SECOND_APPROVED
        )
        .order_by("effective_from")
        .first()
    )


def available_ops(user: Any, cr: PartnerChangeRequest) -> list[tuple[str, str]]:
    """(op, label) of the review steps ``user`` may take now on ``cr``, labels in the active language."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm(REVIEW_PERM):
        return []
    state = cr.state
    ops: list[tuple[str, str]] = []
    if state == PartnerChangeRequest.State.SUBMITTED:
        ops.append(
            ("approve", gettext("初审通过") if cr.needs_second_approval else gettext("审核通过并生效"))
        )
    if (
        state == PartnerChangeRequest.State.APPROVED
        and cr.needs_second_approval
        and cr.first_approver_id != user.pk
    ):
        ops.append(("second-approve", gettext("复核通过")))
    if state in {PartnerChangeRequest.State.SUBMITTED, PartnerChangeRequest.State.APPROVED}:
        ops += [("return", gettext("退回修改")), ("reject", gettext("驳回"))]
    return ops
