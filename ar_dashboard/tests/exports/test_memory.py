"""A large CSV export streams: memory stays flat whatever the number of rows."""

import csv
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal as D

from ar_dashboard.models import Customer, Invoice

ROWS = 30_000
# Generous: the rows held at once (one cursor chunk of 2,000 plus a 64 KB write buffer) need a
# few MB; holding 30,000 rows (model rows, Decimals, formatted lines) would need ~50 MB.
CEILING_MB = 16


def _ledger(company) -> None:
    customers = Customer.objects.bulk_create(
        Customer(company=company, external_id=f"c{n}", name=f"Customer {n:04d}") for n in range(300)
    )
    Invoice.objects.bulk_create(
        (
            Invoice(
                company=company,
                customer=customers[n % 300],
                external_id=f"inv{n}",
                number=f"INV-{n:06d}",
                source_status="AUTHORIZED",
                posted_on=date(2026, 1, 1) + timedelta(days=n % 150),
                due_on=date(2026, 1, 31) + timedelta(days=n % 150),
                currency="USD",
                total=D("1234.56"),
                balance=D("1234.56"),
            )
            for n in range(ROWS)
        ),
        batch_size=5000,
    )


def test_large_csv_export_streams_in_bounded_memory(web, company_a, pinned_today):
    """30,000 rows × 1234.56 = 37,036,800.00, streamed with a peak far below the whole."""
    _ledger(company_a)
    # Warm up: the first request imports modules and fills caches, which are not rows.
    b"".join(web.get("/ar/export/aging-detail.csv", {"as_of": "2025-01-01"}).streaming_content)

    tracemalloc.start()
    try:
        response = web.get("/ar/export/aging-detail.csv", {"as_of": "2026-06-30"})
        lines, size, total, amount = 0, 0, D(0), None
        for piece in response.streaming_content:
            size += len(piece)
            for row in csv.reader(piece.decode().splitlines()):
                if amount is None:  # the header row names the open balance's column
                    amount = next(i for i, h in enumerate(row) if h.startswith("Open balance"))
                    continue
                total += D(row[amount])
            lines += piece.count(b"\n")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert lines == ROWS + 1
    assert total == D("37036800.00")
    assert size > 3_000_000
    assert peak < CEILING_MB * 2**20, f"peak {peak / 2**20:.1f} MB"
