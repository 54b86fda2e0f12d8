from django.apps import AppConfig


class VacConfig(AppConfig):
    name = "vasops.vac"
    label = "vac"
