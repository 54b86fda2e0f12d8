from django.apps import AppConfig


class AdmissionConfig(AppConfig):
    name = "vasops.admission"
    label = "admission"
