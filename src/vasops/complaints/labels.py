"""Words for the keys of complaints' audit rows that are no field of the complaint (``core.history``):
the refund recorded with it, the violation it opened, and the facts a violation drafted from a
complaint keeps as its evidence."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

# the refund's fields that its audit row (on the complaint) carries (``actions.refunds`` snapshots these)
REFUND_KEYS = (
    "charged_fen",
    "ratio_bp",
    "amount_fen",
    "period_start",
    "period_end",
    "refunded_on",
    "unsubscribed",
)


def _verbose_names(model: Any, names: tuple[str, ...]) -> dict[str, Any]:
    fields = {f.name: f for f in model._meta.concrete_fields}
    return {name: fields[name].verbose_name for name in names}


def field_labels() -> dict[str, Any]:
    from vasops.complaints.models import Complaint, Refund

    table: dict[str, Any] = _verbose_names(Refund, REFUND_KEYS)
    table["violation"] = _("违约记录")
    # a violation's evidence (``actions.refunds.open_violation``)
    table["complaint"] = _("投诉单号")
    table["msisdn"] = _("用户号码")
    table.update(_verbose_names(Complaint, ("category", "description", "partner_answer", "reopen_count")))
    return table
