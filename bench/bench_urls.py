"""URLconf of the console benchmark only: the project's URLs plus a bare Django view, the
baseline every console page is compared with (same middleware stack, trivial view)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from vasops.urls import urlpatterns as project_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("__bench__/bare/", bare, name="bench_bare"), *project_urlpatterns]
