"""The dirty demo (`manage.py load_demo --dirty`) through the real pipeline job.

Beside the clean demo ledger, `connectors/unified/demo/dirty.py` adds QuickBooks' hard cases,
each on its own customer `cus_dirty_NN`, so each gives one figure a controller can check by
hand. Today is pinned at 2026-11-15 (the ledger's `today`); every dirty date is relative to it
and written out below as a calendar date. Figures are read through the selectors the API and
pages read, per customer, at today and at a past date between two of the case's events.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from ar_dashboard import selectors
from ar_dashboard.management.commands.load_demo import DEMO_CONNECTION, DEMO_NAME
from ar_dashboard.models import Company, Customer, Invoice, SyncLog
from ar_dashboard.services.ledger_load import SOURCE_DOC_TYPES
from connectors.unified.demo.dirty import LONG_ID
from connectors.unified.sandbox import SandboxData

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 15)
BUCKETS = ("current", "1_30", "31_60", "61_90", "91_120", "over_120")

# (object, id) → reason of every record the sync must reject; the rest of the ledger loads.
REJECTED = {
    ("invoices", "inv_dirty_04"): "currency='XXX' is not an ISO 4217 currency code",
    ("invoices", "inv_dirty_1e30"): (
        "total_amount=1e+30 is out of range (at most 15 digits before the point)"
    ),
    ("invoices", LONG_ID): "id is longer than 100 characters (150)",
    ("invoices", "inv_dirty_0001"): (
        "posted_at='0001-01-01T00:00:00Z' is outside the years 1900-2199"
    ),
}

# customer → {as_of: (total AR, unapplied credit)}, worked out by hand (T = 2026-11-15).
FIGURES = {
    # inv_dirty_08 1,000.00 (posted 09-16); pay_dirty_02 paid it on 10-26 and was VOIDED, its
    # line still present, the invoice's balance restored to 1,000.00. A void pays nothing:
    # 1,000.00 on 10-20 (before the payment's date) and today, no unapplied credit. (Its line
    # counted would add 1,000.00 back before 10-26: 2,000.00 on 10-20.)
    "cus_dirty_01": {date(2026, 10, 20): ("1000.00", "0.00"), TODAY: ("1000.00", "0.00")},
    # inv_dirty_09 900.00 (09-26); cm_dirty_01 300.00 (10-01) applied 100.00 on 10-06 and
    # 200.00 on 11-05. 10-03: 900.00 − 300.00 = 600.00, credit −300.00 unapplied. 10-20,
    # between the parts: inv 900.00 − 100.00 = 800.00, memo −300.00 + 100.00 = −200.00 → 600.00.
    # Today: inv 600.00, memo used up → 600.00, no credit. (The second part overwriting the
    # first leaves 100.00 undated: inv 900.00 and memo −300.00 on 10-20.)
    "cus_dirty_02": {
        date(2026, 10, 3): ("600.00", "-300.00"),
        date(2026, 10, 20): ("600.00", "-200.00"),
        TODAY: ("600.00", "0.00"),
    },
    # inv_dirty_10 800.00 (10-06); cm_dirty_02 200.00 (10-16); pay_dirty_03 on 11-10 links the
    # invoice for 500.00 and the memo for 200.00 (cash 300.00), the memo states the same
    # 200.00, the invoice's payments[] the 500.00. 11-05: 800.00 − 200.00 = 600.00, credit
    # −200.00. Today: 800.00 − 300.00 cash − 200.00 memo = 300.00, unapplied 300.00 − 500.00
    # + 200.00 = 0.00. (Every side counted — the memo's application, the payment's memo line,
    # the invoice's payments[] — gives 1,100.00 on 11-05 and 800.00 today.)
    "cus_dirty_03": {date(2026, 11, 5): ("600.00", "-200.00"), TODAY: ("300.00", "0.00")},
    # inv_dirty_11 1,000.00 (10-01, due 10-31) PAID by pay_dirty_04 on 11-03: 1,250.00, no lines,
    # invoice_id only. 11-02: 1,000.00. Today: invoice 0.00, the 250.00 beyond it unapplied:
    # −250.00. (All 1,250.00 put on the invoice: 1,250.00 on 11-02 and 0.00 today.)
    "cus_dirty_04": {date(2026, 11, 2): ("1000.00", "0.00"), TODAY: ("-250.00", "-250.00")},
    # cm_dirty_03 400.00 (10-11), refunded on 11-07 by pay_dirty_05 (−400.00, a CREDITMEMO line
    # of 400.00). 11-01: −400.00 of credit. Today: the refund paid it out: +400.00 against the
    # memo's −400.00 = 0.00 (read as cash received it would add another −400.00 of credit).
    "cus_dirty_05": {date(2026, 11, 1): ("-400.00", "-400.00"), TODAY: ("0.00", "0.00")},
    # pay_dirty_06 600.00 on 10-31, no invoice, no lines. 10-30: nothing; today −600.00.
    "cus_dirty_06": {date(2026, 10, 30): ("0.00", "0.00"), TODAY: ("-600.00", "-600.00")},
    # cm_dirty_04 250.00 (CREDITMEMO on the invoice endpoint, 10-06, due_at 11-05); inv_dirty_12
    # −150.00 (INVOICE, 10-21). 10-15: −250.00. Today: −250.00 − 150.00 = −400.00 (abs() on the
    # invoice: −250.00 + 150.00 = −100.00).
    "cus_dirty_07": {date(2026, 10, 15): ("-250.00", "-250.00"), TODAY: ("-400.00", "-400.00")},
    # inv_dirty_13 500.00 (11-05) loads beside its three rejected poison siblings.
    "cus_dirty_08": {date(2026, 11, 4): ("0.00", "0.00"), TODAY: ("500.00", "0.00")},
    # inv_dirty_14 200.005 (10-06) and inv_dirty_15 0.005 (11-10): each rounds half away from
    # zero before the sum. 11-01: 200.01. Today: 200.01 + 0.01 = 200.02 (summed first:
    # 200.010 → 200.01).
    "cus_dirty_09": {date(2026, 11, 1): ("200.01", "0.00"), TODAY: ("200.02", "0.00")},
}

# customer → {as_of: {bucket: amount}} where the aging is the point (zero buckets left out).
AGING = {
    # 10-20: due 10-16 → 4 days; today: 30 days. Both 1-30.
    "cus_dirty_01": {date(2026, 10, 20): {"1_30": "1000.00"}, TODAY: {"1_30": "1000.00"}},
    # The unapplied 250.00 is aged from the payment date 11-03: 12 days, 1-30.
    "cus_dirty_04": {TODAY: {"1_30": "-250.00"}},
    # 10-31 → 11-15: 15 days, 1-30.
    "cus_dirty_06": {TODAY: {"1_30": "-600.00"}},
    # cm_dirty_04 is aged from its posting (10-06), not its due_at (11-05): 9 days (1-30) on
    # 10-15, where the due date would make it Current; today 40 days (31-60), not 10 (1-30).
    # inv_dirty_12 is a credit aged from 10-21: 25 days, 1-30.
    "cus_dirty_07": {
        date(2026, 10, 15): {"1_30": "-250.00"},
        TODAY: {"1_30": "-150.00", "31_60": "-250.00"},
    },
    # inv_dirty_14 due 11-05: Current on 11-01, 10 days (1-30) today; inv_dirty_15 due 12-10.
    "cus_dirty_09": {
        date(2026, 11, 1): {"current": "200.01"},
        TODAY: {"current": "0.01", "1_30": "200.01"},
    },
}

# customer → {as_of: {document: open amount}}: which documents make a figure.
DOCUMENTS = {
    "cus_dirty_01": {TODAY: {"inv_dirty_08": "1000.00"}},
    "cus_dirty_02": {
        date(2026, 10, 20): {"inv_dirty_09": "800.00", "cm_dirty_01": "-200.00"},
        TODAY: {"inv_dirty_09": "600.00"},
    },
    "cus_dirty_03": {
        date(2026, 11, 5): {"inv_dirty_10": "800.00", "cm_dirty_02": "-200.00"},
        TODAY: {"inv_dirty_10": "300.00"},
    },
    "cus_dirty_04": {TODAY: {"pmt:pay_dirty_04": "-250.00"}},
    "cus_dirty_05": {date(2026, 11, 1): {"cm_dirty_03": "-400.00"}, TODAY: {}},
    "cus_dirty_08": {TODAY: {"inv_dirty_13": "500.00"}},
    "cus_dirty_09": {TODAY: {"inv_dirty_14": "200.01", "inv_dirty_15": "0.01"}},
}


def load_dirty_demo() -> tuple[str, SandboxData]:
    """`manage.py load_demo --dirty` at 07:00 UTC on TODAY: the real job, in-process."""
    out = StringIO()
    with time_machine.travel(datetime(2026, 11, 15, 7, 0, tzinfo=UTC), tick=True):
        # A failed sync, or an ERROR-severity check (totals not reconciling), raises here.
        call_command("load_demo", today=TODAY, dirty=True, stdout=out, stderr=StringIO())
    return out.getvalue(), SandboxData.from_demo(today=TODAY, dirty=True)


def filters(customer: int, as_of: date) -> selectors.ARFilters:
    return selectors.ARFilters(as_of=as_of, today=TODAY, currency="USD", customer=customer)


def test_the_dirty_demo_loads_partially_and_each_fault_gives_the_controllers_figure():
    printed, data = load_dirty_demo()
    company = Company.objects.get(unified_connection_id=DEMO_CONNECTION)
    log = SyncLog.objects.get(company=company)

    assert log.status == SyncLog.Status.PARTIAL and log.error == ""
    assert {(r["object"], r["id"]): r["reason"] for r in log.rejected} == REJECTED
    assert f"{DEMO_NAME}: {log.get_status_display().lower()};" in printed
    for (obj, record_id), reason in REJECTED.items():
        assert f"  rejected {obj} {record_id}: {reason}\n" in printed
    served = {r["id"] for r in data.records("invoice") if r["type"] in SOURCE_DOC_TYPES}
    served |= {r["id"] for r in data.records("creditmemo")}
    loaded = Invoice.objects.filter(company=company, doc_type__in=SOURCE_DOC_TYPES)
    assert loaded.count() == len(served) - len(REJECTED)
    assert not loaded.filter(external_contact_id="cus_dirty_08").exclude(external_id="inv_dirty_13")

    pks = dict(Customer.objects.filter(company=company).values_list("external_id", "pk"))

    def figure(customer: str, as_of: date) -> tuple[str, str]:
        stats = selectors.summary_stats(company=company, filters=filters(pks[customer], as_of))
        return f"{stats.total_ar:.2f}", f"{stats.unapplied_credit:.2f}"

    def aging(customer: str, as_of: date) -> dict[str, str]:
        found = selectors.aging_distribution(company=company, filters=filters(pks[customer], as_of))
        assert [b.bucket.key for b in found.buckets] == list(BUCKETS)
        return {b.bucket.key: f"{b.amount:.2f}" for b in found.buckets if b.amount}

    def documents(customer: str, as_of: date) -> dict[str, str]:
        rows = selectors.customer_documents(company=company, filters=filters(pks[customer], as_of))
        return {row.external_id: f"{row.amount:.2f}" for row in rows}

    def read(expected: dict, reader) -> dict:
        return {c: {d: reader(c, d) for d in dates} for c, dates in expected.items()}

    assert read(FIGURES, figure) == FIGURES
    assert read(AGING, aging) == AGING
    assert read(DOCUMENTS, documents) == DOCUMENTS
    # The customer rows the pages show agree with the headline figures today.
    rows = selectors.customer_aging_rows(company=company, filters=filters(None, TODAY))
    by_customer = {row["customer_id"]: f"{row['total_outstanding']:.2f}" for row in rows}
    expected = {
        pks[c]: dates[TODAY][0] for c, dates in FIGURES.items() if dates[TODAY][0] != "0.00"
    }
    assert {pk: by_customer[pk] for pk in expected} == expected
    assert pks["cus_dirty_05"] not in by_customer  # a customer netting to zero has no row
    total = selectors.summary_total(company=company, filters=filters(None, TODAY))
    assert total == sum((D(v) for v in by_customer.values()), D(0))
