"""The small ledger every analytics endpoint test reads (company A, USD, as of 2026-06-30).

| doc | customer | posted     | due        | total | allocations (effective)           | open 6/30 |
|-----|----------|------------|------------|-------|-----------------------------------|-----------|
| S2  | Stopped  | 2025-12-01 | 2025-12-31 |  1000 | 1000 on 2026-01-20                |       0   |
| S1  | Stopped  | 2026-01-05 | 2026-02-04 |  4000 | —                                 |    4000   |
| L1  | Late     | 2026-02-01 | 2026-03-03 |  3000 | 1000 on 03-20, 2000 on 04-02      |       0   |
| P1  | Prompt   | 2026-03-01 | 2026-03-31 |  1000 | 1000 on 03-29                     |       0   |
| L2  | Late     | 2026-04-10 | 2026-05-10 |  1000 | 1000 on 06-19                     |       0   |
| P2  | Prompt   | 2026-05-01 | 2026-05-31 |  2000 | 2000 on 05-31                     |       0   |
| L3  | Late     | 2026-05-01 | 2026-05-31 |  2500 | 500 on 06-15                      |    2000   |
| V   | Late     | 2026-06-01 | 2026-07-01 |  9999 | VOIDED: counts nothing            |       —   |
| P3  | Prompt   | 2026-06-10 | 2026-07-10 |  1500 | —                                 |    1500   |
| E1  | Prompt   | 2026-06-01 | 2026-07-01 | 500 € | — (EUR)                           |     500 € |

Paid invoices (paid date = last allocation, balance 0): days to pay / days late
S2 50 / 20 (paid 01-20); P1 28 / −2 (03-29); L1 60 / 30 (04-02); P2 30 / 0 (05-31);
L2 70 / 40 (06-19). L3 is only partly paid.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal as D

import pytest

from ar_dashboard.models import Company, Customer, Invoice
from ar_dashboard.tests.factories import AllocationFactory, CustomerFactory, InvoiceFactory

AS_OF = "2026-06-30"


@dataclass
class Books:
    company: Company
    prompt: Customer
    late: Customer
    stopped: Customer
    docs: dict[str, Invoice]


def _invoice(company, customer, number, posted, due, total, paid=(), **extra) -> Invoice:
    paid_total = sum((amount for _, amount in paid), start=D(0))
    invoice = InvoiceFactory(
        company=company,
        customer=customer,
        number=number,
        external_id=f"inv-{number}",
        posted_on=posted,
        due_on=due,
        total=D(total),
        paid=paid_total,
        balance=D(total) - paid_total,
        **extra,
    )
    for on, amount in paid:
        AllocationFactory(document=invoice, amount=amount, allocated_on=on)
    return invoice


@pytest.fixture
def books(company_a) -> Books:
    c = company_a
    prompt = CustomerFactory(company=c, name="Prompt Paper Co")
    late = CustomerFactory(company=c, name="Late Lumber Ltd")
    stopped = CustomerFactory(company=c, name="Stopped Steel Inc")
    d = date
    docs = {
        "S2": _invoice(
            c, stopped, "S2", d(2025, 12, 1), d(2025, 12, 31), "1000", [(d(2026, 1, 20), D("1000"))]
        ),
        "S1": _invoice(c, stopped, "S1", d(2026, 1, 5), d(2026, 2, 4), "4000"),
        "L1": _invoice(
            c,
            late,
            "L1",
            d(2026, 2, 1),
            d(2026, 3, 3),
            "3000",
            [(d(2026, 3, 20), D("1000")), (d(2026, 4, 2), D("2000"))],
        ),
        "P1": _invoice(
            c, prompt, "P1", d(2026, 3, 1), d(2026, 3, 31), "1000", [(d(2026, 3, 29), D("1000"))]
        ),
        "L2": _invoice(
            c, late, "L2", d(2026, 4, 10), d(2026, 5, 10), "1000", [(d(2026, 6, 19), D("1000"))]
        ),
        "P2": _invoice(
            c, prompt, "P2", d(2026, 5, 1), d(2026, 5, 31), "2000", [(d(2026, 5, 31), D("2000"))]
        ),
        "L3": _invoice(
            c, late, "L3", d(2026, 5, 1), d(2026, 5, 31), "2500", [(d(2026, 6, 15), D("500"))]
        ),
        "V": _invoice(c, late, "V", d(2026, 6, 1), d(2026, 7, 1), "9999", source_status="VOIDED"),
        "P3": _invoice(c, prompt, "P3", d(2026, 6, 10), d(2026, 7, 10), "1500"),
        "E1": _invoice(c, prompt, "E1", d(2026, 6, 1), d(2026, 7, 1), "500", currency="EUR"),
    }
    return Books(c, prompt, late, stopped, docs)
