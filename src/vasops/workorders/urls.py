from django.urls import path

from vasops.workorders import views

app_name = "workorders"

urlpatterns = [
    path("", views.QueueView.as_view(), name="queue"),
    path("mine/", views.PortalListView.as_view(), name="mine"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
]
