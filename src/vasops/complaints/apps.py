from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "vasops.complaints"
    label = "complaints"
    verbose_name = "客户投诉"

    def ready(self) -> None:
        from vasops.complaints import rules
        from vasops.core import ui

        ui.register_states(rules.STATE_FAMILIES)
        self.register_assessment_inputs()

    def register_assessment_inputs(self) -> None:
        """The complaint counts assessment (考核) reads per partner and period, through
        compliance's registry (compliance sits below complaints and cannot import it)."""
        try:
            from vasops.compliance import assessment
        except ImportError:  # compliance not installed (yet)
            return
        from vasops.complaints import queries

        assessment.register_input("complaints", "客户投诉量", queries.complaint_count)
        assessment.register_input("repeat_complaints", "重复投诉次数", queries.repeat_count)
