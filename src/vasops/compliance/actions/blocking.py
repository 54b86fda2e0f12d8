"""Service blocking 业务屏蔽 (ch. 7 二): of a product, of a partner's business line, of a whole
partner; enforced by the VAC (vac.ServiceBlock) from the commit on, lifted with a reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from vasops.compliance import rules
from vasops.compliance.actions.common import BLOCK, notify_partner
from vasops.compliance.errors import ComplianceError
from vasops.compliance.events import ComplianceEvent
from vasops.core import audit, clock, notify
from vasops.core.errors import DomainError, required_message, required_text
from vasops.core.marks import gettext_noop
from vasops.core.permissions import require
from vasops.vac import actions as vac_actions
from vasops.vac.models import ServiceBlock

SCOPE_TEXT = {"product": "产品", "line": "业务线", "partner": "全部业务"}


def _describe(block: ServiceBlock) -> notify.Message:
    """What a block covers, in the words of the notification's reader."""
    if block.scope == ServiceBlock.Scope.PRODUCT and block.product is not None:
        return notify.text(gettext_noop("产品“%(name)s”"), name=block.product.name)
    if block.scope == ServiceBlock.Scope.LINE and block.business_line is not None:
        return notify.text(gettext_noop("业务线“%(name)s”"), name=block.business_line.label_lazy)
    return gettext_lazy("贵司全部业务")


def place_block(
    *,
    actor: Any,
    scope: str,
    partner: Any,
    reason: notify.Message,
    product: Any = None,
    business_line: Any = None,
    ends_on: dt.date | None = None,
    source: Any = None,
) -> ServiceBlock:
    """The block itself, inside the caller's act (a staff block or an upheld violation)."""
    text = required_message(reason, ComplianceError.REASON_REQUIRED, gettext("请填写屏蔽原因。"))
    problem = rules.block_end_problem(clock.today(), ends_on)
    if problem:
        raise DomainError(ComplianceError.INVALID_BLOCK, problem, field="ends_on")
    if scope == ServiceBlock.Scope.LINE and business_line is None and product is not None:
        business_line = product.business_line
    ends_at = clock.end_of_day(ends_on) if ends_on is not None else None
    block = vac_actions.block_service(
        actor=actor,
        scope=scope,
        partner=partner,
        reason=text,
        product=product,
        business_line=business_line,
        ends_at=ends_at,
        source=source,
    )
    audit.record(
        actor=actor,
        action=ComplianceEvent.SERVICE_BLOCKED,
        obj=block,
        partner_id=partner.pk,
        after={"scope": scope, "ends_on": ends_on},
        reason=text,
    )
    until = (
        notify.text(gettext_noop("，至 %(ends_on)s 止"), ends_on=ends_on)
        if ends_on
        else gettext_lazy("，直至解除")
    )
    notify_partner(
        partner,
        notify.text(gettext_noop("业务屏蔽：%(describe)s"), describe=_describe(block)),
        notify.text(gettext_noop("%(text)s%(until)s。"), text=text, until=until),
        reverse("compliance:my_credit"),
    )
    return block


@transaction.atomic(durable=True)
def block_service(
    *,
    actor: Any,
    scope: str,
    partner: Any,
    reason: str,
    product: Any = None,
    business_line: Any = None,
    ends_on: dt.date | None = None,
) -> ServiceBlock:
    """Staff block a product, a partner's business line or the whole partner (optional end date)."""
    require(actor, BLOCK)
    return place_block(
        actor=actor,
        scope=scope,
        partner=partner,
        reason=reason,
        product=product,
        business_line=business_line,
        ends_on=ends_on,
    )


@transaction.atomic(durable=True)
def lift_block(block: ServiceBlock, *, actor: Any, reason: str) -> ServiceBlock:
    require(actor, BLOCK)
    text = required_text(reason, ComplianceError.REASON_REQUIRED, gettext("请填写解除原因。"))
    block = vac_actions.lift_service_block(block, actor=actor, reason=text)
    audit.record(
        actor=actor,
        action=ComplianceEvent.BLOCK_LIFTED,
        obj=block,
        partner_id=block.partner_id,
        reason=text,
    )
    notify_partner(
        block.partner,
        notify.text(gettext_noop("业务屏蔽已解除：%(describe)s"), describe=_describe(block)),
        text,
        reverse("compliance:my_credit"),
    )
    return block
