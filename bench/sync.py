"""One `manage.py sync_ar` run, timed: wall time, peak memory, and the job's own step times.

The sync runs as a child process, as cron or an operator runs it, so its wall time includes
process start-up (Django and Dagster imports) and its peak RSS (`wait4`'s ru_maxrss) is its
own, not the benchmark's nor the sandbox's. Where the child cannot reach the database (the
in-memory SQLite of a test run) the command runs in this process instead, and the peak is
this process's: the smoke test checks that every figure is produced, not what it is.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import override_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# "[ 7/14]  12.34s invoices_loaded created=…" (sync_ar's progress line for a finished step)
STEP_LINE = re.compile(r"^\[\s*\d+/\d+\]\s+([\d.]+)s (FAILED )?(\S+)")


@dataclass
class SyncRun:
    """What one sync cost; `ok` False with `error` when it failed or ran out of time."""

    label: str
    wall_seconds: float
    peak_rss_mb: float | None
    rss_scope: str  # "sync process", or "bench process" for an in-process run
    ok: bool
    error: str = ""
    job_seconds: float | None = None  # from sync_ar's own progress lines
    # CPU the sync process used (user + system): on a shared machine, what wall time is not.
    cpu_seconds: float | None = None
    steps: dict[str, float] = field(default_factory=dict)  # step -> seconds it took
    output_tail: str = ""


def database_url() -> str:
    """The URL of the database this process uses now (under pytest: the test database)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    if connection.vendor != "postgresql":
        raise RuntimeError(f"the bench runs on PostgreSQL or SQLite, not {connection.vendor}")
    user = quote(s.get("USER") or "", safe="")
    password = f":{quote(s['PASSWORD'], safe='')}" if s.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}{s.get('HOST') or ''}{port}/{quote(s['NAME'], safe='')}"


def child_can_share_database() -> bool:
    """False for an in-memory SQLite database (a test run's), which no other process sees."""
    name = str(connection.settings_dict.get("NAME") or "")
    return not (connection.vendor == "sqlite" and (":memory:" in name or "mode=memory" in name))


def sync_command(*, connection_id: str, name: str, base_url: str, full: bool) -> list[str]:
    args = ["--connection", connection_id, "--name", name, "--base-url", base_url]
    return ["sync_ar", *args, *(["--full"] if full else [])]


def run_sync(
    label: str,
    *,
    connection_id: str,
    name: str,
    base_url: str,
    api_key: str,
    full: bool,
    timeout: float,
    log_path: Path,
    stop_after: str | None = None,
) -> SyncRun:
    """Run sync_ar once (a child process when it can reach the database) and time it.

    With `stop_after` (a step name, e.g. `ledger_loaded`) the child is killed as soon as that
    step has finished: wall time and peak RSS are those of the sync up to that step.
    """
    command = sync_command(connection_id=connection_id, name=name, base_url=base_url, full=full)
    if child_can_share_database():
        return _in_child(
            label, command, api_key=api_key, timeout=timeout, log_path=log_path, stop=stop_after
        )
    return _in_process(label, command, api_key=api_key, log_path=log_path)


def _child_env(api_key: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DAGSTER_HOME", None)  # an ephemeral Dagster instance, as the tests use
    env.update(
        DATABASE_URL=database_url(),
        UNIFIED_API_KEY=api_key,
        DEBUG="false",
        PYTHONUNBUFFERED="1",
    )
    env.setdefault("SECRET_KEY", settings.SECRET_KEY)  # DEBUG off needs one: ours
    return env


def _finished(log_path: Path, step: str | None) -> bool:
    if step is None:
        return False
    for line in log_path.read_text(errors="replace").splitlines():
        found = STEP_LINE.match(line.strip())
        if found and found.group(3) == step and not found.group(2):
            return True
    return False


def _in_child(
    label: str,
    command: list[str],
    *,
    api_key: str,
    timeout: float,
    log_path: Path,
    stop: str | None = None,
) -> SyncRun:
    # No system checks, as `call_command` (the in-process run) runs none: the bench serves
    # with plain static storage and never collects static files, so ar.E001 (manifest
    # missing with DEBUG off) would stop every sync before its first step.
    argv = [sys.executable, str(PROJECT_ROOT / "manage.py"), *command, "--skip-checks"]
    with open(log_path, "w") as log:
        started = time.monotonic()
        child = subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
            argv, cwd=PROJECT_ROOT, env=_child_env(api_key), stdout=log, stderr=subprocess.STDOUT
        )
        timed_out = stopped = False
        checked = started
        while True:
            # wait4 gives this child's own rusage: its peak RSS, not the sandbox's or ours.
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if stop and time.monotonic() - checked > 0.5:
                checked = time.monotonic()
                if _finished(log_path, stop):
                    wall = time.monotonic() - started
                    child.kill()
                    _, status, usage = os.wait4(child.pid, 0)
                    stopped = True
                    break
            if time.monotonic() - started > timeout:
                child.kill()
                _, status, usage = os.wait4(child.pid, 0)
                timed_out = True
                break
            time.sleep(0.02)
        if not stopped:
            wall = time.monotonic() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    output = log_path.read_text(errors="replace")
    error = f"did not finish in {timeout:.0f} s (killed)" if timed_out else ""
    if not error and child.returncode != 0 and not stopped:
        error = f"exit status {child.returncode}: {_last_line(output)}"
    run = SyncRun(label, wall, usage.ru_maxrss / 1024, "sync process", not error, error)
    run.cpu_seconds = round(usage.ru_utime + usage.ru_stime, 1)
    return _with_steps(run, output)


def _in_process(label: str, command: list[str], *, api_key: str, log_path: Path) -> SyncRun:
    import resource

    out = io.StringIO()
    error = ""
    home = os.environ.pop("DAGSTER_HOME", None)
    started = time.monotonic()
    try:
        with override_settings(UNIFIED_API_KEY=api_key):
            call_command(*command, stdout=out, stderr=out)
    except CommandError as exc:
        error = str(exc)
    finally:
        if home is not None:
            os.environ["DAGSTER_HOME"] = home
    wall = time.monotonic() - started
    log_path.write_text(out.getvalue())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    run = SyncRun(label, wall, peak, "bench process", not error, error)
    return _with_steps(run, out.getvalue())


def _last_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "(no output)"


def _with_steps(run: SyncRun, output: str) -> SyncRun:
    """Fill in per-step seconds and the job's total from sync_ar's progress lines."""
    previous = 0.0
    for line in output.splitlines():
        found = STEP_LINE.match(line.strip())
        if found:
            elapsed = float(found.group(1))
            run.steps[found.group(3)] = round(elapsed - previous, 2)
            previous = elapsed
    run.job_seconds = previous if run.steps else None
    run.output_tail = "\n".join(output.splitlines()[-15:])
    return run
