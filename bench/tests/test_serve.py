"""The upstream edit before the incremental sync: open invoices paid in full, a payment each."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bench.serve import Upstream, answer
from connectors.unified.sandbox import ListQuery

TODAY = date(2026, 3, 15)
MOMENT = datetime(2026, 3, 15, 9, 30, tzinfo=UTC)


def test_paying_marks_invoices_paid_and_adds_their_payments():
    upstream = Upstream(documents=300, today=TODAY, seed=1, workers=1)
    payments_before = upstream.store.count("payment")

    reply = answer(
        upstream,
        {
            "op": "pay",
            "count": 3,
            "day": "2026-03-15",
            "first_at": "2026-03-15T09:30:00Z",
            "last_at": "2026-03-15T09:30:20Z",
        },
    )

    assert reply["changed"] == 3 and reply["peak_rss_mb"] > 0
    assert upstream.store.count("payment") == payments_before + 3
    changed, total = upstream.store.select(
        "invoice", ListQuery(sort="updated_at", updated_gte=MOMENT)
    )
    assert total == 3
    assert [i["updated_at"] for i in changed] == [  # spread evenly, in id order
        "2026-03-15T09:30:00Z",
        "2026-03-15T09:30:10Z",
        "2026-03-15T09:30:20Z",
    ]
    new_payments, _ = upstream.store.select(
        "payment", ListQuery(sort="updated_at", updated_gte=MOMENT)
    )
    by_invoice = {p["invoice_id"]: p for p in new_payments}
    for invoice in changed:
        payment = by_invoice[invoice["id"]]
        (allocation,) = payment["allocations"]
        assert invoice["status"] == "PAID" and invoice["balance_amount"] == 0
        assert invoice["paid_at"] == "2026-03-15T00:00:00Z"
        assert invoice["payments"][-1]["payment_id"] == payment["id"]
        assert allocation["object_id"] == invoice["id"]
        assert allocation["amount"] == payment["total_amount"] > 0


def test_an_invoice_is_never_paid_twice():
    upstream = Upstream(documents=300, today=TODAY, seed=1, workers=1)
    open_count = len(upstream.open_invoices)

    first = upstream.pay(count=open_count - 1, day=TODAY, first_at=MOMENT, last_at=MOMENT)
    second = upstream.pay(count=5, day=TODAY, first_at=MOMENT, last_at=MOMENT)

    assert (first, second) == (open_count - 1, 1)
