from django.urls import path

from vasops.console import views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("demo-clock/", views.demo_clock, name="demo_clock"),
]
