from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "vasops.catalog"
    label = "catalog"
    verbose_name = "产品目录"

    def ready(self) -> None:
        from vasops.core import ui

        ui.register_states(
            {
                "draft": "draft",
                "submitted": "waiting",
                "approved": "waiting",
                "configuring": "waiting",
                "testing": "waiting",
                "active": "done",
                "suspended": "refused",
                "retired": "refused",
                "rejected": "refused",
                "returned": "action",
                "effective": "done",
            }
        )
