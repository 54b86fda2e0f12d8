from django.urls import path

from vasops.complaints import views

app_name = "complaints"

urlpatterns = [
    # console (staff)
    path("", views.ComplaintListView.as_view(), name="list"),
    path("new/", views.new, name="new"),
    path("refunds/", views.RefundListView.as_view(), name="refunds"),
    path("dashboard/", views.dashboard, name="dashboard"),
    # portal (partner)
    path("my/", views.PortalComplaintListView.as_view(), name="portal_list"),
    # shared, scoped
    path("<int:pk>/", views.detail, name="detail"),
    # public (no login): file a complaint, check its status
    path("public/new/", views.submit, name="public_submit"),
    path("public/status/", views.status, name="public_status"),
]
