"""Disconnect (syncs stop, the connection removed at Unified.to) and delete a company's data."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.services.audit import audit_record
from ar_dashboard.models import Company, SyncLog
from connectors.unified.client import UnifiedClient, UnifiedError


class CompanyDataError(Exception):
    """The disconnect or delete did not happen; `str()` says why."""


def unified_client() -> UnifiedClient:
    if not settings.UNIFIED_API_KEY:
        raise CompanyDataError("UNIFIED_API_KEY is not set: the connection cannot be removed.")
    return UnifiedClient(
        api_key=settings.UNIFIED_API_KEY,
        base_url=settings.UNIFIED_BASE_URL,
        timeout=settings.UNIFIED_TIMEOUT_SECONDS,
    )


def company_disconnect(*, company: Company, user) -> bool:
    """Remove the connection at Unified.to, then forget it here and cancel queued syncs.

    Returns whether Unified.to still had it. A failure at Unified.to changes nothing here, so
    the user can try again. The schedules and the sensor skip companies without a connection.
    """
    connection_id = company.unified_connection_id
    if not connection_id:
        raise CompanyDataError("This company is not connected.")
    try:
        with unified_client() as client:
            removed = client.delete_connection(connection_id)
    except UnifiedError as exc:
        raise CompanyDataError(f"Unified.to did not remove the connection: {exc}") from exc
    with transaction.atomic():
        Company.objects.filter(pk=company.pk).update(unified_connection_id=None)
        company.unified_connection_id = None
        SyncLog.objects.filter(company=company, status=SyncLog.Status.QUEUED).update(
            status=SyncLog.Status.FAILED,
            error="cancelled: the company was disconnected from QuickBooks",
            progress="cancelled",
            finished_at=timezone.now(),
        )
        audit_record(
            company=company, user=user, action="connection.disconnected", old=connection_id
        )
    return removed


def company_data_delete(*, company: Company, user, confirmation: str) -> dict[str, int]:
    """Delete the company and every row that belongs to it, in one transaction.

    `confirmation` must be the company's name, typed. Returns rows removed per kind, e.g.
    {"invoices": 120, "customers": 14, ...}. A connected company is disconnected first.
    """
    if confirmation.strip() != company.name:
        raise CompanyDataError(f"Type the company name exactly ({company.name}) to confirm.")
    if SyncLog.objects.filter(company=company, status=SyncLog.Status.RUNNING).exists():
        raise CompanyDataError("A sync is running: wait for it to finish, then delete.")
    if company.unified_connection_id:
        company_disconnect(company=company, user=user)
    with transaction.atomic():
        _, per_model = Company.objects.filter(pk=company.pk).delete()
    names = {label: str(apps.get_model(label)._meta.verbose_name_plural) for label in per_model}
    return {names[label]: count for label, count in sorted(per_model.items()) if count}
