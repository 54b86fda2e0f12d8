from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "vasops.compliance"
    label = "compliance"
    verbose_name = "违约与信用"

    def ready(self) -> None:
        from vasops.compliance import assessment, queries
        from vasops.core import ui

        assessment.register_input(
            "upheld_violations", "成立的违约次数", queries.upheld_violations_between, weight=10
        )

        ui.register_states(
            {
                "draft": "draft",
                "raised": "action",
                "accepted": "waiting",
                "appealed": "waiting",
                "upheld": "refused",
                "reduced": "refused",
                "dismissed": "done",
                "discarded": "draft",
                "confirmed": "done",
            }
        )
