"""`python -m bench.serve`: the benchmark's upstream, a sandbox of N documents in its own process.

A process of its own, so the sync's peak memory is measured without the served ledger's. It
generates the scaled ledger (bench/ledger.py) into a CompactStore, serves it with the real
`SandboxServer` on a loopback port, prints one JSON line (`{"event": "ready", ...}`) and then
answers JSON commands read from stdin, one per line, until stdin closes:

- `{"op": "pay", "count": 1000, "day": "YYYY-MM-DD", "first_at": "<ISO-8601>", "last_at": …}`:
  that many open invoices are paid in full upstream on `day`: a new payment each, the invoice
  marked PAID, both stamped with `updated_at` spread evenly from `first_at` to `last_at`, as
  a day's edits are (what an incremental sync then reads).
- `{"op": "memory"}`: this process's resident and peak memory.

Stdlib and `connectors` only, as the sandbox itself: it starts without Django.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from datetime import date, datetime
from decimal import Decimal

from bench.ledger import CURRENCIES, MONTHS, Records, scaled_ledger
from bench.store import CompactStore
from connectors.unified.demo import render
from connectors.unified.sandbox import OBJECT_TYPES, SandboxServer, iso_z, parse_iso

# A document's own `type` comes before its line items (which have none) in the rendered JSON.
DOC_TYPE = re.compile(rb'"type":"([A-Z]+)"')


def memory_mb(pid: int | str = "self") -> dict[str, float]:
    """Resident (VmRSS) and peak resident (VmHWM) memory of a process, in MB (Linux /proc)."""
    found = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                name = {"VmRSS": "rss_mb", "VmHWM": "peak_rss_mb"}.get(key)
                if name is not None:
                    found[name] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return found


class Upstream:
    """The served ledger and what the benchmark does to it upstream."""

    def __init__(self, *, documents: int, today: date, seed: int, workers: int) -> None:
        self.store = CompactStore()
        self.stats: Counter[str] = Counter()
        self.open_invoices: list[str] = []
        self.seed = seed
        started = time.monotonic()
        for records in scaled_ledger(documents=documents, today=today, seed=seed, workers=workers):
            self._add(records)
        self.store.index()
        self.stats["generate_seconds"] = round(time.monotonic() - started, 1)
        self.stats["json_mb"] = round(self.store.bytes() / 2**20, 1)
        self.stats["months"] = MONTHS
        self.paid: set[str] = set()

    def _add(self, records: Records) -> None:
        for name in ("contacts", "invoices", "creditmemos", "payments"):
            rows = getattr(records, name)
            self.store.put_rows(name.removesuffix("s"), rows)
            self.stats[name] += len(rows)
        self.stats["documents"] += records.documents
        if records.currency:
            self.stats["customers"] += 1
            self.stats[f"customers_{records.currency}"] += 1
        for item in records.invoices:
            found = DOC_TYPE.search(item.body)
            self.stats[f"type_{found.group(1).decode() if found else '?'}"] += 1
        for item in records.payments + records.creditmemos:
            self.stats["allocations"] += item.body.count(b'"object_id"')
        self.open_invoices += records.open_invoices

    def pay(self, *, count: int, day: date, first_at: datetime, last_at: datetime) -> int:
        """Pay `count` open invoices (a seeded choice, never twice) in full on `day`.

        The edits are stamped evenly from `first_at` to `last_at`: a sync's overlap window
        then re-reads the last few of them, not all (as it would if they shared one stamp).
        """
        candidates = [i for i in self.open_invoices if i not in self.paid]
        chosen = random.Random(f"{self.seed}:pay:{len(self.paid)}").sample(
            candidates, min(count, len(candidates))
        )
        step = (last_at - first_at) / max(1, len(chosen) - 1)
        for n, invoice_id in enumerate(sorted(chosen)):
            moment = first_at + step * n
            self._pay_one(invoice_id, f"pay_upstream_{len(self.paid) + n + 1}", day, moment)
        self.paid.update(chosen)
        return len(chosen)

    def _pay_one(self, invoice_id: str, payment_id: str, day: date, moment: datetime) -> None:
        invoice = self.store.get("invoice", invoice_id)
        if invoice is None:
            raise KeyError(invoice_id)
        balance = invoice["balance_amount"]
        paid = Decimal(str(invoice["paid_amount"])) + Decimal(str(balance))
        stamp = iso_z(moment)
        self.store.add(
            "payment",
            {
                "id": payment_id,
                "type": "INVOICE",
                "status": "SUCCEEDED",
                "contact_id": invoice["contact_id"],
                "invoice_id": invoice_id,
                "currency": invoice["currency"],
                "total_amount": balance,
                "paid_at": render.iso_day(day),
                "payment_method": "ACH",
                "reference": f"ACH {payment_id}",
                "allocations": [
                    {
                        "object_type": "INVOICE",
                        "object_id": invoice_id,
                        "amount": balance,
                        "currency": invoice["currency"],
                        "allocated_at": render.iso_day(day),
                    }
                ],
                "created_at": stamp,
                "updated_at": stamp,
            },
        )
        line = {"payment_id": payment_id, "amount": balance, "allocated_at": render.iso_day(day)}
        changes = {
            "status": "PAID",
            "paid_amount": render.amount(paid),
            "balance_amount": 0,
            "paid_at": render.iso_day(day),
            "payments": [*invoice.get("payments", []), line],
        }
        self.store.update("invoice", invoice_id, changes, updated_at=moment)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.serve", description=__doc__)
    parser.add_argument("--documents", type=int, required=True)
    parser.add_argument("--today", type=date.fromisoformat, required=True)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--connection-id", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    return parser


def answer(upstream: Upstream, command: dict) -> dict:
    if command.get("op") == "pay":
        changed = upstream.pay(
            count=int(command["count"]),
            day=date.fromisoformat(command["day"]),
            first_at=parse_iso(command["first_at"]),
            last_at=parse_iso(command["last_at"]),
        )
        return {"changed": changed, **memory_mb()}
    if command.get("op") == "memory":
        return memory_mb()
    return {"error": f"unknown command {command!r}"}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    upstream = Upstream(
        documents=args.documents, today=args.today, seed=args.seed, workers=args.workers
    )
    server = SandboxServer(
        upstream.store,  # type: ignore[arg-type]  # the server reads select/get/update only
        api_key=args.api_key,
        connection_ids={args.connection_id},
        host=args.host,
        port=args.port,
    )
    with server:
        counts = {t: upstream.store.count(t) for t in OBJECT_TYPES}
        ledger = {**upstream.stats, "currencies": list(CURRENCIES), "served": counts}
        ready = {"event": "ready", "base_url": server.base_url, "ledger": ledger, **memory_mb()}
        print(json.dumps(ready), flush=True)
        for line in sys.stdin:
            if line.strip():
                print(json.dumps(answer(upstream, json.loads(line))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
