from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "vasops.compliance"
    label = "compliance"
    verbose_name = "违约与信用"

    def ready(self) -> None:
        from vasops.compliance.kpi import inputs as kpi_inputs

        kpi_inputs.register()
