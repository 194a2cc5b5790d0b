"""The command line: serve the demo ledger in the foreground until interrupted."""

from __future__ import annotations

import argparse
import json
import threading
from datetime import UTC, date, datetime

from connectors.unified.sandbox.server import PAGE_FAULTS, Faults, SandboxServer
from connectors.unified.sandbox.store import OBJECT_TYPES, SandboxData


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m connectors.unified.sandbox",
        description="Serve the demo ledger as Unified.to would.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--today", type=date.fromisoformat, help="ledger date (default: today)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--dirty", action="store_true", help="add the public sandbox's flaws")
    parser.add_argument("--api-key", default="sandbox-key")
    parser.add_argument("--connection-id", default="demo")
    parser.add_argument("--rate-limit-every", type=int, default=0, metavar="N")
    parser.add_argument("--retry-after", type=float, default=1.0, metavar="S")
    parser.add_argument("--server-errors", type=int, default=0, metavar="N")
    parser.add_argument(
        "--rate-limit-storm", type=int, default=0, metavar="N", help="the next N requests: 429"
    )
    parser.add_argument(
        "--malformed-pages", type=int, default=0, metavar="N", help="the next N list pages broken"
    )
    parser.add_argument("--page-fault", choices=PAGE_FAULTS, default="not_json")
    parser.add_argument("--delay", type=float, default=0.0, metavar="S")
    parser.add_argument("--malformed", nargs="*", default=[], metavar="ID")
    parser.add_argument(
        "--poison",
        action="append",
        default=[],
        type=_poison,
        metavar="ID=JSON",
        help="serve these fields for a record, e.g. inv_000042='{\"total_amount\": 1e30}'",
    )
    parser.add_argument("--page-cap", type=int, default=0, metavar="N", help="records per page")
    parser.add_argument(
        "--short-page-at",
        nargs="*",
        type=int,
        default=[],
        metavar="OFFSET",
        help="pages at these offsets lose their last record upstream",
    )
    return parser


def _poison(text: str) -> tuple[str, dict]:
    """`ID=JSON object` from the command line, or an argparse error naming what is wrong."""
    record_id, sep, fields = text.partition("=")
    try:
        overrides = json.loads(fields) if sep else None
    except ValueError:
        overrides = None
    if not record_id or not isinstance(overrides, dict):
        raise argparse.ArgumentTypeError(f"{text!r} is not ID={{JSON object}}")
    return record_id, overrides


def main(argv: list[str] | None = None) -> int:
    """Run the sandbox in the foreground until interrupted."""
    args = _parser().parse_args(argv)
    # The CLI is an entry point, so it may read the clock; everything below takes `today`.
    today = args.today or datetime.now(UTC).date()
    faults = Faults(
        rate_limit_every=args.rate_limit_every,
        retry_after=args.retry_after,
        server_errors=args.server_errors,
        delay=args.delay,
        malformed_ids=set(args.malformed),
        poison=dict(args.poison),
        page_cap=args.page_cap,
        short_page_at=set(args.short_page_at),
        rate_limit_storm=args.rate_limit_storm,
        malformed_pages=args.malformed_pages,
        page_fault=args.page_fault,
    )
    data = SandboxData.from_demo(today=today, seed=args.seed, dirty=args.dirty)
    server = SandboxServer(
        data,
        api_key=args.api_key,
        connection_ids={args.connection_id},
        host=args.host,
        port=args.port,
        faults=faults,
    )
    with server:
        counts = ", ".join(f"{data.count(t)} {t}" for t in OBJECT_TYPES)
        print(
            f"Unified.to sandbox at {server.base_url} (ledger as of {today}: {counts})", flush=True
        )
        print(
            f"  API key {args.api_key!r}, connection id {args.connection_id!r}; Ctrl-C stops",
            flush=True,
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopping")
    return 0
