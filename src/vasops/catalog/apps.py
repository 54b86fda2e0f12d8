from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "vasops.catalog"
    label = "catalog"
