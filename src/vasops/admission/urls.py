from django.urls import path

from vasops.admission import views
from vasops.admission.exam import urls as exam_urls
from vasops.admission.review import urls as review_urls

app_name = "admission"

urlpatterns: list = [
    path("applications/", views.ApplicationListView.as_view(), name="application_list"),
    path("my/", views.MyApplicationsView.as_view(), name="my_applications"),
    path("applications/new/", views.application_new, name="application_new"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/materials/", views.application_materials, name="application_materials"),
    path("applications/<int:pk>/products/", views.application_products, name="application_products"),
    path("applications/<int:pk>/check/", views.application_check, name="application_check"),
    path("applications/<int:pk>/submit/", views.application_submit, name="application_submit"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="application_withdraw"),
    path("applications/<int:pk>/access-data/", views.application_access_data, name="application_access_data"),
    path("applications/<int:pk>/review/", views.application_review, name="application_review"),
    path("applications/<int:pk>/decision/", views.application_decide, name="application_decide"),
    path("applications/<int:pk>/work-orders/", views.application_work_orders, name="application_work_orders"),
    path(
        "applications/<int:pk>/start-testing/",
        views.application_start_testing,
        name="application_start_testing",
    ),
    path("applications/<int:pk>/tests/", views.application_tests, name="application_tests"),
    path("applications/<int:pk>/open/", views.application_open, name="application_open"),
    path("applications/<int:pk>/paper/", views.application_paper, name="application_paper"),
    path("applications/<int:pk>/contract/", views.application_contract, name="application_contract"),
    path("settings/", views.admission_settings, name="settings"),
    *exam_urls.urlpatterns,
    *review_urls.urlpatterns,
]
