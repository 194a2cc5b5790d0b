"""customer-breakdown: one row per customer (and one for unknown), sorted, paginated in SQL."""

from datetime import date
from decimal import Decimal as D

import pytest

from ar_dashboard.tests.api.conftest import make_invoice
from ar_dashboard.tests.factories import CustomerFactory

URL = "/ar/api/customer-breakdown/"
AS_OF = {"as_of": "2026-06-30"}
ZERO_BUCKETS = dict.fromkeys(["current", "1_30", "31_60", "61_90", "91_120", "over_120"], "0.00")


def _ids(body: dict) -> list:
    return [row["id"] for row in body["customers"]]


def test_rows_of_the_hand_made_ledger(api, ledger):
    response = api.get(URL, AS_OF)

    assert response.status_code == 200
    assert response.json() == {
        "company": ledger.company.pk,
        "currency": "USD",
        "as_of": "2026-06-30",
        "basis": "due",
        "count": 4,
        "page": 1,
        "page_size": 50,
        "next": None,
        "previous": None,
        "customers": [
            {
                "id": ledger.umbrella.pk,
                "customer": "Umbrella",
                "total_outstanding": "2700.00",
                "overdue": "2700.00",
                "invoice_count": 3,
                "oldest_days_past_due": 121,
                "buckets": ZERO_BUCKETS | {"91_120": "1700.00", "over_120": "1000.00"},
            },
            {
                "id": ledger.initech.pk,
                "customer": "Initech",
                "total_outstanding": "2100.00",
                "overdue": "2100.00",
                "invoice_count": 4,
                "oldest_days_past_due": 90,
                "buckets": ZERO_BUCKETS | {"31_60": "900.00", "61_90": "1200.00"},
            },
            {
                "id": ledger.globex.pk,
                "customer": "Globex",
                "total_outstanding": "450.50",
                "overdue": "350.50",
                "invoice_count": 4,
                # The credit memo (10 days) is not an invoice waiting to be paid: the oldest
                # open invoice is the 30-day one.
                "oldest_days_past_due": 30,
                "buckets": ZERO_BUCKETS | {"current": "100.00", "1_30": "350.50"},
            },
            {
                "id": None,
                "customer": "Unknown customer",
                "total_outstanding": "250.00",
                "overdue": "250.00",
                "invoice_count": 1,
                "oldest_days_past_due": 45,
                "buckets": ZERO_BUCKETS | {"31_60": "250.00"},
            },
        ],
    }


def test_rows_reconcile_with_the_distribution(api, ledger):
    rows = api.get(URL, AS_OF).json()["customers"]
    dist = api.get("/ar/api/aging-distribution/", AS_OF).json()

    assert sum(D(r["total_outstanding"]) for r in rows) == D(dist["total"]) == D("5500.50")
    for bucket in dist["buckets"]:
        assert sum(D(r["buckets"][bucket["key"]]) for r in rows) == D(bucket["amount"])


GLO, INI, UMB, UNK = "globex", "initech", "umbrella", None  # UNK: the unknown customer row


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("total_outstanding", [UNK, GLO, INI, UMB]),  # 250.00, 450.50, 2100.00, 2700.00
        ("-total_outstanding", [UMB, INI, GLO, UNK]),
        ("overdue", [UNK, GLO, INI, UMB]),  # 250.00, 350.50, 2100.00, 2700.00
        ("-overdue", [UMB, INI, GLO, UNK]),
        # 1, 3, 4, 4: ties go by name, ascending, in both directions.
        ("invoice_count", [UNK, UMB, GLO, INI]),
        ("-invoice_count", [GLO, INI, UMB, UNK]),
        ("customer", [GLO, INI, UMB, UNK]),  # Globex, Initech, Umbrella, Unknown customer
        ("-customer", [UNK, UMB, INI, GLO]),
        ("oldest_days_past_due", [GLO, UNK, INI, UMB]),  # 30, 45, 90, 121
        ("-oldest_days_past_due", [UMB, INI, UNK, GLO]),
        ("31_60", [GLO, UMB, UNK, INI]),  # 0.00, 0.00, 250.00, 900.00
        ("-31_60", [INI, UNK, GLO, UMB]),
        ("-over_120", [UMB, GLO, INI, UNK]),  # 1000.00, then three zeros by name
    ],
)
def test_sort(api, ledger, sort, order):
    response = api.get(URL, {**AS_OF, "sort": sort})

    assert response.status_code == 200
    expected = [None if name is None else getattr(ledger, name).pk for name in order]
    assert _ids(response.json()) == expected


@pytest.mark.parametrize(
    "sort", ["name", "-balance", "total_outstanding;drop", "1_15", "--overdue", "-"]
)
def test_invalid_sort_is_a_400_naming_sort(api, ledger, sort):
    response = api.get(URL, {**AS_OF, "sort": sort})

    assert response.status_code == 400
    assert list(response.json()) == ["sort"]


def test_pagination_links_and_counts(api, ledger):
    first = api.get(URL, {**AS_OF, "page_size": 3}).json()

    assert (first["count"], first["page"], first["page_size"]) == (4, 1, 3)
    assert _ids(first) == [ledger.umbrella.pk, ledger.initech.pk, ledger.globex.pk]
    assert first["previous"] is None
    assert first["next"] == (
        "http://testserver/ar/api/customer-breakdown/?as_of=2026-06-30&page_size=3&page=2"
    )

    second = api.get(URL, {**AS_OF, "page_size": 3, "page": 2}).json()

    assert (second["count"], second["page"]) == (4, 2)
    assert _ids(second) == [None]
    assert second["next"] is None
    assert second["previous"] == (
        "http://testserver/ar/api/customer-breakdown/?as_of=2026-06-30&page_size=3&page=1"
    )


def test_page_past_the_end_is_a_400_naming_page(api, ledger):
    response = api.get(URL, {**AS_OF, "page_size": 3, "page": 3})

    assert response.status_code == 400
    assert list(response.json()) == ["page"]


def test_filters_narrow_the_documents_behind_each_row(api, ledger):
    only_globex = api.get(URL, {**AS_OF, "customer": ledger.globex.pk}).json()
    assert _ids(only_globex) == [ledger.globex.pk]
    assert only_globex["customers"][0]["total_outstanding"] == "450.50"

    unknown = api.get(URL, {**AS_OF, "customer": "unknown"}).json()
    assert _ids(unknown) == [None]

    oldest = api.get(URL, {**AS_OF, "bucket": "over_120"}).json()
    assert [(r["id"], r["total_outstanding"]) for r in oldest["customers"]] == [
        (ledger.umbrella.pk, "1000.00")
    ]

    # Documents of at least 500.00: Initech 500 + 500 + 700, Umbrella 800 + 900 + 1000.
    large = api.get(URL, {**AS_OF, "min_amount": "500"}).json()
    assert [(r["id"], r["total_outstanding"]) for r in large["customers"]] == [
        (ledger.umbrella.pk, "2700.00"),
        (ledger.initech.pk, "1700.00"),
    ]

    # The credit memo is the only document of at most 0.
    credits = api.get(URL, {**AS_OF, "max_amount": "0"}).json()
    assert [
        (r["id"], r["total_outstanding"], r["oldest_days_past_due"]) for r in credits["customers"]
    ] == [(ledger.globex.pk, "-150.00", None)]


def test_today_uses_current_balances(api, ledger):
    """Default as_of is today (2026-07-15): Globex's 30-day invoice is down to 180.00."""
    body = api.get(URL, {"sort": "customer"}).json()

    globex = body["customers"][0]
    assert body["as_of"] == "2026-07-15"
    assert globex["id"] == ledger.globex.pk
    assert globex["total_outstanding"] == "330.50"  # 100.00 + 200.50 + 180.00 − 150.00
    assert globex["oldest_days_past_due"] == 45


@pytest.fixture
def sixty_customers(company_a, pinned_today):
    for n in range(60):
        customer = CustomerFactory(company=company_a, name=f"Customer {n:02d}")
        make_invoice(company_a, customer, n, f"{n + 1}.00")
    # One open document with no customer, and one of a customer in another currency.
    make_invoice(company_a, None, 3, "9.99")
    make_invoice(company_a, customer, 3, "9.99", currency="EUR")
    return company_a


@pytest.mark.parametrize("page_size", [5, 50])
def test_query_count_does_not_grow_with_the_page(
    api, sixty_customers, django_assert_num_queries, page_size
):
    # 1. the user's companies (LIMIT 2), to resolve the omitted `company` param
    # 2. EXISTS stored summary rows for this as_of and ledger version (none: computed live)
    # 3. COUNT(*) over the per-customer GROUP BY, for the paginator
    # 4. the page: GROUP BY customer with every bucket sum, ORDER BY, LIMIT/OFFSET
    with django_assert_num_queries(4):
        response = api.get(URL, {"as_of": "2026-06-30", "page_size": page_size, "page": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 61
    assert len(body["customers"]) == min(page_size, 61 - page_size)
    # Sorted by total, largest first: page 2 starts after the first `page_size` customers.
    assert body["customers"][0]["total_outstanding"] == f"{60 - page_size}.00"


def test_no_rows_when_nothing_is_open(api, company_a, pinned_today):
    body = api.get(URL, {"as_of": date(2026, 6, 30).isoformat()}).json()

    assert (body["count"], body["customers"], body["next"]) == (0, [], None)
