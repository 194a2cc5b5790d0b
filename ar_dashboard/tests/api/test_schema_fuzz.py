"""Schemathesis over the OpenAPI schema: every operation, schema-valid and invalid input, no 5xx.

The schema (the one /ar/api/schema/ serves, generated once per run) is fuzzed through Django's
WSGI app, signed in with a token as alice (admin of company A, holding conftest's hand-made
ledger). Each operation is called with generated query, path parameters and bodies: boundary
and just-out-of-bounds values of each (schemathesis' coverage phase), then random ones, valid
(positive) and not (negative). A generated customer or dispute id rarely names a row, so each
case is sent a second time with company A's real ids in the path: the answers then hold data
(rows, totals), and the writes really write. Every response must be below 500 and match the
schema: a status code it documents (200/201, 400, 401, 403, 404, 429), a JSON content type and
a body of the documented shape; what the schema forbids must be refused with a 4xx. Hypothesis
is derandomised and bounded, so a run is the same every time.

Schemathesis' pytest decorator is not used: its lazy loader (needed because the schema can only
be fetched once the test database exists) sets `Node._nodeid`, which pytest 9 no longer has.
The per-operation tests it would build (`get_all_tests`) are run directly instead.
"""

import json
from functools import cache

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.pytest.lazy import get_all_tests
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from ar_collections.models import Activity, Dispute
from ar_dashboard.models import SyncLog

SCHEMA_URL = "/ar/api/schema/"
EXAMPLES = 8  # fuzzing examples per operation, besides the coverage cases (CI-fast)
OPERATIONS = [
    "GET /ar/api/aging-distribution/",
    "GET /ar/api/aging-preview/",
    "GET /ar/api/cash-forecast/",
    "GET /ar/api/collections/",
    "GET /ar/api/collections/customers/{customer_id}/activities/",
    "GET /ar/api/collections/customers/{customer_id}/disputes/",
    "GET /ar/api/collections/customers/{customer_id}/promises/",
    "GET /ar/api/collections/customers/{customer_id}/reminder-preview/",
    "GET /ar/api/collections/customers/{customer_id}/settings/",
    "GET /ar/api/customer-breakdown/",
    "GET /ar/api/customer-health/",
    "GET /ar/api/customer-suggestions/",
    "GET /ar/api/dagster-status/",
    "GET /ar/api/invoice-details/{customer_id}/",
    "GET /ar/api/kpis/",
    "GET /ar/api/payment-velocity/",
    "GET /ar/api/summary-stats/",
    "GET /ar/api/syncs/{sync_log_id}/",
    "GET /ar/api/trends/",
    "PATCH /ar/api/collections/customers/{customer_id}/settings/",
    "POST /ar/api/collections/customers/{customer_id}/activities/",
    "POST /ar/api/collections/customers/{customer_id}/disputes/",
    "POST /ar/api/collections/customers/{customer_id}/disputes/{dispute_id}/resolve/",
    "POST /ar/api/collections/customers/{customer_id}/promises/",
]
SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


# The checks that still hold when a generated path id is swapped for a real one (the case may
# have been negative only through that id: then a 200 is right).
REAL_ID_CHECKS = [c for c in CHECKS if c is not negative_data_rejection]


@pytest.fixture
def token(alice, ledger, settings):
    # Dagster is not running in tests: dagster-status answers from the SyncLog at once.
    settings.DAGSTER_URL = "http://127.0.0.1:9"
    return Token.objects.create(user=alice).key


@pytest.fixture
def real_ids(ledger):
    """Company A's objects, one per path parameter name of the schema."""
    globex, invoice = ledger.globex, ledger.docs.d1
    activity = Activity.objects.create(
        company=ledger.company, customer=globex, kind="dispute", occurred_on=invoice.posted_on
    )
    dispute = Dispute.objects.create(
        company=ledger.company,
        customer=globex,
        invoice=invoice,
        activity=activity,
        reason="Wrong quantity",
        opened_on=invoice.posted_on,
    )
    sync = SyncLog.objects.create(company=ledger.company, status=SyncLog.Status.SUCCESS)
    return {
        "customer_id": str(globex.pk),
        "dispute_id": str(dispute.pk),
        "sync_log_id": str(sync.pk),
    }


@cache
def raw_schema() -> dict:
    """The served schema, generated once for the whole run (it is the same for every test)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


@pytest.fixture
def wsgi_app():
    """Django's WSGI app without the per-request connection cleanup (as Django's test Client):
    it would close the connection holding the test's transaction on PostgreSQL."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_app):
    loaded = schemathesis.openapi.from_dict(raw_schema())
    loaded.app = wsgi_app
    return loaded


def test_the_fuzzed_schema_is_the_served_one(api, settings):
    assert api.get(SCHEMA_URL, HTTP_ACCEPT="application/json").json() == raw_schema()


def test_the_schema_lists_every_operation(api_schema):
    labels = [result.ok().label for result in api_schema.get_all_operations()]
    assert sorted(labels) == OPERATIONS  # a new endpoint is fuzzed once it is listed here


@pytest.mark.parametrize("label", OPERATIONS)
def test_no_server_error_and_every_answer_is_documented(api_schema, token, real_ids, label):
    headers = {"Authorization": f"Token {token}"}

    def call(case):
        case.call_and_validate(headers=headers, checks=CHECKS)
        if case.path_parameters:
            case.path_parameters = {name: real_ids[name] for name in case.path_parameters}
            case.call_and_validate(headers=headers, checks=REAL_ID_CHECKS)

    # Schemathesis' own phases for each operation: the schema's examples, coverage (boundary
    # and just-out-of-bounds values of every parameter, positive and negative) and fuzzing.
    tests = dict(
        result.ok()
        for result in get_all_tests(
            schema=api_schema, test_func=call, settings=SETTINGS, given_kwargs=None
        )
    )
    [test] = [test for operation, test in tests.items() if operation.label == label]
    test()
