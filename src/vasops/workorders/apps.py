from django.apps import AppConfig


class WorkordersConfig(AppConfig):
    name = "vasops.workorders"
    label = "workorders"
