"""What an upheld (or reduced) violation does, inside the decision's transaction: credit points,
the penalty in settlement, the catalogue entry's consequence."""

from __future__ import annotations

from typing import Any

from vasops.compliance.actions.blocking import place_block
from vasops.compliance.actions.credit import change_points
from vasops.compliance.actions.exits import exit_partner_in, exit_product_in
from vasops.compliance.models import Consequence, ViolationRecord
from vasops.core import clock, notify
from vasops.core.marks import gettext_noop
from vasops.settlement import actions as settlement_actions
from vasops.vac.models import ServiceBlock


def apply_upheld(record: ViolationRecord, *, actor: Any) -> None:
    vt = record.violation_type
    today = clock.today()
    label = notify.text(gettext_noop("违约 %(number)s（%(name)s）"), number=record.number, name=vt.name)
    if record.points_deducted:
        change_points(
            record.partner,
            actor=actor,
            delta=-record.points_deducted,
            reason=label,
            source=record,
            on=today,
            violation_grade=vt.grade,
        )
    elif vt.grade == "major":
        change_points(
            record.partner,
            actor=actor,
            delta=0,
            reason=label,
            source=record,
            on=today,
            violation_grade=vt.grade,
        )
    if record.penalty_fen:
        settlement_actions.record_adjustment(
            actor=actor,
            partner=record.partner,
            kind="penalty",
            month=today,
            amount_fen=-record.penalty_fen,
            reason=notify.text(gettext_noop("违约金：%(label)s"), label=label),
            product=record.product,
            source=record,
        )
    consequence = vt.consequence
    if consequence == Consequence.NONE:
        return
    if consequence == Consequence.EXIT_PARTNER:
        exit_partner_in(record.partner, actor=actor, reason=label, source=record)
        return
    if record.product is None:
        # block the partner when the record names no product (a partner-wide violation)
        if consequence in (Consequence.BLOCK_PRODUCT, Consequence.BLOCK_LINE):
            place_block(
                actor=actor,
                scope=ServiceBlock.Scope.PARTNER,
                partner=record.partner,
                reason=label,
                source=record,
            )
        return
    if consequence == Consequence.BLOCK_PRODUCT:
        place_block(
            actor=actor,
            scope=ServiceBlock.Scope.PRODUCT,
            partner=record.partner,
            product=record.product,
            reason=label,
            source=record,
        )
    elif consequence == Consequence.BLOCK_LINE:
        place_block(
            actor=actor,
            scope=ServiceBlock.Scope.LINE,
            partner=record.partner,
            product=record.product,
            business_line=record.product.business_line,
            reason=label,
            source=record,
        )
    elif consequence == Consequence.EXIT_PRODUCT:
        exit_product_in(record.product, actor=actor, reason=label, source=record)
