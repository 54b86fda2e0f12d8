from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "vasops.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from vasops.core import roles

        post_migrate.connect(roles.sync_role_groups, dispatch_uid="vasops.core.sync_roles")
