"""Reminder emails: what is due on a day, rendering and preview, sending with retries.

A reminder is due for an open invoice when its days past due reach a stage of the company's
cadence and no later stage applies yet (a run that missed days sends the latest stage only).
One email per customer and currency per run lists every open item, attaches the statement and
speaks with the most advanced stage reached; each invoice is logged at its own stage. The sent
log (ReminderMessage + ReminderItem, unique per invoice and stage) is written before the email
goes, so a stage never goes twice for one invoice, and a failed send stays in the log to be
retried by the next run. SMTP errors are caught per message: a run never crashes on them.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template import TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe
from rest_framework.exceptions import ValidationError

from ar_collections import adapters, cadence
from ar_collections.models import (
    Activity,
    CollectionSettings,
    CustomerCollections,
    Dispute,
    ReminderItem,
    ReminderMessage,
    ReminderStage,
)
from ar_dashboard import selectors
from ar_dashboard.models import Company, Customer, Invoice
from ar_dashboard.money import money_display

logger = logging.getLogger(__name__)
SEND_ERRORS = (smtplib.SMTPException, OSError)


def collection_settings_get(*, company: Company) -> CollectionSettings:
    found, _ = CollectionSettings.objects.get_or_create(company=company)
    return found


def reminder_cadence_ensure(*, company: Company) -> list[ReminderStage]:
    """The company's stages, creating the default cadence the first time."""
    stages = list(ReminderStage.objects.filter(company=company).order_by("days_after_due"))
    if stages:
        return stages
    for days, name, subject, intro in cadence.DEFAULT_STAGES:
        ReminderStage.objects.get_or_create(
            company=company,
            days_after_due=days,
            defaults={"name": name, "subject": subject, "body": intro + cadence.ITEMS},
        )
    return list(ReminderStage.objects.filter(company=company).order_by("days_after_due"))


@dataclass
class DueReminder:
    """One email: a customer's invoices in one currency that reached a stage, each logged at
    its own stage; the email speaks with the most advanced one (`stage`)."""

    customer: Customer
    stage: ReminderStage
    currency: str
    items: list[tuple[int, ReminderStage]] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)

    @property
    def invoice_ids(self) -> list[int]:
        return [invoice_id for invoice_id, _ in self.items]


def _filters(company: Company, as_of: date, currency: str, customer=None) -> selectors.ARFilters:
    # today = as_of: balances on the run's day (fast path when no later allocation exists).
    return selectors.ARFilters(as_of=as_of, today=as_of, currency=currency, customer=customer)


def _candidates(company: Company, as_of: date, currency: str, stage, next_days):
    """Open invoices whose days past due fall in [stage, next stage), not yet sent this stage,
    not disputed, of a customer not opted out (one query)."""
    docs = selectors.open_documents(company=company, filters=_filters(company, as_of, currency))
    latest = as_of - timedelta(days=stage.days_after_due)
    docs = docs.filter(
        doc_type=Invoice.DocType.INVOICE, amount__gt=0, customer__isnull=False, due_on__lte=latest
    )
    if next_days is not None:
        docs = docs.filter(due_on__gt=as_of - timedelta(days=next_days))
    sent = ReminderItem.objects.filter(invoice_id=OuterRef("pk"), stage=stage)
    disputed = Dispute.objects.filter(invoice_id=OuterRef("pk"), resolved_on__isnull=True)
    opted_out = CustomerCollections.objects.filter(
        customer_id=OuterRef("customer_id"), reminders_opt_out=True
    )
    return (
        docs.exclude(Exists(sent))
        .exclude(Exists(disputed))
        .exclude(Exists(opted_out))
        .order_by("customer_id", "due_on", "id")
        .values_list("id", "customer_id")
    )


def reminders_due(*, company: Company, as_of: date) -> list[DueReminder]:
    """The reminders a run on `as_of` sends: one per customer and currency (a query per
    currency and stage, then two)."""
    stages = [s for s in reminder_cadence_ensure(company=company) if s.is_active]
    due: dict[tuple, DueReminder] = {}
    for currency in selectors.currencies_in_use(company=company):
        for i, stage in enumerate(stages):
            following = stages[i + 1].days_after_due if i + 1 < len(stages) else None
            for invoice_id, customer_id in _candidates(company, as_of, currency, stage, following):
                item = due.setdefault(
                    (customer_id, currency),
                    DueReminder(customer=None, stage=stage, currency=currency),
                )
                item.items.append((invoice_id, stage))
                item.stage = stage  # stages ascend: the last one seen is the most advanced
    customers = Customer.objects.in_bulk({key[0] for key in due})
    addresses = {
        c.customer_id: c.reminder_email
        for c in CustomerCollections.objects.filter(company=company).exclude(reminder_email="")
    }
    for (customer_id, _), item in due.items():
        item.customer = customers[customer_id]
        email = addresses.get(customer_id) or item.customer.email
        item.recipients = [email] if email else []
    return sorted(due.values(), key=lambda d: (d.customer.name, d.currency))


@dataclass
class RenderedReminder:
    subject: str
    body: str
    recipients: list[str]
    attachment: str | None  # the statement's file name (made when the email is sent)


def reminder_render(
    *, customer: Customer, stage: ReminderStage, as_of: date, currency: str | None = None
) -> RenderedReminder:
    """The email for this customer and stage on `as_of`: every open item in the currency."""
    company = customer.company
    currency = currency or customer.currency or company.home_currency
    filters = _filters(company, as_of, currency, customer=customer.pk)
    docs = selectors.customer_documents(company=company, filters=filters).annotate(
        disputed=Exists(Dispute.objects.filter(invoice_id=OuterRef("pk"), resolved_on=None))
    )
    items = [
        {
            "number": d.number or d.external_id,
            "posted_on": d.posted_on,
            "due_on": d.due_on,
            "days_past_due": d.days_past_due,
            "amount": money_display(d.amount, currency),
            "disputed": d.disputed,
        }
        for d in docs
    ]
    total = selectors.summary_total(company=company, filters=filters)
    attachment = None
    if stage.attach_statement:
        attachment = adapters.customer_statement_name(as_of=as_of)
    context = {
        "customer": customer,
        "company": company,
        "stage": stage,
        "items": items,
        "total": money_display(total, currency),
        "currency": currency,
        "as_of": as_of,
        "attachment": attachment is not None,
    }
    settings_row = CustomerCollections.objects.filter(customer=customer).first()
    email = (settings_row.reminder_email if settings_row else "") or customer.email
    return RenderedReminder(
        subject=" ".join(cadence.render_text(stage.subject, context).split()),
        body=cadence.render_text(stage.body, context),
        recipients=[email] if email else [],
        attachment=attachment,
    )


@dataclass
class ReminderRun:
    company: Company
    as_of: date
    dry_run: bool
    sent: list[ReminderMessage] = field(default_factory=list)
    failed: list[ReminderMessage] = field(default_factory=list)
    retried: list[ReminderMessage] = field(default_factory=list)
    planned: list[DueReminder] = field(default_factory=list)
    no_email: list[DueReminder] = field(default_factory=list)
    disabled: bool = False


def reminders_send(
    *,
    company: Company,
    as_of: date,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> ReminderRun:
    """Send what is due on `as_of` (and retry earlier failures); dry_run writes nothing."""
    run = ReminderRun(company=company, as_of=as_of, dry_run=dry_run)
    if not collection_settings_get(company=company).reminders_enabled:
        run.disabled = True
        return run
    due = reminders_due(company=company, as_of=as_of)
    run.no_email = [d for d in due if not d.recipients]
    run.planned = [d for d in due if d.recipients]
    if dry_run:
        return run
    connection = get_connection()
    for message in ReminderMessage.objects.filter(
        company=company, status=ReminderMessage.Status.FAILED
    ).select_related("customer", "stage"):
        run.retried.append(message)
        _deliver(message, connection, run, sleep)
    for item in run.planned:
        message = _log_message(item, as_of)
        if message is not None:
            _deliver(message, connection, run, sleep)
    return run


def _log_message(item: DueReminder, as_of: date) -> ReminderMessage | None:
    """Write the sent-log row before sending; None if the render fails or another run won."""
    try:
        rendered = reminder_render(
            customer=item.customer, stage=item.stage, as_of=as_of, currency=item.currency
        )
    except TemplateSyntaxError as exc:
        logger.error("reminder stage %s of %s: bad template: %s", item.stage, item.customer, exc)
        return None
    try:
        with transaction.atomic():
            message = ReminderMessage.objects.create(
                company=item.customer.company,
                customer=item.customer,
                stage=item.stage,
                run_on=as_of,
                recipients=item.recipients,
                subject=rendered.subject,
                body=rendered.body,
            )
            ReminderItem.objects.bulk_create(
                ReminderItem(message=message, invoice_id=invoice_id, stage=stage)
                for invoice_id, stage in item.items
            )
    except IntegrityError:
        return None  # a concurrent run logged this stage for one of these invoices first
    return message


def reminder_html(*, subject: str, body: str, company: Company) -> str:
    """The HTML part of a reminder: its plain text (the stored body, so a retry sends the same
    words) escaped, paragraphs and line breaks kept, in the company's letterhead."""
    paragraphs = linebreaks(body, autoescape=True).replace("<p>", PARAGRAPH)
    context = {"subject": subject, "body": mark_safe(paragraphs), "company_name": company.name}  # noqa: S308 - escaped by linebreaks
    return render_to_string("ar_collections/email/reminder.html", context)


# Inline (email clients drop <style>): the stage text's double spaces and item lines kept.
PARAGRAPH = '<p style="white-space:pre-wrap;margin:0 0 14px 0;">'


def _email(message: ReminderMessage, connection) -> EmailMultiAlternatives:
    # DEFAULT_FROM_EMAIL may carry a display name: "AR Aging <ar@example.com>".
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    company_settings = collection_settings_get(company=message.company)
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=company_settings.reminder_from_email or settings.DEFAULT_FROM_EMAIL,
        to=message.recipients,
        connection=connection,
        headers={
            "Message-ID": message.message_id or make_msgid(domain=domain),
            "X-AR-Reminder-Stage": str(message.stage.days_after_due),
            "X-AR-Reminder-Id": str(message.pk),
        },
    )
    html = reminder_html(subject=message.subject, body=message.body, company=message.company)
    email.attach_alternative(html, "text/html")
    if message.stage.attach_statement:
        file = adapters.customer_statement(customer=message.customer, as_of=message.run_on)
        email.attach(file.filename, file.content, file.mimetype)
    return email


def _deliver(message: ReminderMessage, connection, run: ReminderRun, sleep) -> None:
    """Up to REMINDER_SEND_ATTEMPTS tries now, waiting longer each time; the outcome is saved."""
    attempts = settings.REMINDER_SEND_ATTEMPTS
    for attempt in range(attempts):
        email = _email(message, connection)
        message.message_id = email.extra_headers["Message-ID"]
        message.attempts += 1
        try:
            email.send(fail_silently=False)
        except SEND_ERRORS as exc:
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            logger.warning(
                "reminder %s to %s failed (attempt %d): %s",
                message.pk,
                message.recipients,
                message.attempts,
                message.last_error,
            )
            if attempt + 1 < attempts:
                sleep(settings.REMINDER_RETRY_SECONDS * 2**attempt)
            continue
        _mark_sent(message)
        run.sent.append(message)
        return
    gave_up = message.attempts >= settings.REMINDER_MAX_ATTEMPTS
    message.status = ReminderMessage.Status.GAVE_UP if gave_up else ReminderMessage.Status.FAILED
    message.save(update_fields=["status", "attempts", "last_error", "message_id"])
    run.failed.append(message)


def _mark_sent(message: ReminderMessage) -> None:
    with transaction.atomic():
        message.status = ReminderMessage.Status.SENT
        message.sent_at = timezone.now()
        message.save(update_fields=["status", "attempts", "last_error", "message_id", "sent_at"])
        Activity.objects.create(
            company=message.company,
            customer=message.customer,
            kind=Activity.Kind.REMINDER,
            body=f"{message.stage.name} reminder sent to {', '.join(message.recipients)}: "
            f"{message.subject}",
            occurred_on=message.run_on,
        )


def reminder_stage_for(*, customer: Customer, as_of: date, currency: str) -> ReminderStage:
    """The stage the customer's oldest open invoice has reached (else the first stage)."""
    stages = [s for s in reminder_cadence_ensure(company=customer.company) if s.is_active]
    if not stages:
        raise ValueError("the company has no active reminder stage")
    filters = _filters(customer.company, as_of, currency, customer=customer.pk)
    oldest = (
        selectors.open_documents(company=customer.company, filters=filters)
        .filter(doc_type=Invoice.DocType.INVOICE, amount__gt=0)
        .order_by("due_on")
        .values_list("due_on", flat=True)
        .first()
    )
    reached = [s for s in stages if oldest and (as_of - oldest).days >= s.days_after_due]
    return reached[-1] if reached else stages[0]


def reminder_send_now(
    *, customer: Customer, stage: ReminderStage, as_of: date, currency: str
) -> ReminderMessage:
    """Send this stage to the customer now (a collector's "Send"), logged like a run's."""
    settings_row = CustomerCollections.objects.filter(customer=customer).first()
    if settings_row and settings_row.reminders_opt_out:
        raise ValidationError({"customer": "Has opted out of reminder emails."})
    due = DueReminder(customer=customer, stage=stage, currency=currency)
    filters = _filters(customer.company, as_of, currency, customer=customer.pk)
    sent = ReminderItem.objects.filter(invoice_id=OuterRef("pk"), stage=stage)
    disputed = Dispute.objects.filter(invoice_id=OuterRef("pk"), resolved_on__isnull=True)
    invoice_ids = (
        selectors.open_documents(company=customer.company, filters=filters)
        .filter(doc_type=Invoice.DocType.INVOICE, amount__gt=0)
        .filter(due_on__lte=as_of - timedelta(days=stage.days_after_due))
        .exclude(Exists(sent))
        .exclude(Exists(disputed))
        .values_list("id", flat=True)
    )
    due.items = [(invoice_id, stage) for invoice_id in invoice_ids]
    email = (settings_row.reminder_email if settings_row else "") or customer.email
    if not email:
        raise ValidationError({"customer": "Has no email address."})
    due.recipients = [email]
    message = _log_message(due, as_of)
    if message is None:
        raise ValidationError({"stage": "Was just sent for these invoices by another run."})
    run = ReminderRun(company=customer.company, as_of=as_of, dry_run=False)
    _deliver(message, get_connection(), run, time.sleep)
    return message
