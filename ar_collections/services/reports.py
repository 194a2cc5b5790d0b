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
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

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
    subject = f"{company.name}: AR aging summary as of {as_of}"
    context = report_email_context(company=company, filters=filters) | {"subject": subject}
    email = EmailMultiAlternatives(
        subject=subject,
        body=report_text(context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=row.recipients,
    )
    email.attach_alternative(
        render_to_string("ar_collections/email/report.html", context), "text/html"
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


def report_email_context(*, company: Company, filters: selectors.ARFilters) -> dict:
    """The aging summary the email states (the attachments' own figures): per bucket its
    documents and amount, and the totals, formatted in the currency."""
    distribution = selectors.aging_distribution(company=company, filters=filters)
    stats = selectors.summary_stats(company=company, filters=filters)
    cur = filters.currency
    return {
        "company": company,
        "as_of": filters.as_of,
        "currency": cur,
        "buckets": [
            (b.bucket.label, f"{b.documents:,}", money_display(b.amount, cur))
            for b in distribution.buckets
        ],
        "documents_total": f"{stats.total_invoices:,}",
        "total": money_display(distribution.total, cur),
    }


def report_text(context: dict) -> str:
    """The plain-text part: the same figures as the HTML table, one bucket a line."""
    width = max(len(label) for label, _, _ in context["buckets"]) if context["buckets"] else 0
    lines = [
        f"  {label:<{width}}  {amount:>14}  ({documents} documents)"
        for label, documents, amount in context["buckets"]
    ]
    return (
        f"The accounts receivable aging summary of {context['company'].name} as of "
        f"{context['as_of']} (the last business day) is attached as PDF and Excel.\n\n"
        f"Aging ({context['currency']}):\n" + "\n".join(lines) + "\n\n"
        f"Total AR: {context['total']} ({context['documents_total']} documents)\n"
    )


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
