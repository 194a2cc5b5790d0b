"""`manage.py run_sync_worker`: run queued syncs (web "Sync now", first syncs, webhooks).

Where no Dagster daemon runs the `webhook_sync_sensor`, this loop drains the same queue: every
SYNC_WORKER_INTERVAL_SECONDS it runs `sync_ar --queued` (the Dagster job, in this process), so a
sync never runs inside a web worker. `make run` starts it beside the web server. Several workers
(or a worker and the sensor) are safe: a company's running SyncLog is its lock. Each pass also
reaps running syncs whose process died (silent beyond SYNC_LEASE_SECONDS), as the sensor does
where Dagster runs, so a killed sync does not read "running" until that company syncs again.
"""

import logging
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ar_dashboard.models import SyncLog
from ar_dashboard.services.sync import sync_logs_reap

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the queued syncs in a loop (or once with --once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="drain the queue once and exit")
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="seconds between looks at the queue (default SYNC_WORKER_INTERVAL_SECONDS)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["interval"] or settings.SYNC_WORKER_INTERVAL_SECONDS
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(f"sync worker: looking for queued syncs every {interval:g} s")
        while not stop.is_set():
            self._drain(options["verbosity"])
            if options["once"]:
                break
            stop.wait(interval)
        self.stdout.write("sync worker: stopped")

    def _drain(self, verbosity: int) -> None:
        for log in sync_logs_reap():
            self.stderr.write(f"sync worker: sync log {log.pk} of {log.company}: {log.error}")
        if not SyncLog.objects.filter(status=SyncLog.Status.QUEUED).exists():
            return
        try:
            call_command(
                "sync_ar", queued=True, verbosity=verbosity, stdout=self.stdout, stderr=self.stderr
            )
        except CommandError as exc:  # the SyncLog says why; the loop goes on
            self.stderr.write(f"sync worker: {exc}")
