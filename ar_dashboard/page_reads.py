"""Reads the dashboard pages need beyond the aging selectors: sync state, name suggestions,
what was applied to a customer's open documents. Plain data; nothing here reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db.models import Q

from ar_dashboard.models import Allocation, Company, Customer, SyncLog
from ar_dashboard.services.sync import reaped_message
from ar_dashboard.services.sync_failures import failure_summary

SUGGESTIONS = 10
SUCCEEDED = (SyncLog.Status.SUCCESS, SyncLog.Status.PARTIAL)


@dataclass(frozen=True)
class SyncState:
    """The company's last sync as the home page shows it."""

    status: str  # a SyncLog.Status value, or "never"
    requested_at: datetime | None
    finished_at: datetime | None
    last_success_at: datetime | None
    error: str
    rejected: int
    stale: bool  # no successful sync within the allowed age
    failed: bool  # the latest sync failed, or runs but has been silent beyond its lease

    @property
    def warning(self) -> bool:
        return self.stale or self.failed

    @property
    def error_summary(self) -> str:
        """The error in plain words, without the technical detail that follows it."""
        return failure_summary(self.error)

    @property
    def warning_text(self) -> str:
        """One sentence for a banner or an API client: why the figures may be out of date."""
        success = self.last_success_at
        shown = f"{success.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if success else ""
        since = f"the figures are from the sync of {shown}" if shown else "no sync has succeeded"
        if self.failed:
            return f"The last sync failed: {self.error_summary} ({since})."
        if self.stale:
            return f"Figures may be out of date: {since}."
        return ""


def sync_state(
    *, company: Company, now: datetime, stale_after: timedelta, lease: timedelta | None = None
) -> SyncState:
    """The latest sync and the latest successful one (two indexed queries at most).

    A RUNNING sync silent for longer than `lease` has died (nothing has reaped it yet: that
    happens at the next sync or the worker's next pass): it shows as failed, with the reason
    the reaper will write, rather than as "in progress" for ever. Reading never writes.
    """
    logs = SyncLog.objects.filter(company=company)
    latest = logs.order_by("-requested_at", "-id").first()
    if latest is None:
        return SyncState("never", None, None, None, "", 0, True, False)
    status, error = latest.status, latest.error
    last_seen = latest.heartbeat_at or latest.started_at or latest.requested_at
    if status == SyncLog.Status.RUNNING and lease is not None and now - last_seen > lease:
        status, error = SyncLog.Status.FAILED, reaped_message(last_seen)
    if latest.status in SUCCEEDED:
        success = latest
    else:
        success = logs.filter(status__in=SUCCEEDED).order_by("-finished_at", "-id").first()
    success_at = success.finished_at if success else None
    return SyncState(
        status=status,
        requested_at=latest.requested_at,
        finished_at=latest.finished_at,
        last_success_at=success_at,
        error=error,
        rejected=len(latest.rejected),
        stale=success_at is None or now - success_at > stale_after,
        failed=status == SyncLog.Status.FAILED,
    )


def customer_suggestions(*, company: Company, text: str) -> list[dict]:
    """Up to SUGGESTIONS customers whose name starts with `text` (then contains it), by name."""
    text = text.strip()
    if not text:
        return []
    customers = Customer.objects.filter(company=company)
    starts = list(
        customers.filter(name__istartswith=text)
        .order_by("name", "id")
        .values("id", "name")[:SUGGESTIONS]
    )
    if len(starts) == SUGGESTIONS:
        return starts
    more = (
        customers.filter(name__icontains=text)
        .exclude(Q(name__istartswith=text))
        .order_by("name", "id")
        .values("id", "name")[: SUGGESTIONS - len(starts)]
    )
    return starts + list(more)


@dataclass(frozen=True)
class Application:
    """A payment or credit applied to a document on or before the report date."""

    document_id: int
    kind: str
    kind_label: str
    source: str
    allocated_on: date
    amount: Decimal


def document_applications(*, company: Company, document_ids: list[int], as_of: date) -> dict:
    """{document id: [Application, …]} for the effective lines dated on or before `as_of`."""
    labels = dict(Allocation.Kind.choices)
    rows = (
        Allocation.objects.filter(
            company=company,
            document_id__in=document_ids,
            effective=True,
            allocated_on__lte=as_of,
        )
        .order_by("document_id", "allocated_on", "id")
        .values_list("document_id", "kind", "ref", "allocated_on", "amount")
    )
    found: dict[int, list[Application]] = {}
    for document_id, kind, ref, on, amount in rows:
        application = Application(document_id, kind, labels.get(kind, kind), ref, on, amount)
        found.setdefault(document_id, []).append(application)
    return found
