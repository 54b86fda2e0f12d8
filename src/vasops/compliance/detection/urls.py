from django.urls import path

from vasops.compliance.detection import views

app_name = "detection"

urlpatterns = [
    path("", views.HitListView.as_view(), name="hits"),
    path("hits/<int:pk>/", views.hit_detail, name="hit"),
    path("rules/", views.rules_page, name="rules"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("run/", views.run_now, name="run"),
]
