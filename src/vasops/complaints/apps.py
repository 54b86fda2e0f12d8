from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "vasops.complaints"
    label = "complaints"
    verbose_name = "客户投诉"

    def ready(self) -> None:
        from vasops.complaints import rules
        from vasops.core import ui

        ui.register_states(rules.STATE_FAMILIES)
