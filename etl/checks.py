"""Asset checks of the sync: each is a pure verdict on plain facts, plus a thin Dagster check.

The `*_result` functions take plain values (numbers, ids, warning dicts) and return the
AssetCheckResult, so tests judge a clean and a dirty input without running a job; the
`@asset_check` functions only gather those facts from the asset's value and the database.
Checks do not block: the sync has committed by the time they run, and a failing one is shown
in Dagster (and by `sync_ar`) next to the run it judged.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dagster import AssetCheckResult, AssetCheckSeverity, AssetIn, MetadataValue, asset_check

from etl.resources import DjangoResource

if TYPE_CHECKING:
    from ar_dashboard.models import Company

LISTED = 10  # ids named in a check's description and metadata

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


def totals_reconcile_result(figures: Mapping[str, Mapping[str, Decimal]]) -> AssetCheckResult:
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
        return AssetCheckResult(
            passed=False,
            severity=AssetCheckSeverity.ERROR,
            description=f"AR totals do not reconcile: {detail}",
            metadata={"currencies": MetadataValue.json(shown), "mismatched": len(mismatched)},
        )
    return AssetCheckResult(
        passed=True,
        description=f"AR totals reconcile in {len(figures)} currencies",
        metadata={"currencies": MetadataValue.json(shown)},
    )


def balances_within_totals_result(rows: Iterable[tuple[str, Decimal, Decimal]]) -> AssetCheckResult:
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
        return AssetCheckResult(
            passed=False,
            severity=AssetCheckSeverity.WARN,
            description=f"{len(offending)} open documents have a balance above their total: "
            + ", ".join(listed)
            + (" ..." if len(offending) > LISTED else ""),
            metadata={"offending": len(offending), "checked": checked, "ids": listed},
        )
    return AssetCheckResult(passed=True, metadata={"offending": 0, "checked": checked})


def currency_codes_result(currencies: Iterable[str]) -> AssetCheckResult:
    """ERROR when a document is in something that is not an ISO 4217 currency code."""
    from connectors.unified.records import ISO_CURRENCIES

    found = sorted(set(currencies))
    invalid = [code for code in found if code not in ISO_CURRENCIES]
    if invalid:
        return AssetCheckResult(
            passed=False,
            severity=AssetCheckSeverity.ERROR,
            description=f"documents in invalid currency codes: {', '.join(map(repr, invalid))}",
            metadata={"invalid": invalid, "currencies": found},
        )
    return AssetCheckResult(passed=True, metadata={"currencies": found})


def warning_kind(text: str) -> str:
    for kind, fragment in WARNING_KINDS:
        if fragment in text:
            return kind
    return "other"


def suspicious_rows_result(warnings: Iterable[Mapping[str, Any]]) -> AssetCheckResult:
    """WARN with a count per kind when validation kept suspicious rows (due before posted, ...)."""
    kinds = Counter(warning_kind(str(w.get("warning", ""))) for w in warnings)
    if kinds:
        counts = ", ".join(f"{kind} {n}" for kind, n in kinds.most_common())
        return AssetCheckResult(
            passed=False,
            severity=AssetCheckSeverity.WARN,
            description=f"{sum(kinds.values())} warnings on loaded rows: {counts}",
            metadata=dict(kinds),
        )
    return AssetCheckResult(passed=True, metadata={"warnings": 0})


def rejected_records_result(rejected: list[Mapping[str, Any]]) -> AssetCheckResult:
    """WARN when records were rejected (they are in the SyncLog with their reasons)."""
    if rejected:
        per_object = Counter(str(r.get("object", "")) for r in rejected)
        examples = [f"{r.get('object')} {r.get('id')}: {r.get('reason')}" for r in rejected]
        return AssetCheckResult(
            passed=False,
            severity=AssetCheckSeverity.WARN,
            description=f"{len(rejected)} records rejected: " + "; ".join(examples[:3]),
            metadata={"rejected": len(rejected), **per_object, "examples": examples[:LISTED]},
        )
    return AssetCheckResult(passed=True, metadata={"rejected": 0})


@asset_check(asset="ledger_validated", description="No record was rejected by validation.")
def rejected_records(ledger_validated: Any) -> AssetCheckResult:
    return rejected_records_result(ledger_validated.rejected)


@asset_check(asset="ledger_validated", description="No suspicious row (due before posted, ...).")
def suspicious_rows(ledger_validated: Any) -> AssetCheckResult:
    return suspicious_rows_result(ledger_validated.warnings)


def _open_documents(company_id: int):
    from ar_dashboard import aging
    from ar_dashboard.models import Invoice

    return (
        Invoice.objects.filter(company_id=company_id, doc_type__in=aging.AR_DOC_TYPES)
        .exclude(source_status__in=aging.EXCLUDED_STATUSES)
        .exclude(balance=0)
    )


@asset_check(
    asset="ledger_loaded",
    additional_ins={"sync_plan": AssetIn("sync_plan")},
    description="Every open document's balance is at most its total (in magnitude).",
)
def balances_within_totals(
    ledger_loaded: Any, sync_plan: dict, django: DjangoResource
) -> AssetCheckResult:
    rows = (
        _open_documents(sync_plan["company_id"])
        .order_by("external_id")
        .values_list("external_id", "total", "balance")
    )
    return balances_within_totals_result(rows.iterator())


@asset_check(
    asset="ledger_loaded",
    additional_ins={"sync_plan": AssetIn("sync_plan")},
    description="Every loaded document is in a valid ISO 4217 currency.",
)
def currency_codes(ledger_loaded: Any, sync_plan: dict, django: DjangoResource) -> AssetCheckResult:
    from ar_dashboard.models import Invoice

    currencies = (
        Invoice.objects.filter(company_id=sync_plan["company_id"])
        .order_by()
        .values_list("currency", flat=True)
        .distinct()
    )
    return currency_codes_result(currencies)


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


@asset_check(
    asset="ar_summary",
    description="Σ customers = Σ buckets = Σ open balances = aging total, per currency.",
)
def totals_reconcile(ar_summary: dict, django: DjangoResource) -> AssetCheckResult:
    from ar_dashboard.models import Company

    company = Company.objects.get(pk=ar_summary["company_id"])
    return totals_reconcile_result(reconcile_figures(company=company, as_of=ar_summary["as_of"]))


ALL_CHECKS = [
    rejected_records,
    suspicious_rows,
    balances_within_totals,
    currency_codes,
    totals_reconcile,
]
