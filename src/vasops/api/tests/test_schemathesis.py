"""Property-based API suite: schemathesis generates requests from the OpenAPI document (valid
and invalid ones) for every operation and sends them through the whole Django stack on the test
database, once with a partner user's token and once with a staff token holding every console
role. Every answer must be no server error, a status the operation documents, with a body that
matches the documented schema (the error shape for errors).

Bounded for CI: ``VASOPS_SCHEMATHESIS_EXAMPLES`` examples per operation and token (default 12),
derandomized so a run is reproducible; raise it locally to search harder."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from vasops.api.models import ApiToken
from vasops.api.urls import api

EXAMPLES = int(os.environ.get("VASOPS_SCHEMATHESIS_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))
schema.app = WSGIHandler()


@pytest.fixture
def same_connection():
    """Like Django's test client: requests must not close the test transaction's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(db, same_connection, settings):
    from vasops.api.tests.seed import seed_api_data

    settings.VASOPS_API_RATE_PER_MINUTE = 0
    data = seed_api_data()
    return {
        "partner": ApiToken.issue(data.partner_user, "schemathesis")[1],
        "staff": ApiToken.issue(data.staff, "schemathesis")[1],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["partner", "staff"])
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_no_server_error_and_only_documented_statuses(case, who, tokens):
    case.call_and_validate(headers={"Authorization": f"Bearer {tokens[who]}"}, checks=CHECKS)
