from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "vasops.console"
    label = "console"
