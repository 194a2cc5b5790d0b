"""The sync's checks as plain verdicts: pure judgements of plain facts, without Dagster.

The `*_verdict` functions take plain values (numbers, ids, warning dicts) and return a
Verdict, so tests judge a clean and a dirty input without running a sync; the `*_check`
functions gather those facts from a step's value and the database. etl/checks.py wraps each
`*_check` as a Dagster asset check; `etl.runner` runs them after the same steps without
Dagster. Checks do not block: the sync has committed by the time they run, and a failing one
is shown in Dagster (and by `sync_ar`) next to the run it judged.
"""

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ar_dashboard.models import Company

LISTED = 10  # ids named in a check's description and metadata
ERROR, WARN = "ERROR", "WARN"  # AssetCheckSeverity's values


@dataclass(frozen=True)
class Verdict:
    """A check's outcome: passed, else how bad (ERROR or WARN) and why; metadata plain values."""

    passed: bool
    severity: str = ERROR
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


# ParsedBatch warnings are sentences (connectors/unified/records.py); these fragments sort them.
WARNING_KINDS = (
    ("due_before_posted", "is before posted date"),
    ("balance_missing", "balance_amount missing"),
    ("balance_exceeds_total", "exceeds total"),
    ("balance_inconsistent", "!= total"),
    ("negative_balance", "negative balance"),
    ("posted_missing", "posted_at missing"),
    ("due_missing", "due_at missing"),
)


def totals_reconcile_verdict(figures: Mapping[str, Mapping[str, Decimal]]) -> Verdict:
    """Passes when, in every currency, every way of totalling open AR agrees to the minor unit.

    `figures` maps currency -> {figure name: amount}, e.g. Σ ARSummary totals, Σ their buckets,
    Σ open document balances and the aging distribution's total.
    """
    from ar_dashboard.money import quantize_money

    mismatched = {
        currency: {name: str(amount) for name, amount in named.items()}
        for currency, named in figures.items()
        if len({quantize_money(amount, currency) for amount in named.values()}) > 1
    }
    shown = {c: {n: str(a) for n, a in named.items()} for c, named in figures.items()}
    if mismatched:
        detail = "; ".join(
            f"{currency} " + ", ".join(f"{n}={a}" for n, a in named.items())
            for currency, named in mismatched.items()
        )
        return Verdict(
            passed=False,
            severity=ERROR,
            description=f"AR totals do not reconcile: {detail}",
            metadata={"currencies": shown, "mismatched": len(mismatched)},
        )
    return Verdict(
        passed=True,
        description=f"AR totals reconcile in {len(figures)} currencies",
        metadata={"currencies": shown},
    )


def balances_within_totals_verdict(rows: Iterable[tuple[str, Decimal, Decimal]]) -> Verdict:
    """WARN when an open document's balance exceeds its total in magnitude.

    `rows` are (external id, total, balance) of open documents (signed or not: magnitudes are
    compared, so credit memos are judged like invoices).
    """
    checked, offending = 0, []
    for external_id, total, balance in rows:
        checked += 1
        if abs(balance) > abs(total):
            offending.append(external_id)
    if offending:
        listed = offending[:LISTED]
        return Verdict(
            passed=False,
            severity=WARN,
            description=f"{len(offending)} open documents have a balance above their total: "
            + ", ".join(listed)
            + (" ..." if len(offending) > LISTED else ""),
            metadata={"offending": len(offending), "checked": checked, "ids": listed},
        )
    return Verdict(passed=True, metadata={"offending": 0, "checked": checked})


def currency_codes_verdict(currencies: Iterable[str]) -> Verdict:
    """ERROR when a document is in something that is not an ISO 4217 currency code."""
    from connectors.unified.records import ISO_CURRENCIES

    found = sorted(set(currencies))
    invalid = [code for code in found if code not in ISO_CURRENCIES]
    if invalid:
        return Verdict(
            passed=False,
            severity=ERROR,
            description=f"documents in invalid currency codes: {', '.join(map(repr, invalid))}",
            metadata={"invalid": invalid, "currencies": found},
        )
    return Verdict(passed=True, metadata={"currencies": found})


def warning_kind(text: str) -> str:
    for kind, fragment in WARNING_KINDS:
        if fragment in text:
            return kind
    return "other"


def suspicious_rows_verdict(warnings: Iterable[Mapping[str, Any]]) -> Verdict:
    """WARN with a count per kind when validation kept suspicious rows (due before posted, ...)."""
    kinds = Counter(warning_kind(str(w.get("warning", ""))) for w in warnings)
    if kinds:
        counts = ", ".join(f"{kind} {n}" for kind, n in kinds.most_common())
        return Verdict(
            passed=False,
            severity=WARN,
            description=f"{sum(kinds.values())} warnings on loaded rows: {counts}",
            metadata=dict(kinds),
        )
    return Verdict(passed=True, metadata={"warnings": 0})


def rejected_records_verdict(rejected: list[Mapping[str, Any]]) -> Verdict:
    """WARN when records were rejected (they are in the SyncLog with their reasons)."""
    if rejected:
        per_object = Counter(str(r.get("object", "")) for r in rejected)
        examples = [f"{r.get('object')} {r.get('id')}: {r.get('reason')}" for r in rejected]
        return Verdict(
            passed=False,
            severity=WARN,
            description=f"{len(rejected)} records rejected: " + "; ".join(examples[:3]),
            metadata={"rejected": len(rejected), **per_object, "examples": examples[:LISTED]},
        )
    return Verdict(passed=True, metadata={"rejected": 0})


def _changed_documents(company_id: int, loaded: Any = None):
    """The company's documents the load `loaded` may have written: those of the customers its
    delta names (and of no customer when it names the unknown one); all of them without a
    delta (a first sync, too much changed, or no load value). Documents of other customers
    were judged by the sync that wrote them, so a quiet sync checks nothing, not 1M rows."""
    from django.db.models import Q

    from ar_dashboard.expressions import IdSet
    from ar_dashboard.models import Invoice

    documents = Invoice.objects.filter(company_id=company_id)
    delta = getattr(loaded, "delta", None)
    if delta is None or delta.customer_ids is None:
        return documents
    scope = Q(customer_id__in=IdSet(delta.customer_ids))
    if delta.unknown_customer:
        scope |= Q(customer_id__isnull=True)
    return documents.filter(scope)


def _scoped(verdict: Verdict, loaded: Any) -> Verdict:
    """The verdict with the documents it judged named in its metadata (`scope`)."""
    delta = getattr(loaded, "delta", None)
    if delta is None or delta.customer_ids is None:
        scope = "every customer"
    else:
        scope = f"{len(delta.customer_ids) + delta.unknown_customer} customers changed by this load"
    return dataclasses.replace(verdict, metadata={**verdict.metadata, "scope": scope})


def _open_documents(company_id: int, loaded: Any = None):
    from ar_dashboard import aging

    return (
        _changed_documents(company_id, loaded)
        .filter(doc_type__in=aging.AR_DOC_TYPES)
        .exclude(source_status__in=aging.EXCLUDED_STATUSES)
        .exclude(balance=0)
    )


def reconcile_figures(*, company: "Company", as_of: date) -> dict[str, dict[str, Decimal]]:
    """Per currency: Σ ARSummary totals and buckets, the day's snapshot, Σ open balances, the
    aging total."""
    from django.db.models import Sum

    from ar_dashboard import aging, selectors
    from ar_dashboard.models import ARSnapshot, ARSummary

    buckets = ARSummary.BUCKET_FIELDS
    sums = {
        row["currency"]: row
        for row in ARSummary.objects.filter(company=company, as_of=as_of)
        .order_by()
        .values("currency")
        .annotate(total_sum=Sum("total"), **{f"{b}_sum": Sum(b) for b in buckets})
    }
    snapshots = dict(
        ARSnapshot.objects.filter(
            company=company, as_of=as_of, basis=company.aging_basis
        ).values_list("currency", "total")
    )
    currencies = set(selectors.currencies_in_use(company=company)) | set(sums)
    figures = {}
    for currency in sorted(currencies):
        filters = selectors.ARFilters(
            as_of=as_of, today=as_of, currency=currency, basis=aging.Basis(company.aging_basis)
        )
        row = sums.get(currency, {})
        figures[currency] = {
            "summary_customers": row.get("total_sum") or Decimal(0),
            "summary_buckets": sum(
                (row.get(f"{b}_sum") or Decimal(0) for b in buckets), start=Decimal(0)
            ),
            "snapshot": snapshots.get(currency, Decimal(0)),
            "open_balances": selectors.summary_total(company=company, filters=filters),
            "aging_buckets": selectors.aging_distribution(company=company, filters=filters).total,
        }
    return figures


# --- the checks: facts gathered from a step's value and the database, then judged ------------


def rejected_records_check(ledger_validated: Any) -> Verdict:
    """No record was rejected by validation."""
    return rejected_records_verdict(ledger_validated.rejected)


def suspicious_rows_check(ledger_validated: Any) -> Verdict:
    """No suspicious row (due before posted, ...)."""
    return suspicious_rows_verdict(ledger_validated.warnings)


def balances_within_totals_check(company_id: int, loaded: Any = None) -> Verdict:
    """Every open document the load `loaded` may have written has a balance at most its total
    (in magnitude); without `loaded`, every open document of the company."""
    rows = (
        _open_documents(company_id, loaded)
        .order_by("external_id")
        .values_list("external_id", "total", "balance")
    )
    return _scoped(balances_within_totals_verdict(rows.iterator()), loaded)


def currency_codes_check(company_id: int, loaded: Any = None) -> Verdict:
    """Every document the load `loaded` may have written (without it, every document) is in a
    valid ISO 4217 currency."""
    currencies = (
        _changed_documents(company_id, loaded)
        .order_by()
        .values_list("currency", flat=True)
        .distinct()
    )
    return _scoped(currency_codes_verdict(currencies), loaded)


def totals_reconcile_check(ar_summary: dict) -> Verdict:
    """Σ customers = Σ buckets = Σ open balances = aging total, per currency."""
    from ar_dashboard.models import Company

    company = Company.objects.get(pk=ar_summary["company_id"])
    return totals_reconcile_verdict(reconcile_figures(company=company, as_of=ar_summary["as_of"]))
