"""Read replica routing (config/routers.py): dashboard reads on the replica, read-your-writes.

The `replica` alias is a test MIRROR of the default database (config/pytest_env.py sets
DATABASE_REPLICA_URL to DATABASE_URL): a second connection to the same test database, so it
sees committed rows only — the tests that send queries to it are transactional. Replica reads
are off in the rest of the suite (REPLICA_READS=false); these tests turn them on.
"""

from datetime import UTC, datetime

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import F
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from ar_dashboard.models import (
    Allocation,
    ARSnapshot,
    ARSummary,
    Company,
    Customer,
    Invoice,
    Membership,
    Payment,
    SyncLog,
)
from config import routers
from config.routers import REPLICA, ReplicaRoutingMiddleware

pytestmark = pytest.mark.skipif(
    REPLICA not in django_settings.DATABASES,
    reason="no replica alias: DATABASE_REPLICA_URL unset (config/pytest_env.py mirrors "
    "DATABASE_URL when that is set)",
)
WITH_REPLICA = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
API = "/ar/api/"
AS_OF = {"as_of": "2026-06-30"}
PASSWORD = "correct horse battery staple"  # the factories' password
LEDGER = [Invoice, Customer, Payment, Allocation, ARSummary, ARSnapshot]
PRIMARY_ONLY = [Company, Membership, SyncLog, get_user_model()]


@pytest.fixture(autouse=True)
def replica_reads(settings):
    settings.REPLICA_READS = True
    settings.REPLICA_LAG_SECONDS = 10


def _routes_during(method: str, *, cookies: dict | None = None, inside=None) -> dict:
    """Where each model's reads go while the middleware handles one `method` request."""
    seen = {}

    def view(request):
        if inside is None:
            seen.update({m: router.db_for_read(m) for m in LEDGER + PRIMARY_ONLY})
        else:
            with inside():
                seen.update({m: router.db_for_read(m) for m in LEDGER + PRIMARY_ONLY})
        return HttpResponse()

    request = getattr(RequestFactory(), method.lower())("/ar/")
    request.COOKIES.update(cookies or {})
    ReplicaRoutingMiddleware(view)(request)
    return seen


def test_a_safe_request_reads_the_ledger_from_the_replica_and_the_rest_from_the_primary():
    routes = _routes_during("GET")

    assert {m: routes[m] for m in LEDGER} == dict.fromkeys(LEDGER, REPLICA)
    assert {m: routes[m] for m in PRIMARY_ONLY} == dict.fromkeys(PRIMARY_ONLY, DEFAULT_DB_ALIAS)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_writing_request_reads_the_primary(method):
    assert set(_routes_during(method).values()) == {DEFAULT_DB_ALIAS}


def test_outside_a_request_everything_reads_the_primary():
    """The pipeline, management commands and Dagster never read the replica."""
    assert {router.db_for_read(m) for m in LEDGER} == {DEFAULT_DB_ALIAS}


def test_every_write_goes_to_the_primary():
    assert {router.db_for_write(m) for m in LEDGER + PRIMARY_ONLY} == {DEFAULT_DB_ALIAS}


def test_the_replica_is_never_migrated():
    assert router.allow_migrate(REPLICA, "ar_dashboard", model_name="invoice") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "ar_dashboard", model_name="invoice") is True


def test_replica_reads_off_sends_everything_to_the_primary(settings):
    settings.REPLICA_READS = False

    assert set(_routes_during("GET").values()) == {DEFAULT_DB_ALIAS}


@WITH_REPLICA
def test_inside_a_transaction_reads_stay_on_the_primary():
    """The transaction's own writes are nowhere else."""
    routes = _routes_during("GET", inside=transaction.atomic)

    assert set(routes.values()) == {DEFAULT_DB_ALIAS}


def test_primary_reads_block_sends_ledger_reads_to_the_primary():
    routes = _routes_during("GET", inside=routers.primary_reads)

    assert set(routes.values()) == {DEFAULT_DB_ALIAS}


def _queries(client, path: str, params: dict) -> tuple[object, list[str], list[str]]:
    """(response, SQL run on the primary, SQL run on the replica) of one GET."""
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        response = client.get(API + path, params)
    return response, [q["sql"] for q in primary], [q["sql"] for q in replica]


def _reads_ledger(sql: str) -> bool:
    return '"ar_dashboard_invoice"' in sql or '"ar_dashboard_arsummary"' in sql


@WITH_REPLICA
def test_dashboard_figures_come_from_the_replica_and_the_access_check_from_the_primary(api, ledger):
    response, primary, replica = _queries(api, "summary-stats/", AS_OF)

    assert response.status_code == 200
    assert response.json()["total_ar"] == "5500.50"  # conftest's ledger
    # the primary: the user's companies (the access check) and nothing of the ledger
    assert len(primary) == 1
    assert '"ar_dashboard_membership"' in primary[0]
    # the replica: its copy of the company's ledger version, then the figures
    assert '"ledger_version"' in replica[0]
    assert any(_reads_ledger(sql) for sql in replica[1:])


@WITH_REPLICA
def test_invoice_details_checks_the_customer_on_the_primary(api, ledger):
    response, primary, replica = _queries(api, f"invoice-details/{ledger.globex.pk}/", AS_OF)

    assert response.status_code == 200
    assert response.json()["count"] == 4  # Globex's USD documents open on 2026-06-30
    # the customer (path), the company, the customer filter: all access checks; and the open
    # disputes (collection activity users write: read-your-writes, read after the answer cache)
    assert len(primary) == 4
    assert "ar_collections_dispute" in primary[-1]
    assert not any(_reads_ledger(sql) for sql in primary)
    assert any(_reads_ledger(sql) for sql in replica)


@WITH_REPLICA
def test_while_the_replica_lags_a_load_the_request_reads_the_primary(api, ledger, monkeypatch):
    """A sync committed version 1 on the primary; the replica still shows version 0."""
    Company.objects.filter(pk=ledger.company.pk).update(ledger_version=F("ledger_version") + 1)
    monkeypatch.setattr(routers, "replica_ledger_version", lambda company: 0)

    response, primary, replica = _queries(api, "summary-stats/", AS_OF)

    assert response.status_code == 200
    assert response.json()["total_ar"] == "5500.50"
    assert replica == []
    assert any(_reads_ledger(sql) for sql in primary)


@WITH_REPLICA
def test_once_the_replica_has_the_load_it_answers_again(api, ledger, monkeypatch):
    Company.objects.filter(pk=ledger.company.pk).update(ledger_version=F("ledger_version") + 1)
    monkeypatch.setattr(routers, "replica_ledger_version", lambda company: 1)

    _, primary, replica = _queries(api, "summary-stats/", AS_OF)

    assert not any(_reads_ledger(sql) for sql in primary)
    assert any(_reads_ledger(sql) for sql in replica)


@WITH_REPLICA
def test_a_company_the_replica_has_not_seen_reads_the_primary(api, ledger, monkeypatch):
    monkeypatch.setattr(routers, "replica_ledger_version", lambda company: None)

    _, primary, replica = _queries(api, "summary-stats/", AS_OF)

    assert replica == []
    assert any(_reads_ledger(sql) for sql in primary)


@WITH_REPLICA
def test_a_cache_hit_reads_neither_ledger(api, ledger):
    api.get(API + "summary-stats/", AS_OF)

    response, primary, replica = _queries(api, "summary-stats/", AS_OF)

    assert response["X-Cache"] == "hit"
    assert (len(primary), replica) == (1, [])


@WITH_REPLICA
def test_after_a_write_the_browser_reads_the_primary_for_the_lag_window(
    client, ledger, alice, time_machine
):
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[routers.PRIMARY_COOKIE]["max-age"] == 10

    _, primary, replica = _queries(client, "summary-stats/", AS_OF)
    assert replica == []
    assert any(_reads_ledger(sql) for sql in primary)

    # 11 s later (REPLICA_LAG_SECONDS=10): the cookie is stale, the replica answers again
    time_machine.move_to(datetime(2026, 7, 15, 12, 0, 11, tzinfo=UTC), tick=False)
    _, primary, replica = _queries(client, "summary-stats/", {"as_of": "2026-06-29"})
    assert not any(_reads_ledger(sql) for sql in primary)
    assert any(_reads_ledger(sql) for sql in replica)


def test_a_refused_write_sets_no_cookie():
    def refuse(request):
        return HttpResponse(status=403)

    response = ReplicaRoutingMiddleware(refuse)(RequestFactory().post("/ar/"))

    assert routers.PRIMARY_COOKIE not in response.cookies


def test_a_forged_cookie_is_ignored():
    routes = _routes_during("GET", cookies={routers.PRIMARY_COOKIE: "1"})

    assert routes[Invoice] == REPLICA
