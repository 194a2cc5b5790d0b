"""Read side of collections: the ranked worklist, promises with their outcome, activities.

The ledger is read through `ar_dashboard.selectors` only (customer rows, open documents);
the formulas are `priority`'s. Each function runs a fixed number of queries whatever the
number of customers (asserted in the tests).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import DecimalField, Exists, Max, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ar_collections import adapters
from ar_collections import priority as rules
from ar_collections.models import Activity, CustomerCollections, Dispute, Promise
from ar_dashboard import aging, selectors
from ar_dashboard.disputes import DisputeMark
from ar_dashboard.models import MONEY, Allocation, Company, Customer, Payment

ZERO = Value(Decimal(0), output_field=DecimalField(**MONEY))
PAID_KINDS = (Allocation.Kind.PAYMENT, Allocation.Kind.IMPLIED)


@dataclass(frozen=True)
class PromiseRow:
    id: int
    customer_id: int
    made_on: date
    promised_on: date
    amount: Decimal
    currency: str
    paid: Decimal
    status: rules.PromiseStatus
    invoice_ids: list[int]
    note: str
    author: str


def _paid_towards_invoices(as_of: date) -> Subquery:
    """Σ payments applied to the promise's invoices from made_on to counts_until (≤ as_of)."""
    through = Promise.invoices.through
    invoices = through.objects.filter(promise_id=OuterRef(OuterRef("pk"))).values("invoice_id")
    paid = (
        Allocation.objects.filter(
            document_id__in=invoices,
            effective=True,
            kind__in=PAID_KINDS,
            allocated_on__gte=OuterRef("made_on"),
            allocated_on__lte=OuterRef("counts_until"),
        )
        .filter(allocated_on__lte=as_of)
        .order_by()
        .values("company_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Subquery(paid, output_field=DecimalField(**MONEY))


def _paid_by_customer(as_of: date) -> Subquery:
    """Σ the customer's payments in the promise's currency from made_on to counts_until."""
    paid = (
        Payment.objects.filter(
            customer_id=OuterRef("customer_id"),
            currency=OuterRef("currency"),
            paid_on__gte=OuterRef("made_on"),
            paid_on__lte=OuterRef("counts_until"),
        )
        .filter(paid_on__lte=as_of)
        .exclude(source_status__in=aging.EXCLUDED_STATUSES)
        .order_by()
        .values("customer_id")
        .annotate(total=Sum("total"))
        .values("total")
    )
    return Subquery(paid, output_field=DecimalField(**MONEY))


def promises_with_status(
    *, company: Company, as_of: date, customer: Customer | None = None, since: date | None = None
) -> list[PromiseRow]:
    """Promises made by `as_of` (of one customer; due on or after `since`), with what the
    loaded payments paid towards each and its outcome on `as_of` (two queries)."""
    through = Promise.invoices.through
    qs = Promise.objects.filter(company=company, made_on__lte=as_of)
    if customer is not None:
        qs = qs.filter(customer=customer)
    if since is not None:
        qs = qs.filter(counts_until__gte=since)
    qs = (
        qs.annotate(
            has_invoices=Exists(through.objects.filter(promise_id=OuterRef("pk"))),
            paid_invoices=Coalesce(_paid_towards_invoices(as_of), ZERO),
            paid_customer=Coalesce(_paid_by_customer(as_of), ZERO),
        )
        .select_related("activity__author")
        .prefetch_related("invoices")
        .order_by("promised_on", "id")
    )
    rows = []
    for p in qs:
        paid = p.paid_invoices if p.has_invoices else p.paid_customer
        status = rules.promise_status(
            amount=p.amount, paid=paid, promised_on=p.promised_on, as_of=as_of
        )
        author = p.activity.author
        rows.append(
            PromiseRow(
                id=p.pk,
                customer_id=p.customer_id,
                made_on=p.made_on,
                promised_on=p.promised_on,
                amount=p.amount,
                currency=p.currency,
                paid=paid,
                status=status,
                invoice_ids=sorted(i.pk for i in p.invoices.all()),
                note=p.activity.body,
                author=author.get_username() if author else "",
            )
        )
    return rows


def customer_activities(*, company: Company, customer: Customer) -> QuerySet[Activity]:
    """The customer's activity, newest first, with its promise or dispute joined."""
    return (
        Activity.objects.filter(company=company, customer=customer)
        .select_related("author", "promise", "dispute__invoice")
        .order_by("-occurred_on", "-id")
    )


def customer_disputes(*, company: Company, customer: Customer) -> QuerySet[Dispute]:
    return (
        Dispute.objects.filter(company=company, customer=customer)
        .select_related("invoice", "activity__author")
        .order_by("-opened_on", "-id")
    )


def open_dispute_invoice_ids(*, company: Company) -> set[int]:
    """Ids of the company's invoices in an open dispute (marked in aging, skipped by reminders)."""
    return set(
        Dispute.objects.filter(company=company, resolved_on__isnull=True).values_list(
            "invoice_id", flat=True
        )
    )


def open_dispute_marks(
    *, company: Company, invoice_ids: Collection[int] | None = None
) -> dict[int, DisputeMark]:
    """{invoice id: reason and date} of the company's open disputes (one query), among
    `invoice_ids` when given: the reader `ar_dashboard.disputes` uses (registered in apps.py)."""
    rows = Dispute.objects.filter(company=company, resolved_on__isnull=True)
    if invoice_ids is not None:
        rows = rows.filter(invoice_id__in=list(invoice_ids))
    return {
        invoice_id: DisputeMark(reason=reason, opened_on=opened_on)
        for invoice_id, reason, opened_on in rows.values_list("invoice_id", "reason", "opened_on")
    }


@dataclass
class WorklistRow:
    customer_id: int
    customer_name: str
    currency: str
    total_outstanding: Decimal
    overdue: Decimal
    buckets: list[Decimal]
    days_past_due: int | None
    band: str | None
    collector_id: int | None
    collector: str
    email: str
    reminders_opt_out: bool
    last_contact: date | None
    open_promise: PromiseRow | None
    broken_promise: PromiseRow | None
    open_disputes: int
    priority: Decimal = Decimal(0)
    action: rules.Action = rules.Action.SEND_REMINDER
    mine: bool = False


@dataclass(frozen=True)
class WorklistFilters:
    collector: int | str | None = None  # a user id, "me", "unassigned" or None (everyone)
    band: str | None = None
    promises_due_this_week: bool = False


def _context_by_customer(company: Company, as_of: date) -> dict:
    """Assignments, last contact, open disputes and recent promises per customer (4+1 queries)."""
    settings = {
        c.customer_id: c
        for c in CustomerCollections.objects.filter(company=company).select_related("collector")
    }
    contacts = dict(
        Activity.objects.filter(
            company=company, kind__in=Activity.CONTACT_KINDS, occurred_on__lte=as_of
        )
        .order_by()
        .values("customer_id")
        .annotate(last=Max("occurred_on"))
        .values_list("customer_id", "last")
    )
    disputes: dict[int, int] = {}
    for customer_id in Dispute.objects.filter(
        company=company, resolved_on__isnull=True, opened_on__lte=as_of
    ).values_list("customer_id", flat=True):
        disputes[customer_id] = disputes.get(customer_id, 0) + 1
    recent = as_of - timedelta(days=rules.BROKEN_PROMISE_DAYS)
    open_promises: dict[int, PromiseRow] = {}
    broken: dict[int, PromiseRow] = {}
    for row in promises_with_status(company=company, as_of=as_of, since=recent):
        if row.status == rules.PromiseStatus.OPEN:
            open_promises.setdefault(row.customer_id, row)  # the earliest due first
        elif row.status == rules.PromiseStatus.BROKEN:
            broken[row.customer_id] = row  # the latest
    return {
        "settings": settings,
        "contacts": contacts,
        "disputes": disputes,
        "open": open_promises,
        "broken": broken,
    }


def worklist(
    *, company: Company, filters: selectors.ARFilters, user, options: WorklistFilters
) -> list[WorklistRow]:
    """Customers with an overdue balance in `filters.currency` on `filters.as_of`, ranked:
    the user's own customers first (when any is assigned to them), then by priority."""
    scheme = company.aging_scheme
    rows = (
        selectors.customer_aging_rows(company=company, filters=filters)
        .filter(overdue__gt=0, customer_id__isnull=False)
        .order_by()
    )
    context = _context_by_customer(company, filters.as_of)
    bands = adapters.risk_bands(company=company, filters=filters)
    emails = dict(
        Customer.objects.filter(company=company).exclude(email="").values_list("id", "email")
    )
    result = []
    for row in rows:
        item = _worklist_row(row, scheme, filters, context, bands, emails, user)
        if _wanted(item, options, user, filters.as_of):
            result.append(item)
    result.sort(key=lambda r: (not r.mine, -r.priority, r.customer_name, r.customer_id))
    return result


def _worklist_row(row, scheme, filters, context, bands, emails, user) -> WorklistRow:
    customer_id = row["customer_id"]
    settings = context["settings"].get(customer_id)
    collector = settings.collector if settings else None
    buckets = [row[f"bucket_{b.index}"] for b in scheme.buckets]
    item = WorklistRow(
        customer_id=customer_id,
        customer_name=row["customer_name"],
        currency=filters.currency,
        total_outstanding=row["total_outstanding"],
        overdue=row["overdue"],
        buckets=buckets,
        days_past_due=selectors.customer_days_past_due(row, filters),
        band=bands.get(customer_id),
        collector_id=collector.pk if collector else None,
        collector=collector.get_username() if collector else "",
        email=(settings.reminder_email if settings else "") or emails.get(customer_id, ""),
        reminders_opt_out=bool(settings and settings.reminders_opt_out),
        last_contact=context["contacts"].get(customer_id),
        open_promise=context["open"].get(customer_id),
        broken_promise=context["broken"].get(customer_id),
        open_disputes=context["disputes"].get(customer_id, 0),
        mine=bool(collector and collector.pk == user.pk),
    )
    # Credit in a past-due bucket lowers nothing: each bucket counts from zero up.
    past_due = [max(amount, Decimal(0)) for amount in buckets[1:]]
    item.priority = rules.priority_score(
        rules.PriorityInput(
            overdue_by_bucket=past_due,
            band=item.band,
            broken_promise=item.broken_promise is not None,
            open_promise=item.open_promise is not None,
            last_contact=item.last_contact,
        ),
        as_of=filters.as_of,
    )
    item.action = rules.next_action(
        broken_promise=item.broken_promise is not None,
        open_promise=item.open_promise is not None,
        open_disputes=item.open_disputes,
        days_past_due=item.days_past_due,
        has_email=bool(item.email),
    )
    return item


def week_of(as_of: date) -> tuple[date, date]:
    """Monday and Sunday of the week holding `as_of`."""
    monday = as_of - timedelta(days=as_of.weekday())
    return monday, monday + timedelta(days=6)


def _wanted(item: WorklistRow, options: WorklistFilters, user, as_of: date) -> bool:
    if options.collector == "me" and item.collector_id != user.pk:
        return False
    if options.collector == "unassigned" and item.collector_id is not None:
        return False
    if isinstance(options.collector, int) and item.collector_id != options.collector:
        return False
    if options.band is not None and item.band != options.band:
        return False
    if options.promises_due_this_week:
        monday, sunday = week_of(as_of)
        promise = item.open_promise
        if promise is None or not monday <= promise.promised_on <= sunday:
            return False
    return True
