"""The baseline: summary-stats figures computed the way public AR dashboards compute them.

Open-source AR dashboards loop over customers, then over each customer's invoices as ORM
objects, and add balances up in Python (one query per customer, every row loaded and turned
into a model instance). This does exactly that, with our own rules (what counts as AR, the
rounding, the buckets), so its figures must equal `selectors.summary_stats` for today's
`as_of`: the bench checks they do, then compares the times. Today only: a historical `as_of`
would add a query per document for its later allocations.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ar_dashboard import aging
from ar_dashboard.models import Company, Customer, Invoice
from ar_dashboard.money import quantize_money
from ar_dashboard.selectors import AT_RISK_DAYS, ARFilters, summary_stats

COMPARED = (
    "total_ar",
    "total_overdue",
    "total_invoices",
    "total_customers",
    "at_risk_customers",
    "unapplied_credit",
    "avg_days_overdue",
    "avg_days_overdue_weighted",
)


@dataclass
class _Totals:
    total_ar: Decimal = Decimal(0)
    total_overdue: Decimal = Decimal(0)
    unapplied_credit: Decimal = Decimal(0)
    total_invoices: int = 0
    total_customers: int = 0
    at_risk_customers: int = 0
    overdue_count: int = 0
    overdue_days: int = 0
    overdue_amount: Decimal = Decimal(0)
    weighted_days: Decimal = Decimal(0)


def naive_summary_stats(*, company: Company, as_of: date, currency: str) -> dict:
    """The summary-stats figures on `as_of` (today: current balances), by Python loops."""
    totals = _Totals()
    groups = [customer.invoices.all() for customer in Customer.objects.filter(company=company)]
    groups.append(Invoice.objects.filter(company=company, customer=None))
    for invoices in groups:
        customer_total = at_risk = Decimal(0)
        for invoice in invoices:
            amount = _open_amount(invoice, as_of, currency)
            if amount is None:
                continue
            days = (as_of - _reference(invoice, company)).days
            customer_total += amount
            at_risk += amount if days > AT_RISK_DAYS else 0
            _add(totals, amount, days)
        totals.total_customers += customer_total != 0
        totals.at_risk_customers += at_risk > 0
    return {
        "total_ar": totals.total_ar,
        "total_overdue": totals.total_overdue,
        "total_invoices": totals.total_invoices,
        "total_customers": totals.total_customers,
        "at_risk_customers": totals.at_risk_customers,
        "unapplied_credit": totals.unapplied_credit,
        "avg_days_overdue": _ratio(totals.overdue_days, totals.overdue_count),
        "avg_days_overdue_weighted": _ratio(totals.weighted_days, totals.overdue_amount),
    }


def _open_amount(invoice: Invoice, as_of: date, currency: str) -> Decimal | None:
    if invoice.currency != currency or invoice.posted_on > as_of:
        return None
    if not aging.counts_as_ar(invoice.doc_type, invoice.source_status):
        return None
    amount = quantize_money(invoice.balance, currency)
    return amount or None


def _reference(invoice: Invoice, company: Company) -> date:
    return invoice.due_on if company.aging_basis == aging.Basis.DUE else invoice.posted_on


def _add(totals: _Totals, amount: Decimal, days: int) -> None:
    totals.total_ar += amount
    totals.total_invoices += 1
    if amount < 0:
        totals.unapplied_credit += amount
    if days > 0:
        totals.total_overdue += amount
        if amount > 0:
            totals.overdue_count += 1
            totals.overdue_days += days
            totals.overdue_amount += amount
            totals.weighted_days += days * amount


def _ratio(numerator, denominator) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


@dataclass
class NaiveResult:
    runs_seconds: list[float]
    figures: dict
    agrees: bool  # the same figures as selectors.summary_stats
    differences: dict


def naive_baseline(*, company: Company, today: date, runs: int) -> NaiveResult:
    """Time the naive computation `runs` times for today's as_of in the home currency."""
    currency = company.home_currency
    seconds, figures = [], {}
    for _ in range(runs):
        started = time.perf_counter()
        figures = naive_summary_stats(company=company, as_of=today, currency=currency)
        seconds.append(time.perf_counter() - started)
    basis = aging.Basis(company.aging_basis)
    filters = ARFilters(as_of=today, today=today, currency=currency, basis=basis)
    ours = summary_stats(company=company, filters=filters).__dict__
    differences = {k: (figures[k], ours[k]) for k in COMPARED if figures[k] != ours[k]}
    return NaiveResult(seconds, figures, not differences, differences)
