"""Selector rows as plain dicts for the API, the page and CSV (formatting only, no sums)."""

from __future__ import annotations

from ar_collections.selectors import PromiseRow, WorklistRow
from ar_dashboard.money import money_str

__all__ = ["money_str", "promise_dict", "worklist_dict"]


def promise_dict(row: PromiseRow | None) -> dict | None:
    if row is None:
        return None
    return {
        **row.__dict__,
        "amount": money_str(row.amount, row.currency),
        "paid": money_str(row.paid, row.currency),
        "status": row.status.value,
    }


def worklist_dict(row: WorklistRow, bucket_keys: list[str]) -> dict:
    return {
        **row.__dict__,
        "buckets": {
            key: money_str(amount, row.currency)
            for key, amount in zip(bucket_keys, row.buckets, strict=True)
        },
        "open_promise": promise_dict(row.open_promise),
        "broken_promise": promise_dict(row.broken_promise),
    }
