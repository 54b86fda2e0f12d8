"""The KPI figure fed to the periodic assessment (compliance.assessment.register_input)."""

from __future__ import annotations

INPUT_NAME = "kpi_below_threshold"


def register() -> None:
    """Called from ComplianceConfig.ready(): the assessment counts KPI results below threshold."""
    from vasops.compliance import assessment
    from vasops.compliance.kpi import queries

    assessment.register_input(INPUT_NAME, "KPI 未达标项数", queries.below_threshold_count)
