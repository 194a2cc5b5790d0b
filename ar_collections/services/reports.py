"""The scheduled aging-summary email: PDF and XLSX, as of the last business day.

The files are the export buttons' own (adapters.aging_summary_files). A report is due on the
company's chosen weekday (weekly) or every business day (daily), once per day: the day it went
is recorded only after the send succeeded, so a failure is retried by the next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage

from ar_collections import adapters
from ar_collections.models import CollectionSettings
from ar_collections.services.reminders import SEND_ERRORS
from ar_dashboard import aging, selectors
from ar_dashboard.models import Company
from ar_dashboard.money import money_display

logger = logging.getLogger(__name__)


def last_business_day(today: date) -> date:
    """The last Monday–Friday strictly before `today` (Monday → the Friday before)."""
    day = today - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def report_due(row: CollectionSettings, today: date) -> bool:
    if not row.report_enabled or not row.recipients or row.report_last_sent_on == today:
        return False
    if row.report_frequency == CollectionSettings.Frequency.DAILY:
        return today.weekday() < 5
    return today.weekday() == row.report_weekday


@dataclass(frozen=True)
class ReportResult:
    company: Company
    as_of: date
    recipients: list[str]
    files: list[str]
    error: str = ""


def scheduled_report_send(*, company: Company, today: date, generated_at: datetime) -> ReportResult:
    """Email the company's aging summary as of the last business day before `today`."""
    row = company.collection_settings
    as_of = last_business_day(today)
    filters = selectors.ARFilters(
        as_of=as_of,
        today=today,
        currency=company.home_currency,
        basis=aging.Basis(company.aging_basis),
    )
    files = adapters.aging_summary_files(
        company=company, filters=filters, generated_at=generated_at
    )
    total = selectors.summary_total(company=company, filters=filters)
    email = EmailMessage(
        subject=f"{company.name}: AR aging summary as of {as_of}",
        body=(
            f"The accounts receivable aging summary of {company.name} as of {as_of} "
            f"(the last business day) is attached.\n\nTotal AR: "
            f"{money_display(total, filters.currency)}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=row.recipients,
    )
    for file in files:
        email.attach(file.filename, file.content, file.mimetype)
    names = [f.filename for f in files]
    try:
        email.send(fail_silently=False)
    except SEND_ERRORS as exc:
        error = f"{type(exc).__name__}: {exc}"
        logger.warning("scheduled report of %s failed: %s", company, error)
        return ReportResult(company, as_of, row.recipients, names, error)
    row.report_last_sent_on = today
    row.save(update_fields=["report_last_sent_on"])
    return ReportResult(company, as_of, row.recipients, names)


def scheduled_reports_send(
    *, today_for: callable, generated_at: datetime, company_id: int | None = None
) -> list[ReportResult]:
    """Every due report; `today_for(company)` is the company's own today."""
    rows = CollectionSettings.objects.filter(report_enabled=True).select_related("company")
    if company_id is not None:
        rows = rows.filter(company_id=company_id)
    results = []
    for row in rows.order_by("company_id"):
        today = today_for(row.company)
        if report_due(row, today):
            results.append(
                scheduled_report_send(company=row.company, today=today, generated_at=generated_at)
            )
    return results
