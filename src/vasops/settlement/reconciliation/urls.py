from django.urls import path

from vasops.settlement.reconciliation import views

app_name = "reconciliation"

urlpatterns = [
    path("", views.ReconciliationListView.as_view(), name="list"),
    path("mine/", views.PortalReconciliationListView.as_view(), name="mine"),
    path("new/", views.new, name="new"),
    path("examples/<str:name>", views.example, name="example"),
    path("disputes/", views.DisputeQueueView.as_view(), name="disputes"),
    path("disputes/<int:pk>/", views.dispute_detail, name="dispute"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/cdr/", views.cdr_diff, name="cdr_diff"),
    path("<int:pk>/lines/<int:line_id>/dispute/", views.raise_dispute, name="raise_dispute"),
]
