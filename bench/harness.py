"""One benchmark size, end to end: generate, serve, sync three times, time requests, baseline.

Runs in a process where Django is set up on the bench database (`python -m bench`, or the
smoke test's test database). The database is emptied first (`flush`), so every size starts
from nothing; `reset_database` refuses a database holding anything but the bench's own data.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import Count
from django.test import Client
from django.test.utils import override_settings

from ar_dashboard.models import Company, Invoice, Membership
from bench.naive import NaiveResult, naive_baseline
from bench.sync import SyncRun, run_sync
from bench.timings import Series, time_series
from bench.upstream import UpstreamProcess

BENCH_USER = "bench"
COMPANY_PREFIX = "bench-"
# Parameter names a customer-name prefix filter may have; the first the schema lists is used.
NAME_PARAMS = ("name", "customer_name", "name_prefix", "search", "q")
PLAIN_STATIC = "django.contrib.staticfiles.storage.StaticFilesStorage"
SUMMARY_TODAY = ("summary-stats", "today")  # what the naive baseline is compared with
EDIT_SPACING = timedelta(seconds=10)  # between two upstream edits before the incremental sync


class BenchError(RuntimeError):
    pass


@dataclass(frozen=True)
class BenchConfig:
    today: date
    log_dir: Path
    seed: int = 2024
    workers: int = 1
    requests: int = 50
    series_budget: float = 180.0  # seconds per request series before it stops early
    naive_sizes: tuple[int, ...] = (100_000,)
    naive_runs: int = 3
    changed: int = 1000  # documents changed upstream before the incremental sync
    sync_timeout: float = 3600.0
    cold_cache: bool = False  # clear caches before every request, not only every series
    statement_timeout: float = 120.0  # seconds a query of a timed request may run (PostgreSQL)
    # Time the loads only: the full sync is stopped once its load step has committed (the
    # first sync's month-end backfill is summary work, timed apart), no request is timed.
    loads_only: bool = False
    requests_only: bool = False  # reuse the ledger an earlier run of the size loaded


@dataclass
class SizeResult:
    documents: int
    ledger: dict[str, Any] = field(default_factory=dict)
    syncs: list[SyncRun] = field(default_factory=list)
    changed: int = 0
    sandbox_peak_rss_mb: float | None = None
    series: list[Series] = field(default_factory=list)
    name_param: str | None = None
    naive: NaiveResult | None = None
    summary_today_p50_ms: float | None = None
    summary_today_cold_ms: float | None = None  # its first request, made with caches empty
    cold_cache: bool = False
    errors: list[str] = field(default_factory=list)


def reset_database() -> None:
    """Migrate and empty the bench database; refuse one that holds anything else."""
    call_command("migrate", interactive=False, verbosity=0)
    foreign = Company.objects.exclude(unified_connection_id__startswith=COMPANY_PREFIX)
    users = get_user_model().objects.exclude(username=BENCH_USER)
    if foreign.exists() or users.exists():
        name = connection.settings_dict["NAME"]
        raise BenchError(
            f"database {name!r} holds companies or users the bench did not make; the bench "
            "empties its database for every size, so give it one of its own (DATABASE_URL)"
        )
    call_command("flush", interactive=False, verbosity=0)


def run_size(config: BenchConfig, documents: int) -> SizeResult:
    """Everything measured at one size; failures are recorded, not raised, where possible.

    With `config.requests_only` the ledger loaded by an earlier run of this size is reused:
    nothing is generated or synced, the requests (and the baseline) are timed again.
    """
    result = SizeResult(documents, cold_cache=config.cold_cache)
    connection_id = f"{COMPANY_PREFIX}{documents}"
    if not config.requests_only:
        _load(config, result)
    if config.loads_only:
        return result
    company = Company.objects.filter(unified_connection_id=connection_id).first()
    if not all(run.ok for run in result.syncs):
        result.errors.append("a sync failed: requests not timed")
        return result
    if company is None:
        result.errors.append(f"no {connection_id} company in the database: requests not timed")
        return result
    analyze()
    user = bench_member(company)
    result.series, result.name_param = request_timings(config, company, user)
    summary_today = [s for s in result.series if (s.endpoint, s.as_of_label) == SUMMARY_TODAY]
    if summary_today and summary_today[0].samples_ms:
        result.summary_today_p50_ms = summary_today[0].p50
        result.summary_today_cold_ms = summary_today[0].samples_ms[0]
    if documents in config.naive_sizes:
        result.naive = naive_baseline(company=company, today=config.today, runs=config.naive_runs)
    return result


def _load(config: BenchConfig, result: SizeResult) -> None:
    """Empty the database, serve a ledger of `result.documents` and sync it three times."""
    reset_database()
    log = config.log_dir / f"{result.documents}"
    log.mkdir(parents=True, exist_ok=True)
    upstream = UpstreamProcess(
        documents=result.documents,
        today=config.today,
        seed=config.seed,
        workers=config.workers,
        log_path=log / "sandbox.log",
    )
    with upstream:
        result.ledger = upstream.ledger
        _syncs(config, upstream, result, log)
        result.sandbox_peak_rss_mb = upstream.memory().get("peak_rss_mb")


def _syncs(config: BenchConfig, upstream: UpstreamProcess, result: SizeResult, log: Path) -> None:
    common = {
        "connection_id": upstream.connection_id,
        "name": f"Bench {result.documents:,} documents",
        "base_url": upstream.base_url,
        "api_key": upstream.api_key,
        "timeout": config.sync_timeout,
    }
    stop = "ledger_loaded" if config.loads_only else None
    label = "full sync (stopped after ledger_loaded)" if stop else "full sync"
    full = run_sync(label, full=True, log_path=log / "sync-full.log", stop_after=stop, **common)
    result.syncs.append(full)
    if not full.ok:
        return
    if stop:
        release_stopped_sync(upstream.connection_id)
    first_at, last_at = edit_window(config)
    result.changed = upstream.pay(
        count=config.changed, day=config.today, first_at=first_at, last_at=last_at
    )
    label = f"incremental sync ({result.changed:,} documents changed)"
    result.syncs.append(run_sync(label, full=False, log_path=log / "sync-incr.log", **common))
    nothing = run_sync(
        "sync with nothing changed", full=False, log_path=log / "sync-none.log", **common
    )
    result.syncs.append(nothing)


def release_stopped_sync(connection_id: str) -> None:
    """The stopped sync's log marked failed and its staging dropped (a killed sync's lock)."""
    from django.utils import timezone

    from ar_dashboard.models import SyncLog
    from ar_dashboard.services.staging import staging_clear

    logs = SyncLog.objects.filter(
        company__unified_connection_id=connection_id, status=SyncLog.Status.RUNNING
    )
    for log in logs:
        staging_clear(sync_log_id=log.pk)
    logs.update(
        status=SyncLog.Status.FAILED,
        error="stopped by the bench after its load",
        finished_at=timezone.now(),
    )


def edit_window(config: BenchConfig) -> tuple[datetime, datetime]:
    """When the upstream edits happened: ~10 s apart, ending a minute ago, all after the ledger.

    The harness is an entry point, so it reads the clock. The generated ledger has nothing
    stamped on or after `today` 00:00 UTC, so edits from then on are all newer than the full
    sync's cursor (`--today` must not be later than the real date).
    """
    last_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    midnight = datetime.combine(config.today, time(0, 0), tzinfo=UTC)
    first_at = max(last_at - EDIT_SPACING * config.changed, min(midnight, last_at))
    return first_at, last_at


def analyze() -> None:
    """Fresh planner statistics and visibility map, as autovacuum leaves them after a load."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def bench_member(company: Company):
    """The bench's user, a viewer of the company (the API's ordinary access path)."""
    user, _ = get_user_model().objects.get_or_create(username=BENCH_USER)
    Membership.objects.get_or_create(
        user=user, company=company, defaults={"role": Membership.Role.VIEWER}
    )
    return user


def as_of_dates(today: date) -> dict[str, date]:
    """Today, the last month-end, and the 15th of the month before it (live computation)."""
    month_end = today.replace(day=1) - timedelta(days=1)
    earlier = (month_end.replace(day=1) - timedelta(days=1)).replace(day=15)
    return {"today": today, "month-end": month_end, "other date": earlier}


def name_prefix_param() -> str | None:
    """The customer-breakdown parameter filtering by name prefix, if the API has one."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/ar/api/customer-breakdown/"]["get"]
    names = {parameter["name"] for parameter in operation.get("parameters", [])}
    wanted = os.environ.get("BENCH_NAME_PARAM")
    return next((name for name in ((wanted,) if wanted else NAME_PARAMS) if name in names), None)


def busiest_customer(company: Company):
    """The customer with the most documents (the largest invoice-details answer)."""
    top = (
        Invoice.objects.filter(company=company, customer__isnull=False)
        .values("customer")
        .annotate(n=Count("id"))
        .order_by("-n", "customer")
        .first()
    )
    if top is None:
        raise BenchError("the loaded company has no customer with documents")
    return company.customers.get(pk=top["customer"])


def request_urls(
    company: Company, name_param: str | None, today: date
) -> list[tuple[str, str, str]]:
    """(endpoint, as_of label, URL) for every series, in the order they are timed."""
    customer = busiest_customer(company)
    prefix = customer.name.split()[0]
    urls = []
    for label, as_of in as_of_dates(today).items():
        day = f"as_of={as_of.isoformat()}"
        urls += [
            ("summary-stats", label, f"/ar/api/summary-stats/?{day}"),
            ("aging-distribution", label, f"/ar/api/aging-distribution/?{day}"),
            (
                "customer-breakdown p1, by balance",
                label,
                f"/ar/api/customer-breakdown/?{day}&sort=-total_outstanding&page=1",
            ),
        ]
        if name_param is not None:
            urls.append(
                (
                    "customer-breakdown p1, name prefix",
                    label,
                    f"/ar/api/customer-breakdown/?{day}&sort=-total_outstanding&{name_param}={prefix}",
                )
            )
        urls += [
            ("invoice-details", label, f"/ar/api/invoice-details/{customer.pk}/?{day}"),
            ("home page", label, f"/ar/?{day}"),
            ("collections worklist", label, f"/ar/api/collections/?{day}&page=1"),
            ("collections page", label, f"/ar/collections/?{day}"),
            # issue 15's analytics, with their default periods
            ("kpis", label, f"/ar/api/kpis/?{day}"),
            ("trends", label, f"/ar/api/trends/?{day}"),
            ("customer-health p1", label, f"/ar/api/customer-health/?{day}&page=1"),
            ("cash-forecast", label, f"/ar/api/cash-forecast/?{day}"),
            ("payment-velocity p1", label, f"/ar/api/payment-velocity/?{day}&page=1"),
            *dashboard_urls(customer, label, day),
        ]
    return urls


def dashboard_urls(customer, label: str, day: str) -> list[tuple[str, str, str]]:
    """Issue 16's pages: widgets, filtered (a bucket; two buckets and a risk band), the aging
    report (page 1 sorted by the oldest bucket: every customer ranked), and the busiest
    customer's drill-down."""
    return [
        ("widgets page", label, f"/ar/widgets/?{day}"),
        ("filtered page", label, f"/ar/filtered/?{day}&bucket=1_30&min_amount=100"),
        (
            "filtered page, buckets + band",
            label,
            f"/ar/filtered/?{day}&bucket=31_60&bucket=over_120&band=high",
        ),
        ("report page", label, f"/ar/report/?{day}&sort=-over_120"),
        ("customer drill-down", label, f"/ar/report/customer/{customer.pk}/?{day}"),
    ]


def request_timings(config: BenchConfig, company: Company, user) -> tuple[list[Series], str | None]:
    """Every series timed as the bench user; the name-prefix series only if the API has one."""
    name_param = name_prefix_param()
    urls = request_urls(company, name_param, config.today)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATIC}}
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    series = []
    # Manifest static storage needs collectstatic; plain storage renders the same page.
    with (
        override_settings(STORAGES=storages, ALLOWED_HOSTS=hosts, DEBUG=False),
        statement_timeout(config.statement_timeout),
    ):
        for _, _, url in urls:
            client.get(url, secure=True)  # warm-up: imports, templates, connections
        for endpoint, label, url in urls:
            found = Series(endpoint, label, url)
            time_series(
                client,
                found,
                requests=config.requests,
                budget=config.series_budget,
                cold=config.cold_cache,
            )
            series.append(found)
            progress(
                f"  {endpoint}, {label}: p50 {found.p50 or 0:,.1f} ms, p95 {found.p95 or 0:,.1f} "
                f"ms, n {len(found.samples_ms)}{' ' + found.error if found.error else ''}"
            )
    return series, name_param


@contextmanager
def statement_timeout(seconds: float) -> Iterator[None]:
    """Cap every query of the timed requests, so one runaway plan cannot stall the bench.

    A request cut short answers 500: its row then says so, with the number of requests made.
    """
    if connection.vendor != "postgresql":
        yield
        return

    def limit(sender: Any, connection: Any, **kwargs: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = %s", [f"{int(seconds * 1000)}ms"])

    limit(None, connection)
    connection_created.connect(limit)  # a connection reopened meanwhile gets it too
    try:
        yield
    finally:
        connection_created.disconnect(limit)
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")


def progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
