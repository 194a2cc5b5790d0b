"""The answer cache: a hit costs only the access check; a load, a setting or a new day is a miss.

Conftest's ledger (company A, total 5500.50 USD as of 2026-06-30, today 2026-07-15). A load
bumps `Company.ledger_version` inside its transaction; these tests bump it by hand.
"""

import json
import shutil
import subprocess
import time
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
import redis
from django.core.management import call_command
from django.db.models import F

from ar_dashboard import answer_cache
from ar_dashboard.models import Company
from ar_dashboard.tests.api.conftest import make_invoice

API = "/ar/api/"
AS_OF = {"as_of": "2026-06-30"}


def _bump(company: Company) -> None:
    """What every ledger load does in its transaction."""
    Company.objects.filter(pk=company.pk).update(ledger_version=F("ledger_version") + 1)


def _endpoints(ledger) -> list[tuple[str, int]]:
    """(path, queries of a hit): the access checks that run on every request, hit or not."""
    return [
        # 1. the user's companies (LIMIT 2), to resolve the omitted `company` param
        ("summary-stats/", 1),
        ("aging-distribution/", 1),
        ("customer-breakdown/", 1),
        # 1. the customer among the user's companies' customers (the path's id)
        # 2. the company (defaulted to the customer's) among the user's companies
        # 3. the `customer` filter checked against that company
        # 4. the open disputes among the answer's documents (never cached: not a ledger change)
        (f"invoice-details/{ledger.globex.pk}/", 4),
    ]


ENDPOINT_IDS = ["summary-stats", "aging-distribution", "customer-breakdown", "invoice-details"]


@pytest.mark.parametrize("index", range(4), ids=ENDPOINT_IDS)
def test_second_identical_request_is_a_hit_costing_only_the_access_check(
    api, ledger, django_assert_num_queries, index
):
    path, access_queries = _endpoints(ledger)[index]
    first = api.get(API + path, AS_OF)

    with django_assert_num_queries(access_queries):
        second = api.get(API + path, AS_OF)

    assert (first.status_code, second.status_code) == (200, 200)
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert second.json() == first.json()


def test_hit_answers_the_hand_computed_figures(api, ledger):
    api.get(API + "summary-stats/", AS_OF)

    response = api.get(API + "summary-stats/", AS_OF)

    assert response["X-Cache"] == "hit"
    assert (response.json()["total_ar"], response.json()["total_overdue"]) == (
        "5500.50",
        "5400.50",
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("as_of=2026-06-30&basis=due", "basis=due&as_of=2026-06-30"),
        ("as_of=2026-06-30&currency=usd", "currency=USD&as_of=2026-06-30"),
        # the defaults spelt out: today's date, the company's basis and home currency
        ("", "as_of=2026-07-15&basis=due&currency=USD"),
        ("min_amount=100", "min_amount=100.00"),
        ("as_of=2026-06-30", "as_of=2026-06-30&page=1&page_size=50&sort=-total_outstanding"),
    ],
)
def test_the_same_question_spelt_differently_shares_an_entry(api, ledger, first, second):
    assert api.get(f"{API}customer-breakdown/?{first}")["X-Cache"] == "miss"

    response = api.get(f"{API}customer-breakdown/?{second}")

    assert response.status_code == 200
    assert response["X-Cache"] == "hit"


@pytest.mark.parametrize(
    "other",
    [
        {"as_of": "2026-06-29"},
        {"as_of": "2026-06-30", "currency": "EUR"},
        {"as_of": "2026-06-30", "basis": "posted"},
        {"as_of": "2026-06-30", "bucket": "31_60"},
        {"as_of": "2026-06-30", "min_amount": "500"},
        {"as_of": "2026-06-30", "customer": "unknown"},
        {"as_of": "2026-06-30", "page_size": "2"},
        {"as_of": "2026-06-30", "page_size": "2", "page": "2"},
        {"as_of": "2026-06-30", "sort": "customer"},
    ],
)
def test_a_different_question_is_a_different_entry(api, ledger, other):
    api.get(API + "customer-breakdown/", AS_OF)

    response = api.get(API + "customer-breakdown/", other)

    assert response.status_code == 200
    assert response["X-Cache"] == "miss"


def test_endpoints_do_not_share_entries(api, ledger):
    api.get(API + "summary-stats/", AS_OF)

    assert api.get(API + "aging-distribution/", AS_OF)["X-Cache"] == "miss"


def test_a_load_bumping_the_ledger_version_is_a_miss_with_the_new_ledger(api, ledger):
    assert api.get(API + "summary-stats/", AS_OF).json()["total_ar"] == "5500.50"
    # the load: a new 1000.00 invoice for Globex, due 5 days before as_of
    make_invoice(ledger.company, ledger.globex, 5, "1000.00")
    _bump(ledger.company)

    response = api.get(API + "summary-stats/", AS_OF)

    assert response["X-Cache"] == "miss"
    assert response.json()["total_ar"] == "6500.50"  # 5500.50 + 1000.00
    assert api.get(API + "summary-stats/", AS_OF)["X-Cache"] == "hit"


def test_another_companys_load_keeps_this_companys_entries(api, ledger, company_b):
    api.get(API + "summary-stats/", AS_OF)

    _bump(company_b)

    assert api.get(API + "summary-stats/", AS_OF)["X-Cache"] == "hit"


@pytest.mark.parametrize(
    "change",
    [
        {"aging_edges": [15, 30, 45, 60, 90]},
        {"aging_basis": "posted"},
        {"timezone": "America/New_York"},
        {"home_currency": "EUR"},
    ],
    ids=["edges", "basis", "timezone", "home_currency"],
)
def test_a_settings_change_is_a_miss(api, ledger, change):
    # Explicit basis and currency: the key changes with the setting itself, not just with
    # the defaults it resolves to.
    params = {**AS_OF, "basis": "due", "currency": "USD"}
    api.get(API + "aging-distribution/", params)
    company = ledger.company
    for name, value in change.items():
        setattr(company, name, value)
    company.save()

    response = api.get(API + "aging-distribution/", params)

    assert response.status_code == 200
    assert response["X-Cache"] == "miss"


def test_new_edges_answer_with_the_new_buckets(api, ledger):
    api.get(API + "aging-distribution/", AS_OF)
    ledger.company.aging_edges = [60, 120]
    ledger.company.save()

    body = api.get(API + "aging-distribution/", AS_OF).json()

    # Current 100.00 · 1-60: 350.50 + 1150.00 = 1500.50 · 61-120: 1200.00 + 1700.00 = 2900.00
    assert [(b["key"], b["amount"]) for b in body["buckets"]] == [
        ("current", "100.00"),
        ("1_60", "1500.50"),
        ("61_120", "2900.00"),
        ("over_120", "1000.00"),
    ]


def test_the_next_day_is_a_miss(api, ledger, time_machine):
    """Without as_of the answer is today's; at midnight (company time) today moves on."""
    first = api.get(API + "summary-stats/")
    time_machine.move_to(datetime(2026, 7, 16, 0, 0, 1, tzinfo=UTC), tick=False)

    second = api.get(API + "summary-stats/")

    assert (first.json()["as_of"], second.json()["as_of"]) == ("2026-07-15", "2026-07-16")
    assert second["X-Cache"] == "miss"


@pytest.mark.parametrize("index", range(4), ids=ENDPOINT_IDS)
def test_outsider_gets_404_even_when_the_answer_is_cached(api, ledger, charlie, index):
    path, _ = _endpoints(ledger)[index]
    params = {**AS_OF, "company": ledger.company.pk}
    assert api.get(API + path, params)["X-Cache"] == "miss"
    outsider = type(api)()
    outsider.force_authenticate(charlie)

    response = outsider.get(API + path, params)

    assert response.status_code == 404
    assert b"Globex" not in response.content
    assert "X-Cache" not in response


def test_teammate_shares_the_cached_answer(api, ledger, bob):
    api.get(API + "summary-stats/", AS_OF)
    teammate = type(api)()
    teammate.force_authenticate(bob)

    response = teammate.get(API + "summary-stats/", AS_OF)

    assert response["X-Cache"] == "hit"
    assert response.json()["total_ar"] == "5500.50"


def test_removed_member_gets_404_even_when_the_answer_is_cached(api, ledger, bob):
    params = {**AS_OF, "company": ledger.company.pk}
    teammate = type(api)()
    teammate.force_authenticate(bob)
    assert teammate.get(API + "summary-stats/", params).status_code == 200
    bob.memberships.all().delete()

    assert teammate.get(API + "summary-stats/", params).status_code == 404


def test_invalid_parameters_are_neither_cached_nor_counted(api, ledger):
    response = api.get(API + "summary-stats/", {"as_of": "yesterday"})

    assert response.status_code == 400
    assert "X-Cache" not in response
    assert all(s.hits == s.misses == 0 for s in answer_cache.stats())


def test_a_page_out_of_range_is_400_not_cached(api, ledger):
    params = {**AS_OF, "page": "9"}

    assert api.get(API + "customer-breakdown/", params).status_code == 400
    assert api.get(API + "customer-breakdown/", params).status_code == 400


def test_ttl_zero_turns_the_cache_off(api, ledger, settings):
    settings.CACHE_TTL_SECONDS = 0
    api.get(API + "summary-stats/", AS_OF)

    response = api.get(API + "summary-stats/", AS_OF)

    assert "X-Cache" not in response
    assert response.json()["total_ar"] == "5500.50"
    assert answer_cache.stats()[0].misses == 0


def test_entries_expire_after_the_ttl(api, ledger, settings, time_machine):
    settings.CACHE_TTL_SECONDS = 60
    api.get(API + "summary-stats/", AS_OF)
    time_machine.move_to(datetime(2026, 7, 15, 12, 1, 1, tzinfo=UTC), tick=False)  # +61 s

    assert api.get(API + "summary-stats/", AS_OF)["X-Cache"] == "miss"


def test_hits_and_misses_are_counted_per_endpoint(api, ledger):
    for _ in range(3):
        api.get(API + "summary-stats/", AS_OF)
    api.get(API + "aging-distribution/", AS_OF)

    by_endpoint = {s.endpoint: s for s in answer_cache.stats()}

    assert (by_endpoint["summary-stats"].hits, by_endpoint["summary-stats"].misses) == (2, 1)
    assert by_endpoint["summary-stats"].hit_rate == D("66.67")  # 2 / 3
    assert (by_endpoint["aging-distribution"].hits, by_endpoint["aging-distribution"].misses) == (
        0,
        1,
    )
    assert by_endpoint["customer-breakdown"].hit_rate is None


def test_stats_command_prints_and_resets_the_counters(api, ledger, capsys):
    api.get(API + "summary-stats/", AS_OF)
    api.get(API + "summary-stats/", AS_OF)

    call_command("answer_cache_stats", "--reset")

    lines = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    assert "summary-stats: 1 hits, 1 misses, 50.00% hit rate" in lines
    assert "aging-distribution: 0 hits, 0 misses, - hit rate" in lines
    assert "total: 1 hits, 1 misses, 50.00% hit rate" in lines
    assert all(s.hits == s.misses == 0 for s in answer_cache.stats())


def test_stats_command_json(api, ledger, capsys):
    api.get(API + "aging-distribution/", AS_OF)

    call_command("answer_cache_stats", "--json")

    rows = {row["endpoint"]: row for row in json.loads(capsys.readouterr().out)["endpoints"]}
    assert rows["aging-distribution"] == {
        "endpoint": "aging-distribution",
        "hits": 0,
        "misses": 1,
        "hit_rate": "0.00",
    }


@pytest.fixture
def redis_cache(tmp_path, settings):
    """Django's RedisCache on a private redis-server (a Unix socket: no port to collide on)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    socket = tmp_path / "redis.sock"
    server = subprocess.Popen(
        [binary, "--port", "0", "--unixsocket", str(socket), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(unix_socket_path=str(socket))
        for _ in range(100):
            try:
                client.ping()
                break
            except (redis.ConnectionError, FileNotFoundError):
                time.sleep(0.05)
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"unix://{socket}",
                "KEY_PREFIX": "ar",
            }
        }
        yield client
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_redis_backend_hits_misses_and_shared_counters(api, ledger, redis_cache):
    first = api.get(API + "customer-breakdown/", AS_OF)
    second = api.get(API + "customer-breakdown/", AS_OF)

    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert second.json() == first.json()
    # The entry and the counters live in Redis, where every web process finds them.
    assert any(b":answer:" in key for key in redis_cache.keys("ar:*"))
    by_endpoint = {s.endpoint: s for s in answer_cache.stats()}
    assert (by_endpoint["customer-breakdown"].hits, by_endpoint["customer-breakdown"].misses) == (
        1,
        1,
    )
