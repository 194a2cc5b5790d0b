"""`manage.py sync_ar`: run the `ar_data_pipeline` sync in this process, with progress.

The same steps `dagster dev` and the daemon run (etl/definitions.py wraps `etl.steps` and
`etl.verdicts`): a first sync of a new connection, a forced full resync, or the queued webhook
syncs (`--queued`) where no Dagster daemon runs the sensor. When DAGSTER_HOME is set (or with
`--dagster`) the Dagster job runs, recorded in that instance (the runs then show in the Dagster
UI); otherwise `etl.runner` runs the same steps and checks without importing Dagster, which
saves ~3 s of CPU of every run (the whole of a sync with nothing changed, nearly).

One sync per company at a time: a sync of a company whose sync is running exits with "already
running". `--reap` marks running syncs whose process died (no heartbeat within the lease) failed.
`--json` prints the result of each sync as one JSON object (status, counts, step timings,
rejected records) instead of the summary line.

Dagster, the job definition and the pipeline services are imported when a sync runs, not when
the command is loaded: `--help`, `--reap` and Django's command discovery stay quick.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from ar_dashboard.models import Company, SyncLog

if TYPE_CHECKING:
    from dagster import DagsterInstance

QUIET_LOGGERS = ("httpx", "alembic")
COUNT_ORDER = ("fetched", "created", "updated", "rejected", "skipped", "deleted")
MAX_REJECTED_SHOWN = 20  # rejected records listed after a sync; the SyncLog keeps 1,000


class StepProgress:
    """Listens to a run's events: one line per finished step (elapsed, counts) on `out`."""

    def __init__(self, total: int, out: OutputWrapper) -> None:
        self.total, self.done, self.out = total, 0, out
        self.started = time.monotonic()
        self.counts: dict[str, str] = {}
        self.seconds: dict[str, float] = {}  # step -> seconds it took
        self._last = 0.0
        self.failed_checks: list[tuple[str, str, str]] = []  # (severity, check, description)
        # A bar only on a terminal; logs and tests get the plain lines alone.
        self.bar = None
        if out.isatty():
            try:
                from tqdm import tqdm
            except ImportError:  # tqdm comes with dagster, but the plain lines need nothing
                return
            self.bar = tqdm(total=total, file=sys.stderr, unit="step", leave=False)

    def __call__(self, entry: Any) -> None:
        """A Dagster event of the run (the instance's event listener)."""
        from dagster import DagsterEventType

        event = entry.dagster_event
        if event is None or event.step_key is None:
            return
        kind, step = event.event_type, event.step_key
        if kind == DagsterEventType.ASSET_MATERIALIZATION:
            metadata = entry.asset_materialization.metadata
            self.output(step, {k: v.value for k, v in metadata.items()})
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            check = entry.asset_check_evaluation
            name = f"{check.asset_key.to_user_string()}.{check.check_name}"
            self._check(step, name, check.passed, check.severity.value, check.description)
        elif kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            self.step_done(step, failed=kind == DagsterEventType.STEP_FAILURE)

    # The runner's listener (etl.runner.Listener): the same lines without Dagster.

    def output(self, step: str, metadata: dict[str, Any]) -> None:
        ints = {k: v for k, v in metadata.items() if type(v) is int}
        counts = " ".join(f"{k}={v}" for k, v in ints.items())
        self.counts[step] = f"{self.counts.get(step, '')} {counts}".strip()  # multi-asset

    def check(self, step: str, name: str, verdict: Any) -> None:
        self._check(step, name, verdict.passed, verdict.severity, verdict.description)

    def _check(
        self, step: str, name: str, passed: bool, severity: str, description: str | None
    ) -> None:
        self.counts[step] = "passed" if passed else f"{severity}: {description}"
        if not passed:
            self.failed_checks.append((severity, name, description or ""))

    def step_done(self, step: str, *, failed: bool) -> None:
        self.done += 1
        status = "FAILED " if failed else ""
        elapsed = time.monotonic() - self.started
        self.seconds[step] = round(elapsed - self._last, 3)
        self._last = elapsed
        line = f"[{self.done:2d}/{self.total}] {elapsed:6.2f}s {status}{step}"
        self._write(f"{line} {self.counts.get(step, '')}".rstrip())

    def _write(self, line: str) -> None:
        if self.bar is not None:
            self.bar.update(1)
            self.bar.write(line, file=sys.stderr)
        else:
            self.out.write(line)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@contextmanager
def quiet_loggers(verbosity: int) -> Iterator[None]:
    """Per-request (httpx) and storage-migration (alembic) INFO logs drown the progress lines."""
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS] if verbosity < 2 else []
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@contextmanager
def dagster_instance() -> Iterator[DagsterInstance]:
    """The DAGSTER_HOME instance when set (the runs then show in the UI), else an ephemeral one."""
    from dagster import DagsterInstance

    home = os.environ.get("DAGSTER_HOME")
    with DagsterInstance.get() if home else DagsterInstance.ephemeral() as instance:
        yield instance


def _failure_reason(result: Any) -> str:
    """The innermost error of the first failed step (or of the run), on one line."""
    from dagster import DagsterEventType

    for event in result.all_events:
        if event.event_type in (DagsterEventType.STEP_FAILURE, DagsterEventType.RUN_FAILURE):
            data = event.event_specific_data
            error = getattr(data, "error", None)
            while error is not None and error.cause is not None:
                error = error.cause
            if error is not None:
                # `pkg.module.SyncAlreadyRunning: …` → `SyncAlreadyRunning: …`, as the log says.
                message = re.sub(r"^(?:\w+\.)+(?=\w+: )", "", error.message)
                return " ".join(message.split())
            return " ".join((event.message or "run failed").split())
    return "run failed"


def _counts_line(counts: dict) -> str:
    parts = []
    for obj, numbers in counts.items():
        if obj in ("summary", "delta") or not isinstance(numbers, dict):
            continue
        keys = sorted(numbers, key=lambda k: (COUNT_ORDER + (k,)).index(k))
        parts.append(f"{obj} " + ", ".join(f"{k} {numbers[k]}" for k in keys))
    return "; ".join(parts)


def _rejected_lines(log: SyncLog) -> list[str]:
    """A line per rejected record (object, id, reason) up to MAX_REJECTED_SHOWN, then a count."""
    counted = sum(
        numbers.get("rejected", 0) for numbers in log.counts.values() if isinstance(numbers, dict)
    )
    total = max(counted, len(log.rejected))
    lines = [
        f"  rejected {entry.get('object', '?')} {entry.get('id', '?')}: {entry.get('reason', '')}"
        for entry in log.rejected[:MAX_REJECTED_SHOWN]
    ]
    if total > len(lines):
        lines.append(f"  and {total - len(lines)} more rejected (sync log {log.pk})")
    return lines


def _ar_totals(company: Company) -> dict[str, Any]:
    """Total AR as of the company's today, per currency (Decimal amounts)."""
    from ar_dashboard import selectors

    today = company.local_today()
    totals = {}
    for currency in selectors.currencies_in_use(company=company):
        filters = selectors.ARFilters(as_of=today, today=today, currency=currency)
        totals[currency] = selectors.summary_total(company=company, filters=filters)
    return totals


def _ar_line(company: Company) -> str:
    from ar_dashboard.money import money_display

    totals = [money_display(total, currency) for currency, total in _ar_totals(company).items()]
    return f"total AR as of {company.local_today()}: " + ", ".join(totals)


def sync_result(
    *,
    company: Company,
    log: SyncLog | None,
    progress: StepProgress,
    started: float,
    job_started: float,
    error: str,
) -> dict[str, Any]:
    """One sync's outcome as plain JSON values: what `--json` prints."""
    finished = time.monotonic()
    result: dict[str, Any] = {
        "company": company.name,
        "company_id": company.pk,
        "connection": company.unified_connection_id,
        "sync_log_id": log.pk if log is not None else None,
        "status": str(log.status) if log is not None else "failed",
        "error": error,
        "counts": log.counts if log is not None else {},
        "rejected": log.rejected if log is not None else [],
        "warnings": len(log.warnings) if log is not None else 0,
        "failed_checks": [
            {"severity": severity, "check": name, "description": description}
            for severity, name, description in progress.failed_checks
        ],
        "timings": {
            "command_seconds": round(finished - started, 3),
            "before_job_seconds": round(job_started - started, 3),
            "job_seconds": round(finished - job_started, 3),
            "steps": progress.seconds,
        },
    }
    if not error and log is not None:
        company.refresh_from_db()
        from ar_dashboard.money import money_str

        totals = _ar_totals(company).items()
        result["total_ar"] = {c: money_str(total, c) for c, total in totals}
        result["as_of"] = company.local_today().isoformat()
    return result


class Command(BaseCommand):
    help = "Sync a Unified.to connection (or the queued webhook syncs): the pipeline's steps."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--connection", metavar="ID", help="Unified.to connection id")
        parser.add_argument("--name", help="company name (for a new connection, or a rename)")
        parser.add_argument("--full", action="store_true", help="re-read everything")
        parser.add_argument(
            "--queued", action="store_true", help="run every sync queued by the webhook"
        )
        parser.add_argument(
            "--base-url", metavar="URL", help="Unified.to base URL (default UNIFIED_BASE_URL)"
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="print each sync's result as one JSON object (counts, step timings, rejects)",
        )
        parser.add_argument(
            "--reap",
            action="store_true",
            help="mark running syncs whose process died (no heartbeat within the lease) failed",
        )
        parser.add_argument(
            "--dagster",
            action="store_true",
            help="run the Dagster job (default only when DAGSTER_HOME is set: the runs then "
            "show in the Dagster UI); otherwise the same steps run without Dagster",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from ar_dashboard.services.sync import company_for_connection

        self.started = time.monotonic()
        if not options["connection"] and not options["queued"] and not options["reap"]:
            raise CommandError("give --connection ID, or --queued, or --reap")
        if options["reap"]:
            self._reap()
        runs = []  # (company, run config, run tags)
        if options["connection"] or options["queued"]:
            from etl.steps import queued_syncs, sync_run_config
        if options["connection"]:
            company = company_for_connection(
                connection_id=options["connection"], name=options["name"]
            )
            config = sync_run_config(
                connection_id=options["connection"], trigger="manual", full=options["full"]
            )
            config["ops"]["sync_plan"]["config"]["company_name"] = options["name"] or ""
            runs.append((company, config, {"company_id": str(company.pk), "trigger": "manual"}))
        if options["queued"]:
            queued = queued_syncs()
            if not queued:
                self.stdout.write("no queued syncs")
            for request in queued:
                company = Company.objects.get(pk=request.tags["company_id"])
                runs.append((company, request.run_config, dict(request.tags)))
        failures = []
        use_dagster = options["dagster"] or bool(os.environ.get("DAGSTER_HOME"))
        with quiet_loggers(options["verbosity"]):
            if use_dagster:
                with dagster_instance() as instance:
                    for company, config, tags in runs:
                        error = self._sync(instance, company, config, tags, options)
                        if error:
                            failures.append(error)
            else:
                for company, config, _tags in runs:
                    error = self._sync_plain(company, config, options)
                    if error:
                        failures.append(error)
        if failures:
            more = f" (and {len(failures) - 1} more failed)" if len(failures) > 1 else ""
            raise CommandError(failures[0] + more)

    def _reap(self) -> None:
        """Every company's dead syncs marked failed (each sync also reaps its own company's)."""
        from ar_dashboard.services.sync import sync_logs_reap

        reaped = sync_logs_reap()
        for log in reaped:
            self.stdout.write(f"{log.company}: sync log {log.pk} marked failed: {log.error}")
        if not reaped:
            self.stdout.write("no dead syncs")

    def _sync_plain(self, company: Company, config: dict, options: dict[str, Any]) -> str:
        """Run one sync with `etl.runner` (the job's steps without Dagster) and report it."""
        from etl.runner import STEP_COUNT, run_sync
        from etl.steps import SYNC_OP, one_line, unified_client

        def client():
            return unified_client(base_url=options["base_url"])

        run_id = str(uuid.uuid4())
        job_started = time.monotonic()
        progress = StepProgress(STEP_COUNT, self.stderr)
        heading = f"Syncing {company} (connection {company.unified_connection_id})"
        self.stderr.write(heading, style_func=self.style.MIGRATE_HEADING)
        try:
            result = run_sync(
                config["ops"][SYNC_OP]["config"], run_id=run_id, client=client, listener=progress
            )
        finally:
            progress.close()
        error = result.error
        while error is not None and error.__cause__ is not None:  # the innermost, as Dagster
            error = error.__cause__
        reason = one_line(error) if error is not None else "run failed"
        return self._report(company, run_id, progress, job_started, result.success, reason, options)

    def _sync(
        self,
        instance: DagsterInstance,
        company: Company,
        config: dict,
        tags: dict[str, str],
        options: dict[str, Any],
    ) -> str:
        """Run one sync and report it; returns the one-line failure reason, or ''."""
        from etl.definitions import defs
        from etl.resources import UnifiedResource
        from etl.schedules import JOB_NAME

        job = defs.resolve_job_def(JOB_NAME)
        resources = {}
        if options["base_url"]:
            resources["unified"] = UnifiedResource(base_url=options["base_url"])
        # Dagster's own console log is for debugging (-v 2/3); the progress lines are ours.
        level = {2: "INFO", 3: "DEBUG"}.get(options["verbosity"], "CRITICAL")
        run_config = {**config, "loggers": {"console": {"config": {"log_level": level}}}}
        run_id = str(uuid.uuid4())
        job_started = time.monotonic()
        progress = StepProgress(len(job.graph.node_dict), self.stderr)
        instance.add_event_listener(run_id, progress)
        heading = f"Syncing {company} (connection {company.unified_connection_id})"
        self.stderr.write(heading, style_func=self.style.MIGRATE_HEADING)
        try:
            result = job.execute_in_process(
                run_config=run_config,
                instance=instance,
                resources=resources,
                run_id=run_id,
                tags=tags,
                raise_on_error=False,
            )
        finally:
            progress.close()
        reason = "" if result.success else _failure_reason(result)
        return self._report(company, run_id, progress, job_started, result.success, reason, options)

    def _report(
        self,
        company: Company,
        run_id: str,
        progress: StepProgress,
        job_started: float,
        success: bool,
        reason: str,
        options: dict[str, Any],
    ) -> str:
        """Print a finished sync's outcome; returns its one-line failure reason, or ''."""
        # The run's own log: a run refused because a sync was running may have noted its id on
        # the queued log it could not claim, which stays QUEUED.
        log = SyncLog.objects.filter(run_id=run_id).exclude(status=SyncLog.Status.QUEUED).first()
        if options["json"]:
            return self._json(company, log, progress, job_started, success, reason)
        if not success:
            for line in _rejected_lines(log) if log is not None else []:
                self.stdout.write(line)
            return log.error if log is not None and log.error else reason
        for severity, name, description in progress.failed_checks:
            self.stderr.write(f"check {name} {severity}: {description}", self.style.WARNING)
        company.refresh_from_db()
        self.stdout.write(
            f"{company}: {log.get_status_display().lower()}; {_counts_line(log.counts)}; "
            f"{_ar_line(company)}"
        )
        for line in _rejected_lines(log):
            self.stdout.write(line)
        errors = [f"{n}: {d}" for s, n, d in progress.failed_checks if s == "ERROR"]
        return f"check {errors[0]}" if errors else ""

    def _json(
        self,
        company: Company,
        log: SyncLog | None,
        progress: StepProgress,
        job_started: float,
        success: bool,
        reason: str,
    ) -> str:
        """Print the sync's result as one JSON object; returns its failure reason, or ''."""
        if not success:
            error = log.error if log is not None and log.error else reason
        else:
            errors = [f"{n}: {d}" for s, n, d in progress.failed_checks if s == "ERROR"]
            error = f"check {errors[0]}" if errors else ""
        outcome = sync_result(
            company=company,
            log=log,
            progress=progress,
            started=self.started,
            job_started=job_started,
            error=error if not success else "",
        )
        self.stdout.write(json.dumps(outcome, default=str))
        return error
