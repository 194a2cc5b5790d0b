"""Reads of the onboarding app: a company's profile, members, audit log and a sync's progress."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import AuditEntry, CompanyProfile, Invitation
from ar_dashboard.access import companies_for_user
from ar_dashboard.models import Company, Membership, SyncLog
from connectors.unified.records import SYNC_OBJECTS

AUDIT_SHOWN = 100
REJECTED_SHOWN = 200


def company_profile(*, company: Company) -> CompanyProfile:
    """The company's profile (created with defaults the first time it is asked for)."""
    profile, _ = CompanyProfile.objects.get_or_create(company=company)
    return profile


def members_list(*, company: Company) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(company=company).select_related("user").order_by("user__username")
    )


def invitations_open(*, company: Company) -> QuerySet[Invitation]:
    return Invitation.objects.filter(company=company, accepted_at__isnull=True)


def audit_entries(*, company: Company, limit: int = AUDIT_SHOWN) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(company=company)[:limit])


def sync_log_for_user_or_404(user, sync_log_id: int) -> SyncLog:
    """A sync of one of the user's companies (any role may watch); 404 otherwise."""
    found = (
        SyncLog.objects.filter(pk=sync_log_id, company__in=companies_for_user(user))
        .select_related("company")
        .first()
    )
    if found is None:
        raise Http404("No such sync")
    return found


def _object_order(obj: str) -> tuple[int, str]:
    """The order objects are fetched in, then the rest by name (PostgreSQL's jsonb reorders)."""
    return (SYNC_OBJECTS.index(obj) if obj in SYNC_OBJECTS else len(SYNC_OBJECTS), obj)


def _per_object(counts: dict, *keys: str) -> dict[str, int]:
    return {
        obj: sum(counts[obj].get(key, 0) for key in keys)
        for obj in sorted(counts, key=_object_order)
        if isinstance(counts[obj], dict) and any(key in counts[obj] for key in keys)
    }


def sync_progress(*, log: SyncLog, now: datetime) -> dict:
    """Where a sync is: step, records fetched / loaded / rejected (with reasons), seconds so far.

    `elapsed_seconds` runs from the start (or the request, while queued) to the finish or `now`.
    """
    begun = log.started_at or log.requested_at
    ended = log.finished_at or now
    finished = log.status not in (SyncLog.Status.QUEUED, SyncLog.Status.RUNNING)
    rejected = _per_object(log.counts, "rejected")
    return {
        "id": log.pk,
        "company": log.company_id,
        "status": str(log.status),
        "status_label": log.get_status_display(),
        "finished": finished,
        "step": log.progress,
        "full_sync": log.full_sync,
        "requested_at": log.requested_at,
        "started_at": log.started_at,
        "finished_at": log.finished_at,
        "elapsed_seconds": max(0, round((ended - begun).total_seconds())),
        "fetched": _per_object(log.counts, "fetched"),
        "loaded": _per_object(log.counts, "created", "updated"),
        "rejected_count": max(sum(rejected.values()), len(log.rejected)),
        "rejected": log.rejected[:REJECTED_SHOWN],
        "error": log.error,
    }
