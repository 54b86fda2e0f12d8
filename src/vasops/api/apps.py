from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "vasops.api"
    label = "api"
