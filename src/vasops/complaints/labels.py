"""Words for the keys of complaints' audit rows that are no field of the complaint (``core.history``):
the refund recorded with it, the violation it opened, and the facts a violation drafted from a
complaint keeps as its evidence."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

# the refund's fields that its audit row (on the complaint) carries: ``actions.refunds.REFUND_FIELDS``
REFUND_KEYS = (
    "charged_fen",
    "ratio_bp",
    "amount_fen",
    "period_start",
    "period_end",
    "refunded_on",
    "unsubscribed",
)


def field_labels() -> dict[str, Any]:
    from vasops.complaints.models import Complaint, Refund

    table: dict[str, Any] = {name: Refund._meta.get_field(name).verbose_name for name in REFUND_KEYS}
    table.update(
        {
            "violation": _("违约记录"),
            # a violation's evidence (``actions.refunds.open_violation``)
            "complaint": _("投诉单号"),
            "msisdn": _("用户号码"),
            "category": Complaint._meta.get_field("category").verbose_name,
            "description": Complaint._meta.get_field("description").verbose_name,
            "partner_answer": Complaint._meta.get_field("partner_answer").verbose_name,
            "reopen_count": Complaint._meta.get_field("reopen_count").verbose_name,
        }
    )
    return table
