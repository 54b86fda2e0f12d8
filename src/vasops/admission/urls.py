from django.urls import path  # noqa: F401

from vasops.admission import exam_urls, review_urls

app_name = "admission"

urlpatterns: list = [
    *exam_urls.urlpatterns,
    *review_urls.urlpatterns,
]
