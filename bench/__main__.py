"""`python -m bench` (`make bench`): issue 14's benchmark at each size, appended to RESULTS.md.

DATABASE_URL names the bench's own database: it is emptied before every size. The process
runs as production does (DEBUG off); see bench/README.md for what is measured and how.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import secrets
import sys
import warnings
from datetime import UTC, date, datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = "10000 100000 1000000"


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part.replace("_", "")) for part in text.replace(",", " ").split())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of whole numbers") from None
    if not sizes or min(sizes) < 100:
        raise argparse.ArgumentTypeError("sizes are numbers of documents, at least 100")
    return sizes


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--sizes", type=_sizes, default=_sizes(os.environ.get("BENCH_SIZES") or DEFAULT_SIZES)
    )
    parser.add_argument("--results", type=Path, default=PROJECT_ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--log-dir", type=Path, default=PROJECT_ROOT / "var" / "bench")
    parser.add_argument("--today", type=date.fromisoformat, help="ledger date (default: today)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--requests", type=int, default=50, help="requests per series")
    parser.add_argument(
        "--budget", type=float, default=180.0, help="seconds a request series may take"
    )
    parser.add_argument("--naive-sizes", type=_sizes, default=(100_000,))
    parser.add_argument("--naive-runs", type=int, default=3)
    parser.add_argument("--changed", type=int, default=1000, help="documents changed upstream")
    parser.add_argument("--sync-timeout", type=float, default=3600.0)
    parser.add_argument(
        "--statement-timeout",
        type=float,
        default=120.0,
        help="seconds any query of a timed request may run (PostgreSQL); the request then fails",
    )
    parser.add_argument(
        "--loads-only",
        action="store_true",
        help="time the loads only: the full sync stops after its load step, no request timed",
    )
    parser.add_argument(
        "--requests-only",
        action="store_true",
        help="time requests on the ledgers an earlier run loaded (no generation, no sync)",
    )
    parser.add_argument(
        "--cold-cache",
        action="store_true",
        help="clear the caches before every request (default: before every series)",
    )
    return parser


def _production_like_environment() -> None:
    """DEBUG off, as production runs; a throwaway key and the test client's host allowed."""
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not os.environ.get("DATABASE_URL"):
        print("python -m bench needs DATABASE_URL: a database of its own (it is emptied)")
        return 2
    _production_like_environment()
    # Whitenoise warns that STATIC_ROOT was never collected: the bench serves no static file.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from bench.harness import BenchConfig, run_size
    from bench.results import append_results, machine, render_scaling, render_size

    config = BenchConfig(
        # An entry point may read the clock: the ledger is as of the UTC date, as the
        # bench company's time zone (UTC) sees it.
        today=args.today or datetime.now(UTC).date(),
        log_dir=args.log_dir,
        seed=args.seed,
        workers=args.workers,
        requests=args.requests,
        series_budget=args.budget,
        naive_sizes=args.naive_sizes,
        naive_runs=args.naive_runs,
        changed=args.changed,
        sync_timeout=args.sync_timeout,
        cold_cache=args.cold_cache,
        statement_timeout=args.statement_timeout,
        requests_only=args.requests_only,
        loads_only=args.loads_only,
    )
    results = []
    for size in args.sizes:
        info = machine()
        print(f"bench: {size:,} documents ({info['date']})", file=sys.stderr, flush=True)
        result = run_size(config, size)
        results.append(result)
        section = render_size(result, info)
        append_results(args.results, [section])  # each size kept even if a later one fails
        (config.log_dir / str(size) / "results.json").write_text(
            json.dumps(dataclasses.asdict(result), indent=1, default=str)
        )
        print(section, flush=True)
    append_results(args.results, [render_scaling(results)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
