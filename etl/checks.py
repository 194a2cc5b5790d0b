"""Asset checks of the sync: thin Dagster wrappers over the plain verdicts of etl/verdicts.py.

The `*_result` functions take plain values and return the AssetCheckResult (tests judge a
clean and a dirty input without running a job); the `@asset_check` functions call the
`*_check` functions of etl/verdicts.py, which `sync_ar`'s runner (etl/runner.py) calls too.
Checks do not block: the sync has committed by the time they run, and a failing one is shown
in Dagster (and by `sync_ar`) next to the run it judged.
"""

from typing import Any

from dagster import AssetCheckResult, AssetCheckSeverity, AssetIn, asset_check

from etl import verdicts
from etl.assets import dagster_metadata
from etl.resources import DjangoResource
from etl.verdicts import LISTED, WARNING_KINDS, reconcile_figures, warning_kind  # noqa: F401


def check_result(verdict: verdicts.Verdict) -> AssetCheckResult:
    """A plain verdict as Dagster's check result."""
    if verdict.passed:
        return AssetCheckResult(
            passed=True,
            description=verdict.description,
            metadata=dagster_metadata(verdict.metadata),
        )
    return AssetCheckResult(
        passed=False,
        severity=AssetCheckSeverity(verdict.severity),
        description=verdict.description,
        metadata=dagster_metadata(verdict.metadata),
    )


def totals_reconcile_result(figures) -> AssetCheckResult:
    return check_result(verdicts.totals_reconcile_verdict(figures))


def balances_within_totals_result(rows) -> AssetCheckResult:
    return check_result(verdicts.balances_within_totals_verdict(rows))


def currency_codes_result(currencies) -> AssetCheckResult:
    return check_result(verdicts.currency_codes_verdict(currencies))


def suspicious_rows_result(warnings) -> AssetCheckResult:
    return check_result(verdicts.suspicious_rows_verdict(warnings))


def rejected_records_result(rejected) -> AssetCheckResult:
    return check_result(verdicts.rejected_records_verdict(rejected))


@asset_check(asset="ledger_validated", description="No record was rejected by validation.")
def rejected_records(ledger_validated: Any) -> AssetCheckResult:
    return check_result(verdicts.rejected_records_check(ledger_validated))


@asset_check(asset="ledger_validated", description="No suspicious row (due before posted, ...).")
def suspicious_rows(ledger_validated: Any) -> AssetCheckResult:
    return check_result(verdicts.suspicious_rows_check(ledger_validated))


@asset_check(
    asset="ledger_loaded",
    additional_ins={"sync_plan": AssetIn("sync_plan")},
    description="Every open document the load wrote has a balance at most its total.",
)
def balances_within_totals(
    ledger_loaded: Any, sync_plan: dict, django: DjangoResource
) -> AssetCheckResult:
    return check_result(
        verdicts.balances_within_totals_check(sync_plan["company_id"], ledger_loaded)
    )


@asset_check(
    asset="ledger_loaded",
    additional_ins={"sync_plan": AssetIn("sync_plan")},
    description="Every document the load wrote is in a valid ISO 4217 currency.",
)
def currency_codes(ledger_loaded: Any, sync_plan: dict, django: DjangoResource) -> AssetCheckResult:
    return check_result(verdicts.currency_codes_check(sync_plan["company_id"], ledger_loaded))


@asset_check(
    asset="ar_summary",
    description="Σ customers = Σ buckets = Σ open balances = aging total, per currency.",
)
def totals_reconcile(ar_summary: dict, django: DjangoResource) -> AssetCheckResult:
    return check_result(verdicts.totals_reconcile_check(ar_summary))


ALL_CHECKS = [
    rejected_records,
    suspicious_rows,
    balances_within_totals,
    currency_codes,
    totals_reconcile,
]
