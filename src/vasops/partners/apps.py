from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "vasops.partners"
    label = "partners"
