from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "vasops.portal"
    label = "portal"
