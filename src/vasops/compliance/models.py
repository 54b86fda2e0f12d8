"""Compliance tables (the KPI and detection sub-packages keep theirs beside their code)."""

from vasops.compliance.detection.models import *  # noqa: F403
from vasops.compliance.kpi.models import *  # noqa: F403
