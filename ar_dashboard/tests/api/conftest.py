"""The hand-made ledger most API tests read, and a pinned clock.

Company A (USD home) as of 2026-06-30, the clock pinned to 2026-07-15 so that as_of is in the
past and the historical path (balance + allocations dated after as_of) is the one exercised.
Every document is due `days` before as_of and posted 30 days before its due date.

| customer | days | as-of amount | note                                                      |
|----------|------|--------------|-----------------------------------------------------------|
| Globex   |    0 |       100.00 | Current                                                   |
| Globex   |    1 |       200.50 |                                                           |
| Globex   |   30 |       300.00 | 120.00 paid 2026-07-10 (after as_of): balance now 180.00  |
| Globex   |   10 |      -150.00 | credit memo (aged by its own date)                        |
| Initech  |   31 |       400.00 |                                                           |
| (none)   |   45 |       250.00 | unknown customer                                          |
| Initech  |   60 |       500.00 |                                                           |
| Initech  |   61 |       500.00 | total 600.00, 100.00 paid 2026-06-15 (before as_of)       |
| Initech  |   90 |       700.00 |                                                           |
| Umbrella |   91 |       800.00 |                                                           |
| Umbrella |  120 |       900.00 |                                                           |
| Umbrella |  121 |      1000.00 |                                                           |
| Hooli    |      |         0.00 | VOIDED 5000, DRAFT 6000, DELETED 7000, PAID 50 (paid 6-01) |
| Globex   |   10 |   EUR 999.99 | another currency: never added to USD                      |

USD buckets: Current 100.00 · 1-30 350.50 · 31-60 1150.00 · 61-90 1200.00 · 91-120 1700.00 ·
120+ 1000.00 · total 5500.50.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from ar_dashboard.models import Invoice
from ar_dashboard.tests.factories import AllocationFactory, CustomerFactory, InvoiceFactory

AS_OF = date(2026, 6, 30)
TODAY = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Users are created in nearly every test here; PBKDF2 would dominate the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def pinned_today(time_machine):
    """The company's today is 2026-07-15 (UTC), after every date in the ledger."""
    time_machine.move_to(TODAY, tick=False)
    return TODAY.date()


def make_invoice(company, customer, days: int, amount: str, **extra) -> Invoice:
    """An open invoice due `days` before AS_OF (posted 30 days before its due date)."""
    due = AS_OF - timedelta(days=days)
    fields = {
        "company": company,
        "customer": customer,
        "posted_on": due - timedelta(days=30),
        "due_on": due,
        "total": D(amount),
        "balance": D(amount),
    }
    fields.update(extra)
    return InvoiceFactory(**fields)


def make_credit_memo(company, customer, days: int, amount: str, **extra) -> Invoice:
    """An unapplied credit memo dated `days` before AS_OF (its due date is its posted date)."""
    on = AS_OF - timedelta(days=days)
    fields = {
        "company": company,
        "customer": customer,
        "doc_type": Invoice.DocType.CREDITMEMO,
        "posted_on": on,
        "due_on": on,
        "total": D(amount),
        "balance": D(amount),
    }
    fields.update(extra)
    return InvoiceFactory(**fields)


@pytest.fixture
def ledger(company_a, pinned_today):
    company = company_a
    globex = CustomerFactory(company=company, name="Globex")
    initech = CustomerFactory(company=company, name="Initech")
    umbrella = CustomerFactory(company=company, name="Umbrella")
    hooli = CustomerFactory(company=company, name="Hooli")

    docs = SimpleNamespace()
    docs.d0 = make_invoice(company, globex, 0, "100.00")
    docs.d1 = make_invoice(company, globex, 1, "200.50")
    docs.d30 = make_invoice(company, globex, 30, "300.00", paid=D("120.00"), balance=D("180.00"))
    AllocationFactory(document=docs.d30, amount=D("120.00"), allocated_on=date(2026, 7, 10))
    docs.memo = make_credit_memo(company, globex, 10, "-150.00", number="CM-1")
    docs.d31 = make_invoice(company, initech, 31, "400.00")
    docs.unknown = make_invoice(company, None, 45, "250.00", external_contact_id="c_gone")
    docs.d60 = make_invoice(company, initech, 60, "500.00")
    docs.d61 = make_invoice(company, initech, 61, "600.00", paid=D("100.00"), balance=D("500.00"))
    AllocationFactory(document=docs.d61, amount=D("100.00"), allocated_on=date(2026, 6, 15))
    docs.d90 = make_invoice(company, initech, 90, "700.00")
    docs.d91 = make_invoice(company, umbrella, 91, "800.00")
    docs.d120 = make_invoice(company, umbrella, 120, "900.00")
    docs.d121 = make_invoice(company, umbrella, 121, "1000.00")
    # Hooli's documents count nothing: three excluded statuses (with balances the source still
    # states) and one invoice paid in full before as_of.
    make_invoice(company, hooli, 40, "5000.00", source_status="VOIDED")
    make_invoice(company, hooli, 40, "6000.00", source_status="DRAFT")
    make_invoice(company, hooli, 40, "7000.00", source_status="DELETED")
    paid = make_invoice(
        company, hooli, 40, "50.00", source_status="PAID", paid=D("50.00"), balance=D("0")
    )
    AllocationFactory(document=paid, amount=D("50.00"), allocated_on=date(2026, 6, 1))
    docs.eur = make_invoice(company, globex, 10, "999.99", currency="EUR")
    return SimpleNamespace(
        company=company, globex=globex, initech=initech, umbrella=umbrella, hooli=hooli, docs=docs
    )
