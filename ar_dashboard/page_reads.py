"""Reads the dashboard pages need beyond the aging selectors: sync state, name suggestions,
what was applied to a customer's open documents. Plain data; nothing here reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Q

from ar_dashboard.models import Allocation, Company, Customer, SyncLog

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
    failed: bool  # the latest sync failed

    @property
    def warning(self) -> bool:
        return self.stale or self.failed


def sync_state(*, company: Company, now: datetime, stale_after: timedelta) -> SyncState:
    """The latest sync and the latest successful one (two indexed queries at most)."""
    logs = SyncLog.objects.filter(company=company)
    latest = logs.order_by("-requested_at", "-id").first()
    if latest is None:
        return SyncState("never", None, None, None, "", 0, True, False)
    if latest.status in SUCCEEDED:
        success = latest
    else:
        success = logs.filter(status__in=SUCCEEDED).order_by("-finished_at", "-id").first()
    success_at = success.finished_at if success else None
    return SyncState(
        status=latest.status,
        requested_at=latest.requested_at,
        finished_at=latest.finished_at,
        last_success_at=success_at,
        error=latest.error,
        rejected=len(latest.rejected),
        stale=success_at is None or now - success_at > stale_after,
        failed=latest.status == SyncLog.Status.FAILED,
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
