"""The pure aging engine, by hand-computed examples."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from ar_dashboard import aging
from ar_dashboard.aging import AgingScheme, Basis, Document, age_documents

AS_OF = date(2026, 6, 30)
DEFAULT = AgingScheme()


@pytest.mark.parametrize(
    ("days", "key"),
    [
        (-10, "current"),
        (0, "current"),
        (1, "1_30"),
        (30, "1_30"),
        (31, "31_60"),
        (60, "31_60"),
        (61, "61_90"),
        (90, "61_90"),
        (91, "91_120"),
        (120, "91_120"),
        (121, "over_120"),
        (5000, "over_120"),
    ],
)
def test_default_bucket_edges(days, key):
    assert DEFAULT.bucket_for_days(days).key == key


def test_default_scheme_labels_match_the_seed():
    assert [b.label for b in DEFAULT.buckets] == [
        "Current",
        "1-30",
        "31-60",
        "61-90",
        "91-120",
        "120+",
    ]


def test_custom_scheme_has_its_own_periods():
    scheme = AgingScheme.from_edges([15, 45])
    assert scheme.keys == ("current", "1_15", "16_45", "over_45")
    assert [scheme.bucket_for_days(d).key for d in (0, 1, 15, 16, 45, 46)] == [
        "current",
        "1_15",
        "1_15",
        "16_45",
        "16_45",
        "over_45",
    ]


@pytest.mark.parametrize(
    "edges", [[], [0, 30], [30, 30], [60, 30], [1, 2, 3, 4, 5, 6], ["30"], [True], "30,60"]
)
def test_invalid_schemes_are_refused(edges):
    with pytest.raises((ValueError, TypeError)):
        AgingScheme.from_edges(edges)


@pytest.mark.parametrize("bucket", DEFAULT.buckets, ids=lambda b: b.key)
def test_date_range_is_the_inverse_of_days_past_due(bucket):
    """Every reference date inside a bucket's date range ages into that bucket, and no other."""
    earliest, latest = DEFAULT.date_range(bucket, AS_OF)
    for offset in range(-200, 400):
        ref = AS_OF - timedelta(days=offset)
        inside = (earliest is None or ref >= earliest) and (latest is None or ref <= latest)
        assert inside == (DEFAULT.bucket_for_days(aging.days_past_due(ref, AS_OF)) == bucket)


@pytest.mark.parametrize(
    ("doc_type", "status", "counts"),
    [
        ("INVOICE", "AUTHORIZED", True),
        ("INVOICE", "PARTIALLY_PAID", True),
        ("INVOICE", "OVERDUE", True),
        ("INVOICE", "PARTIALLY_REFUNDED", True),
        ("INVOICE", "", True),
        ("CREDITMEMO", "SUBMITTED", True),
        ("INVOICE", "VOIDED", False),
        ("INVOICE", "DRAFT", False),
        ("INVOICE", "deleted", False),
        ("BILL", "AUTHORIZED", False),
    ],
)
def test_what_counts_as_ar(doc_type, status, counts):
    assert aging.counts_as_ar(doc_type, status) is counts


def test_balance_as_of_adds_back_later_allocations():
    allocations = [(date(2026, 6, 1), D("40.00")), (date(2026, 7, 1), D("25.00"))]
    assert aging.balance_as_of(D("35.00"), allocations, date(2026, 5, 31)) == D("100.00")
    assert aging.balance_as_of(D("35.00"), allocations, date(2026, 6, 1)) == D("60.00")
    assert aging.balance_as_of(D("35.00"), allocations, date(2026, 7, 1)) == D("35.00")


def doc(
    customer=1,
    currency="USD",
    doc_type="INVOICE",
    status="AUTHORIZED",
    posted=None,
    due=None,
    balance="100.00",
    allocations=(),
):
    posted = posted or date(2026, 5, 1)
    return Document(
        customer, currency, doc_type, status, posted, due or posted, D(balance), tuple(allocations)
    )


def test_engine_per_currency_per_customer_with_credit_memo_void_and_unknown():
    docs = [
        doc(due=date(2026, 6, 30), balance="100.00"),  # current (0 days)
        doc(due=date(2026, 5, 31), balance="50.00"),  # 30 days
        doc(doc_type="CREDITMEMO", posted=date(2026, 6, 20), balance="-30.00"),  # 10 days
        doc(status="VOIDED", due=date(2026, 1, 1), balance="999.00"),  # never counts
        doc(customer=None, due=date(2026, 2, 1), balance="70.00"),  # 149 days, unknown
        doc(currency="EUR", due=date(2026, 6, 29), balance="10.00"),  # 1 day, EUR
        doc(posted=date(2026, 7, 1), balance="500.00"),  # posted after as_of
        doc(
            due=date(2026, 4, 1), balance="0.00", allocations=[(date(2026, 7, 15), D("20.00"))]
        ),  # paid later: 20 open, 90 days
    ]
    result = age_documents(docs, as_of=AS_OF, scheme=DEFAULT)
    usd = result["USD"]
    assert usd[1].buckets == [D("100.00"), D("20.00"), D("0"), D("20.00"), D("0"), D("0")]
    assert usd[1].total == D("140.00")
    assert usd[1].documents == 4
    assert usd[None].buckets[5] == D("70.00")
    assert result["EUR"][1].buckets[1] == D("10.00")


def test_posted_basis_ages_from_the_invoice_date():
    docs = [doc(posted=date(2026, 4, 30), due=date(2026, 7, 30), balance="80.00")]
    by_due = age_documents(docs, as_of=AS_OF, scheme=DEFAULT, basis=Basis.DUE)
    by_posted = age_documents(docs, as_of=AS_OF, scheme=DEFAULT, basis=Basis.POSTED)
    assert by_due["USD"][1].buckets[0] == D("80.00")  # not due until 30 July
    assert by_posted["USD"][1].buckets[3] == D("80.00")  # 61 days since posted


@pytest.mark.parametrize(
    ("stamp", "zone", "expected"),
    [
        # QuickBooks calendar dates arrive as midnight UTC: the date they name, in any zone.
        ("2026-03-01T00:00:00+00:00", "America/New_York", date(2026, 3, 1)),
        ("2026-03-01T00:00:00+00:00", "Asia/Tokyo", date(2026, 3, 1)),
        # Real moments are read in the company's zone.
        ("2026-03-01T03:30:00+00:00", "America/New_York", date(2026, 2, 28)),
        ("2026-03-01T16:00:00+00:00", "Asia/Tokyo", date(2026, 3, 2)),
        ("2026-03-01T23:00:00-05:00", "UTC", date(2026, 3, 2)),
    ],
)
def test_calendar_date_of_source_timestamps(stamp, zone, expected):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    assert aging.calendar_date(datetime.fromisoformat(stamp), ZoneInfo(zone)) == expected
