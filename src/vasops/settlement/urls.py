from django.urls import path

from vasops.settlement import views

app_name = "settlement"

urlpatterns = [
    # console (finance)
    path("runs/", views.RunListView.as_view(), name="runs"),
    path("runs/new/", views.run_new, name="run_new"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/approve/", views.run_approve, name="run_approve"),
    path("runs/<int:pk>/publish/", views.run_publish, name="run_publish"),
    path("runs/<int:pk>/restart/", views.run_restart, name="run_restart"),
    path("statements/", views.StatementListView.as_view(), name="statements"),
    path("ratios/", views.RatioListView.as_view(), name="ratios"),
    path("ratios/new/", views.ratio_new, name="ratio_new"),
    path("ratios/sync/", views.ratio_sync, name="ratio_sync"),
    path("bad-debt/", views.BadDebtListView.as_view(), name="bad_debt"),
    path("bad-debt/new/", views.bad_debt_new, name="bad_debt_new"),
    path("adjustments/", views.AdjustmentListView.as_view(), name="adjustments"),
    path("adjustments/new/", views.adjustment_new, name="adjustment_new"),
    path("dashboard/", views.dashboard, name="dashboard"),
    # portal (partner): the same scoped pages under their own names
    path("my/statements/", views.StatementListView.as_view(), name="my_statements"),
    path("my/ratios/", views.RatioListView.as_view(), name="my_ratios"),
    path("my/adjustments/", views.AdjustmentListView.as_view(), name="my_adjustments"),
    # shared (scoped)
    path("statements/<int:pk>/", views.statement_detail, name="statement_detail"),
    path("statements/<int:pk>/pdf/", views.statement_pdf, name="statement_pdf"),
    path("statements/<int:pk>/xlsx/", views.statement_xlsx, name="statement_xlsx"),
]
