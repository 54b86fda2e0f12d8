from vasops.compliance.detection.nav import CONSOLE_NAV as DETECTION_CONSOLE_NAV
from vasops.compliance.kpi.nav import CONSOLE_NAV as KPI_CONSOLE_NAV
from vasops.compliance.kpi.nav import PORTAL_NAV as KPI_PORTAL_NAV

PORTAL_NAV = [*KPI_PORTAL_NAV]
CONSOLE_NAV = [*KPI_CONSOLE_NAV, *DETECTION_CONSOLE_NAV]
