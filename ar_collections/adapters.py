"""The one place collections meets work from other issues: risk bands (analytics), PDF/XLSX
files (exports) and role checks (onboarding).

Each adapter uses the other module when it is there and otherwise falls back to a plain
behaviour stated in its docstring, so this app runs and is tested before those land and the
wiring is changed here only.
"""

from __future__ import annotations

import csv
import importlib
import io
from dataclasses import dataclass, replace
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404

from ar_dashboard import selectors
from ar_dashboard.models import Company, Customer, Membership

Role = Membership.Role
_RANK = {Role.VIEWER: 1, Role.COLLECTOR: 2, Role.ADMIN: 3}


def _optional(module: str):
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module.startswith(exc.name):
            return None  # the module itself is not there yet
        raise


def require_collector(user, company: Company) -> None:
    """404 for an outsider, 403 for a viewer: collection writes need the collector role."""
    _require(user, company, Role.COLLECTOR)


def require_admin(user, company: Company) -> None:
    """404 for an outsider, 403 below admin: the cadence and report settings are the company's."""
    _require(user, company, Role.ADMIN)


def _require(user, company: Company, role: str) -> None:
    access = importlib.import_module("ar_dashboard.access")
    if hasattr(access, "require_role"):
        access.require_role(user, company, role)
        return
    if not (user.is_authenticated and user.is_active):
        raise Http404("No such company")
    if user.is_superuser:
        return
    membership = Membership.objects.filter(user=user, company=company).first()
    if membership is None:
        raise Http404("No such company")
    if _RANK.get(membership.role, 0) < _RANK[role]:
        raise PermissionDenied(f"This needs the {role} role")


def risk_bands(*, company: Company, filters: selectors.ARFilters) -> dict[int, str]:
    """{customer id: "low" | "medium" | "high"}: the analytics risk score on `as_of` over the
    customer's whole balance in the currency (`ar_dashboard.analytics.health`); empty until
    analytics lands (every customer then weighs 1.0 in the priority)."""
    health = _optional("ar_dashboard.analytics.health")
    if health is None or not hasattr(health, "customer_health"):
        return {}
    whole = replace(
        filters, bucket=None, min_amount=None, max_amount=None, customer=None, name_prefix=None
    )
    rows = health.customer_health(company=company, filters=whole)
    return {row.customer_id: str(row.risk.band).lower() for row in rows}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


def _statement_pdf_reader():
    pdf = _optional("ar_dashboard.exports.pdf")
    return getattr(pdf, "customer_statement_pdf", None) if pdf is not None else None


def customer_statement_name(*, as_of: date) -> str:
    """The statement attachment's file name, without making the file (previews)."""
    return f"statement-{as_of}.{'pdf' if _statement_pdf_reader() else 'csv'}"


def customer_statement(*, customer: Customer, as_of: date) -> Attachment:
    """The customer's statement as of `as_of`: the exports PDF, or until it lands a CSV of the
    open documents in the customer's currency (read through the same selectors)."""
    reader = _statement_pdf_reader()
    if reader is not None:
        content = reader(customer=customer, as_of=as_of)
        return Attachment(customer_statement_name(as_of=as_of), content, "application/pdf")
    company = customer.company
    filters = selectors.ARFilters(
        as_of=as_of,
        today=as_of,
        currency=customer.currency or company.home_currency,
        customer=customer.pk,
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["number", "posted_on", "due_on", "days_past_due", "currency", "balance"])
    for doc in selectors.customer_documents(company=company, filters=filters):
        writer.writerow(
            [doc.number, doc.posted_on, doc.due_on, doc.days_past_due, doc.currency, doc.amount]
        )
    name = customer_statement_name(as_of=as_of)
    return Attachment(name, out.getvalue().encode(), "text/csv")


def aging_summary_files(
    *, company: Company, filters: selectors.ARFilters, generated_at: datetime
) -> list[Attachment]:
    """The aging summary as the export buttons make it: PDF and XLSX (exports), else a CSV."""
    pdf = _optional("ar_dashboard.exports.pdf")
    xlsx = _optional("ar_dashboard.exports.xlsx")
    stem = f"aging-summary-{filters.as_of}"
    if pdf is not None and xlsx is not None:
        return [
            Attachment(
                f"{stem}.pdf",
                pdf.aging_summary_pdf(company=company, filters=filters),
                "application/pdf",
            ),
            Attachment(
                f"{stem}.xlsx",
                xlsx.aging_summary_xlsx(
                    company=company, filters=filters, generated_at=generated_at
                ),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
        ]
    distribution = selectors.aging_distribution(company=company, filters=filters)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["bucket", "documents", "amount"])
    for row in distribution.buckets:
        writer.writerow([row.bucket.label, row.documents, row.amount])
    writer.writerow(["Total", "", distribution.total])
    return [Attachment(f"{stem}.csv", out.getvalue().encode(), "text/csv")]
