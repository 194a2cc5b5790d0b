"""A customer's statement of account on a date: open items and aging per currency.

Statements age by due date whatever the company's dashboard basis: they tell the customer what
is past due. Each currency is a section of its own with its own totals (never added together).
"""

from __future__ import annotations

from datetime import date

from ar_dashboard import aging, selectors
from ar_dashboard.exports.cells import Cell, amount_text, display
from ar_dashboard.exports.reports import Kind
from ar_dashboard.models import Customer, Invoice
from ar_dashboard.money import money_display
from ar_dashboard.selectors import ARFilters

DOC_LABELS = {
    Invoice.DocType.INVOICE: "Invoice",
    Invoice.DocType.CREDITMEMO: "Credit memo",
    Invoice.DocType.PAYMENT: "Payment on account",
}


def customer_currencies(*, customer: Customer, as_of: date) -> list[str]:
    """Currencies of the customer's AR documents posted by `as_of`, home currency first."""
    found = set(
        Invoice.objects.filter(
            company_id=customer.company_id,
            customer=customer,
            doc_type__in=aging.AR_DOC_TYPES,
            posted_on__lte=as_of,
        )
        .order_by()
        .values_list("currency", flat=True)
        .distinct()
    )
    home = customer.company.home_currency
    return sorted(found, key=lambda code: (code != home, code))


def _days(doc) -> Cell:
    """Days past due of a debt; a credit (memo, payment on account) is never past due."""
    if doc.days_past_due > 0 and doc.amount > 0:
        return Cell(str(doc.days_past_due), "num")
    return Cell("–", "num zero")


def _items(documents, currency: str) -> list[list[Cell]]:
    return [
        [
            Cell(doc.posted_on.isoformat(), "date"),
            Cell(doc.number or doc.external_id, ""),
            Cell(DOC_LABELS.get(doc.doc_type, doc.doc_type), ""),
            Cell(doc.due_on.isoformat(), "date"),
            _days(doc),
            display(doc.total, Kind.MONEY, currency),
            display(doc.amount, Kind.MONEY, currency),
        ]
        for doc in documents
    ]


def currency_section(*, customer: Customer, filters: ARFilters) -> dict | None:
    """Open items and aging in one currency, or None when nothing is open in it."""
    company = customer.company
    documents = list(selectors.customer_documents(company=company, filters=filters))
    if not documents:
        return None
    distribution = selectors.aging_distribution(company=company, filters=filters)
    cur = filters.currency
    return {
        "currency": cur,
        "items": _items(documents, cur),
        "aging": [(b.bucket.label, amount_text(b.amount, cur)) for b in distribution.buckets],
        "total": money_display(distribution.total, cur),
        "credit": distribution.total < 0,  # the customer's money on account: nothing is due
        "total_plain": amount_text(distribution.total, cur),
    }


def statement_context(*, customer: Customer, as_of: date) -> dict:
    """Everything the statement template shows, one section per currency."""
    company = customer.company
    today = company.local_today()
    sections = []
    for currency in customer_currencies(customer=customer, as_of=as_of):
        filters = ARFilters(
            as_of=as_of, today=today, currency=currency, basis=aging.Basis.DUE, customer=customer.pk
        )
        section = currency_section(customer=customer, filters=filters)
        if section is not None:
            sections.append(section)
    remit = [line.strip() for line in company.remit_to.splitlines() if line.strip()]
    return {
        "customer": customer,
        "as_of": as_of,
        "sections": sections,
        "remit_to": remit or [company.name],
    }
