from django.urls import path

from vasops.workorders import report_views, views

app_name = "workorders"

urlpatterns = [
    path("", views.QueueView.as_view(), name="queue"),
    path("mine/", views.PortalListView.as_view(), name="mine"),
    path("new/", views.new, name="new"),
    path("reports/sla/", report_views.sla_report, name="sla_report"),
    path("<int:pk>/", views.detail, name="detail"),
]
