from django.apps import AppConfig


class WorkordersConfig(AppConfig):
    name = "vasops.workorders"
    label = "workorders"
    verbose_name = "工单"

    def ready(self) -> None:
        from vasops.core import documents, ui
        from vasops.workorders import queries, rules

        ui.register_states(rules.STATE_FAMILIES)
        documents.register_access_rule(queries.user_may_read_document)
