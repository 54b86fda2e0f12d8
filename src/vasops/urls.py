from django.urls import include, path

from vasops.api.urls import api
from vasops.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("i18n/setlang/", core_views.set_language, name="set_language"),
    path("", include("vasops.core.urls")),
    path("api/v1/", api.urls),
    path("portal/", include("vasops.portal.urls")),
    path("console/", include("vasops.console.urls")),
    path("partners/", include("vasops.partners.urls")),
    path("admission/", include("vasops.admission.urls")),
    path("workorders/", include("vasops.workorders.urls")),
    path("catalog/", include("vasops.catalog.urls")),
    path("vac/", include("vasops.vac.urls")),
    path("settlement/", include("vasops.settlement.urls")),
    path("settlement/reconciliation/", include("vasops.settlement.reconciliation.urls")),
    path("compliance/", include("vasops.compliance.urls")),
    path("complaints/", include("vasops.complaints.urls")),
]

# styled error pages in the platform's words (core/templates/403.html, 404.html, 500.html)
handler403 = "vasops.core.views.permission_denied"
