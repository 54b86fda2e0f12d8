from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import path

from vasops.core import views

app_name = "core"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/2fa/", views.two_factor, name="two_factor"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/", views.open_notification, name="open_notification"),
    path("documents/<uuid:uuid>/", views.download, name="download"),
    path("console/calendar/", views.calendar_year, name="calendar"),
    path("console/calendar/<int:year>/", views.calendar_year, name="calendar_year"),
    path("console/audit/", login_required(views.AuditLogView.as_view()), name="audit_log"),
]
