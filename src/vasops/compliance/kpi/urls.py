from django.urls import path

from vasops.compliance.kpi import views

app_name = "kpi"

urlpatterns = [
    # portal (partner)
    path("my/", views.my_kpis, name="my"),
    # console (staff); the partner page is scoped (a partner user only its own)
    path("records/", views.RecordListView.as_view(), name="records"),
    path("below/", views.BelowListView.as_view(), name="below"),
    path("partners/<int:partner_id>/", views.partner_kpis, name="partner"),
    path("import/", views.kpi_import, name="import"),
    path("import/template.csv", views.kpi_import_template, name="import_template"),
    path("definitions/", views.definitions, name="definitions"),
    path("definitions/<int:pk>/edit/", views.definition_edit, name="definition_edit"),
]
