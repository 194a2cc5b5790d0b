"""The one place collections meets work from other issues: risk bands (analytics), PDF/XLSX
files (exports) and role checks (onboarding), so their wiring is changed here only.

Role checks use `ar_dashboard.access.require_role` when it is there (onboarding) and an
equivalent membership check until then.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404

from ar_dashboard import selectors
from ar_dashboard.analytics import health
from ar_dashboard.models import Company, Customer, Membership

Role = Membership.Role
_RANK = {Role.VIEWER: 1, Role.COLLECTOR: 2, Role.ADMIN: 3}


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
    customer's whole balance in the currency (the same bands as the `band` filter, from the
    same cached answer)."""
    return health.cached_bands(company=company, filters=filters)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def customer_statement_name(*, as_of: date) -> str:
    """The statement attachment's file name, without making the file (previews)."""
    return f"statement-{as_of}.pdf"


def customer_statement(*, customer: Customer, as_of: date) -> Attachment:
    """The customer's statement of account on `as_of`: the exports' statement PDF."""
    from ar_dashboard.exports import pdf  # PDF rendering is imported when a file is made

    content = pdf.customer_statement_pdf(customer=customer, as_of=as_of)
    return Attachment(customer_statement_name(as_of=as_of), content, PDF)


def aging_summary_files(
    *, company: Company, filters: selectors.ARFilters, generated_at: datetime
) -> list[Attachment]:
    """The aging summary as the export buttons make it: PDF and XLSX."""
    from ar_dashboard.exports import pdf, xlsx  # imported when a file is made

    stem = f"aging-summary-{filters.as_of}"
    summary_pdf = pdf.aging_summary_pdf(company=company, filters=filters, generated_at=generated_at)
    summary_xlsx = xlsx.aging_summary_xlsx(
        company=company, filters=filters, generated_at=generated_at
    )
    return [
        Attachment(f"{stem}.pdf", summary_pdf, PDF),
        Attachment(f"{stem}.xlsx", summary_xlsx, XLSX),
    ]
