""" "Sync now" from the web: the request only queues; a worker or Dagster's sensor runs it."""

from __future__ import annotations

from ar_dashboard.models import Company, SyncLog
from ar_dashboard.webhooks import sync_log_queue


class SyncUnavailable(Exception):
    """The company cannot be synced (no connection) or the queue could not be written."""


def sync_now_request(*, company: Company, user, full: bool = False) -> SyncLog:
    """The sync the user should watch: the running one if any, else the (new or merged) queued.

    Never starts a sync in the request: two clicks (or two users) land on one log, and the
    runner's lock (`synclog_one_running`) keeps a queued sync from starting beside a running one.
    """
    if not company.unified_connection_id:
        raise SyncUnavailable("This company is not connected to QuickBooks: connect it first.")
    running = SyncLog.objects.filter(company=company, status=SyncLog.Status.RUNNING).first()
    if running is not None and not full:
        return running
    queued = sync_log_queue(company=company, trigger=SyncLog.Trigger.MANUAL, full=full)
    if queued is None:
        raise SyncUnavailable("The sync could not be queued; try again in a moment.")
    return queued[0]
