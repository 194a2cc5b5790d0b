"""Writes of collection work: assignment, notes and calls, promises, disputes.

Keyword-only services; the caller (a view) has already checked the user's role with
`adapters.require_collector`. Invalid input raises `ValidationError` naming the field.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.exceptions import ValidationError

from ar_collections import priority
from ar_collections.adapters import Role
from ar_collections.models import Activity, CustomerCollections, Dispute, Promise
from ar_dashboard import aging
from ar_dashboard.models import Customer, Invoice, Membership
from ar_dashboard.money import money_str

FREE_KINDS = (Activity.Kind.NOTE, Activity.Kind.CALL, Activity.Kind.EMAIL)


def customer_collections_get(*, customer: Customer) -> CustomerCollections:
    settings, _ = CustomerCollections.objects.get_or_create(
        customer=customer, defaults={"company": customer.company}
    )
    return settings


def customer_assign(*, customer: Customer, collector_id: int | None) -> CustomerCollections:
    """Assign the customer to a collector of its company (None: unassign)."""
    collector = None
    if collector_id is not None:
        member = Membership.objects.filter(
            company=customer.company,
            user_id=collector_id,
            role__in=[Role.COLLECTOR, Role.ADMIN],
        ).select_related("user")
        found = member.first()
        if found is None:
            raise ValidationError({"collector": "Must be a collector or admin of this company."})
        collector = found.user
    settings = customer_collections_get(customer=customer)
    settings.collector = collector
    settings.save(update_fields=["collector", "updated_at"])
    return settings


def customer_reminders_set(
    *, customer: Customer, opt_out: bool | None = None, email: str | None = None
) -> CustomerCollections:
    settings = customer_collections_get(customer=customer)
    if opt_out is not None:
        settings.reminders_opt_out = opt_out
    if email is not None:
        settings.reminder_email = email.strip()
    settings.save()
    return settings


def activity_create(
    *, customer: Customer, kind: str, body: str, author, occurred_on: date
) -> Activity:
    """A note, a call or an email sent by hand."""
    if kind not in FREE_KINDS:
        raise ValidationError({"kind": f"Must be one of {', '.join(FREE_KINDS)}."})
    if not body.strip():
        raise ValidationError({"body": "Say what happened."})
    return Activity.objects.create(
        company=customer.company,
        customer=customer,
        kind=kind,
        body=body.strip(),
        author=author,
        occurred_on=occurred_on,
    )


def _customer_invoices(customer: Customer, invoice_ids: list[int]) -> list[Invoice]:
    invoices = list(
        Invoice.objects.filter(
            company=customer.company,
            customer=customer,
            pk__in=invoice_ids,
            doc_type=Invoice.DocType.INVOICE,
        ).exclude(source_status__in=aging.EXCLUDED_STATUSES)
    )
    if len(invoices) != len(set(invoice_ids)):
        raise ValidationError({"invoices": "Must be invoices of this customer."})
    return invoices


@transaction.atomic
def promise_create(
    *,
    customer: Customer,
    author,
    made_on: date,
    promised_on: date,
    amount: Decimal,
    currency: str | None = None,
    invoice_ids: list[int] | None = None,
    note: str = "",
) -> Promise:
    """A promise to pay `amount` by `promised_on`, for some invoices or on account.

    Its outcome is never set here: selectors.promises_with_status reads it from payments.
    """
    if amount <= 0:
        raise ValidationError({"amount": "Must be more than 0."})
    if promised_on < made_on:
        raise ValidationError({"promised_on": "Must be on or after the day it is made."})
    invoices = _customer_invoices(customer, invoice_ids or [])
    currencies = {i.currency for i in invoices}
    if len(currencies) > 1:
        raise ValidationError({"invoices": "Must all be in one currency."})
    currency = currency or (currencies.pop() if currencies else None)
    currency = currency or customer.currency or customer.company.home_currency
    if invoices and invoices[0].currency != currency:
        raise ValidationError({"currency": "Must be the invoices' currency."})
    numbers = ", ".join(i.number or i.external_id for i in invoices)
    body = f"Promised {money_str(amount, currency)} {currency} by {promised_on}"
    if numbers:
        body += f" for {numbers}"
    activity = Activity.objects.create(
        company=customer.company,
        customer=customer,
        kind=Activity.Kind.PROMISE,
        body=f"{body}. {note.strip()}".strip() if note.strip() else body,
        author=author,
        occurred_on=made_on,
    )
    promise = Promise.objects.create(
        company=customer.company,
        customer=customer,
        activity=activity,
        made_on=made_on,
        promised_on=promised_on,
        counts_until=promised_on + timedelta(days=priority.PROMISE_GRACE_DAYS),
        amount=amount,
        currency=currency,
    )
    promise.invoices.set(invoices)
    return promise


@transaction.atomic
def dispute_open(*, invoice: Invoice, reason: str, author, opened_on: date) -> Dispute:
    """Put an invoice in dispute: marked in the aging views, skipped by reminders."""
    if not reason.strip():
        raise ValidationError({"reason": "Say what the customer disputes."})
    if invoice.customer_id is None:
        raise ValidationError({"invoice": "Has no known customer."})
    if Dispute.objects.filter(invoice=invoice, resolved_on__isnull=True).exists():
        raise ValidationError({"invoice": "Is already in an open dispute."})
    activity = Activity.objects.create(
        company=invoice.company,
        customer=invoice.customer,
        kind=Activity.Kind.DISPUTE,
        body=f"Disputed {invoice.number or invoice.external_id}: {reason.strip()}",
        author=author,
        occurred_on=opened_on,
    )
    return Dispute.objects.create(
        company=invoice.company,
        customer=invoice.customer,
        invoice=invoice,
        activity=activity,
        reason=reason.strip(),
        opened_on=opened_on,
    )


def dispute_resolve(*, dispute: Dispute, resolution: str, author, resolved_on: date) -> Dispute:
    if dispute.resolved_on is not None:
        raise ValidationError({"dispute": "Is already resolved."})
    if resolved_on < dispute.opened_on:
        raise ValidationError({"resolved_on": "Must be on or after the day it was opened."})
    dispute.resolved_on = resolved_on
    dispute.resolution = resolution.strip()
    dispute.save(update_fields=["resolved_on", "resolution"])
    Activity.objects.create(
        company=dispute.company,
        customer=dispute.customer,
        kind=Activity.Kind.NOTE,
        body=f"Dispute on {dispute.invoice.number or dispute.invoice.external_id} resolved: "
        f"{dispute.resolution or 'no comment'}",
        author=author,
        occurred_on=resolved_on,
    )
    return dispute


def collectors_of(company) -> list:
    """Users who may be assigned customers: the company's collectors and admins."""
    return list(
        get_user_model()
        .objects.filter(
            memberships__company=company, memberships__role__in=[Role.COLLECTOR, Role.ADMIN]
        )
        .order_by("username")
    )
