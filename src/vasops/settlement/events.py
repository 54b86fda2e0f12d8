"""Audit event types of settlement (values ``settlement.<object>_<past participle>``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vasops.core.vocabulary import EventType


class SettlementEvent(EventType):
    ADJUSTMENT_RECORDED = "settlement.adjustment_recorded", _("结算调整已登记")
