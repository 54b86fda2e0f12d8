from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "vasops.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from django.core.signals import request_finished
        from django.db.models.signals import post_migrate, pre_save

        from vasops.core import imports, inputs, request_context, roles  # noqa: F401  (imports: its download rule)

        post_migrate.connect(roles.sync_role_groups, dispatch_uid="vasops.core.sync_roles")
        # text and integers the database cannot hold → core.validation, never a DataError (500)
        pre_save.connect(inputs.guard_pre_save, dispatch_uid="vasops.core.inputs_guard")
        request_finished.connect(request_context.clear_request_id, dispatch_uid="vasops.core.request_id")
