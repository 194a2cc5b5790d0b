"""`python -m bench.resync`: time the incremental and nothing-changed syncs again, on the
ledger an earlier `python -m bench` run of the same size left loaded (no full reload).

The upstream ledger is generated again (same seed and date: the same records), so the loaded
ledger has nothing to re-read; `--changed` open invoices are then paid upstream and synced
(the incremental sync), then the sync runs again with nothing changed. `--trees` runs each
pair of syncs with the `manage.py` of each given source tree in turn, back to back on the
same machine load (before/after a change): a tree's cursors end where the previous pair left
them, so each pair sees only its own edits.

Prints one line per sync: wall seconds, CPU seconds of the sync process, job seconds and
steps, with the load average, and appends nothing: copy what matters to RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.resync", description=__doc__)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--changed", type=int, default=1000)
    parser.add_argument("--today", type=date.fromisoformat, required=True)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--trees", nargs="+", type=Path, default=[PROJECT_ROOT])
    parser.add_argument("--rounds", type=int, default=1, help="pairs of syncs per tree")
    parser.add_argument("--log-dir", type=Path, default=PROJECT_ROOT / "var" / "bench" / "resync")
    args = parser.parse_args(argv)
    from bench.__main__ import _production_like_environment

    _production_like_environment()
    import django

    django.setup()
    from django.db.models import Max

    from ar_dashboard.models import SyncCursor
    from bench import sync as bench_sync
    from bench.harness import COMPANY_PREFIX, EDIT_SPACING
    from bench.upstream import UpstreamProcess

    args.log_dir.mkdir(parents=True, exist_ok=True)
    connection_id = f"{COMPANY_PREFIX}{args.size}"
    upstream = UpstreamProcess(
        documents=args.size,
        today=args.today,
        seed=args.seed,
        workers=min(2, os.cpu_count() or 1),
        log_path=args.log_dir / "sandbox.log",
    )
    results = []
    with upstream:
        for round_ in range(args.rounds):
            for tree in args.trees:
                bench_sync.PROJECT_ROOT = tree.resolve()
                # Every edit after the stored watermarks (else the sync would not list it),
                # ~10 s apart as a day's edits are, ending a minute ago as in the bench.
                last_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
                cursor = SyncCursor.objects.filter(
                    company__unified_connection_id=connection_id
                ).aggregate(latest=Max("updated_gte"))["latest"]
                first_at = last_at - EDIT_SPACING * args.changed
                if cursor is not None:
                    first_at = min(max(first_at, cursor + timedelta(seconds=1)), last_at)
                changed = upstream.pay(
                    count=args.changed, day=args.today, first_at=first_at, last_at=last_at
                )
                for label in (f"incremental ({changed} changed)", "nothing changed"):
                    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
                    run = bench_sync.run_sync(
                        label,
                        connection_id=connection_id,
                        name=f"Bench {args.size:,} documents",
                        base_url=upstream.base_url,
                        api_key=upstream.api_key,
                        full=False,
                        timeout=3600,
                        log_path=args.log_dir / f"{tree.name}-{round_}-{len(results)}.log",
                    )
                    line = {
                        "tree": str(tree),
                        "sync": label,
                        "load_before": load,
                        "load_after": " ".join(f"{x:.1f}" for x in os.getloadavg()),
                        "ok": run.ok,
                        "error": run.error,
                        "wall_s": round(run.wall_seconds, 2),
                        "cpu_s": run.cpu_seconds,
                        "job_s": run.job_seconds,
                        "rss_mb": round(run.peak_rss_mb or 0),
                        "steps": run.steps,
                    }
                    results.append(line)
                    print(json.dumps(line), flush=True)
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
