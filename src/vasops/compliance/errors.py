"""Stable error codes of compliance (violations, blocking, credit, assessment, exit)."""

from __future__ import annotations

from vasops.core.vocabulary import ErrorCode


class ComplianceError(ErrorCode):
    # SP KPIs (compliance.kpi) and detection of unauthorised charging (compliance.detection)
    KPI_IMPORT_INVALID = "compliance.kpi_import_invalid"
    KPI_UNKNOWN = "compliance.kpi_unknown"
    KPI_INVALID_VALUE = "compliance.kpi_invalid_value"
    KPI_INVALID_PERIOD = "compliance.kpi_invalid_period"
    KPI_INVALID_THRESHOLD = "compliance.kpi_invalid_threshold"
    KPI_PARTNER_UNKNOWN = "compliance.kpi_partner_unknown"
    DETECTION_INVALID_RULE = "compliance.detection_invalid_rule"
    DETECTION_INVALID_DAY = "compliance.detection_invalid_day"
