from django.urls import path

from vasops.compliance import views

app_name = "compliance"

urlpatterns = [
    # portal (partner)
    path("my/", views.MyViolationsView.as_view(), name="my_violations"),
    path("my/credit/", views.my_credit, name="my_credit"),
    # shared detail (scoped)
    path("violations/<int:pk>/", views.violation_detail, name="violation_detail"),
    path("violations/<int:pk>/appeal/", views.violation_appeal, name="violation_appeal"),
    path("violations/<int:pk>/accept/", views.violation_accept, name="violation_accept"),
    # console (staff)
    path("violations/", views.ViolationListView.as_view(), name="violations"),
    path("violations/new/", views.violation_new, name="violation_new"),
    path("violations/<int:pk>/raise/", views.violation_raise, name="violation_raise"),
    path("violations/<int:pk>/discard/", views.violation_discard, name="violation_discard"),
    path("violations/<int:pk>/decide/", views.violation_decide, name="violation_decide"),
    path("types/", views.ViolationTypeListView.as_view(), name="types"),
    path("types/new/", views.type_edit, name="type_new"),
    path("types/<str:code>/", views.type_edit, name="type_edit"),
    path("settings/", views.settings_edit, name="settings"),
    path("blocks/", views.BlockListView.as_view(), name="blocks"),
    path("blocks/new/", views.block_new, name="block_new"),
    path("blocks/<int:pk>/lift/", views.block_lift, name="block_lift"),
    path("credit/", views.CreditListView.as_view(), name="credit"),
    path("partners/<int:pk>/credit/", views.partner_credit, name="partner_credit"),
    path("partners/<int:pk>/credit/chart.svg", views.credit_chart, name="credit_chart"),
    path("assessments/", views.assessments, name="assessments"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("exits/", views.exits, name="exits"),
    path("reports/", views.reports, name="reports"),
    path("reports/export.xlsx", views.reports_export, name="reports_export"),
]
