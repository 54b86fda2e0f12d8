"""REST routes of compliance under /api/v1/compliance/…"""

from __future__ import annotations

from vasops.compliance.detection.api import routers as detection_routers
from vasops.compliance.kpi.api import routers as kpi_routers

routers = [*kpi_routers, *detection_routers]
