from django.urls import include, path

app_name = "compliance"

urlpatterns = [
    path("kpi/", include("vasops.compliance.kpi.urls")),
    path("detection/", include("vasops.compliance.detection.urls")),
]
