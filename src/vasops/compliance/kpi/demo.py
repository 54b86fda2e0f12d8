"""Demo data of the SP KPIs (called by ``seed_demo``): three months of results of the contracted
partner, one of them below its threshold."""

from __future__ import annotations

from typing import Any

from vasops.compliance.kpi import actions
from vasops.compliance.kpi.models import KpiDefinition, KpiRecord

# (indicator, period, value as the O&M engineer types it)
DEMO_RESULTS = [
    ("wap_response_time", "2026-10", "2300"),
    ("wap_response_time", "2026-11", "2450"),
    ("wap_response_time", "2026-12", "2600"),
    ("wap_page_success", "2026-10", "97.2"),
    ("wap_page_success", "2026-11", "96.1"),
    ("wap_page_success", "2026-12", "93.8"),  # below the 95 % threshold
    ("gateway_sp_connect", "2026-11", "99.6"),
    ("gateway_sp_connect", "2026-12", "99.5"),
    ("sp_gateway_send", "2026-12", "99.1"),
    ("connection_threshold", "2026-12", "8"),
]


def seed_kpi_records(partner: Any, *, actor: Any) -> list[KpiRecord]:
    out = []
    for code, period, value in DEMO_RESULTS:
        out.append(
            actions.record_kpi(
                actor=actor,
                partner=partner,
                definition=KpiDefinition.objects.get(code=code),
                period=period,
                value=value,
                note="演示数据",
                source=KpiRecord.Source.FORM,
            )
        )
    return out
