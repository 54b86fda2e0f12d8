from django.apps import AppConfig


class SettlementConfig(AppConfig):
    name = "vasops.settlement"
    label = "settlement"
    verbose_name = "结算与对账"
