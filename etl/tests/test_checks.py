"""Each asset check judged directly on a clean and a dirty input."""

from decimal import Decimal as D

import pytest
from dagster import AssetCheckSeverity

from ar_dashboard.models import ARSummary
from etl import checks
from etl.resources import DjangoResource


def test_totals_that_agree_to_the_minor_unit_reconcile():
    result = checks.totals_reconcile_result(
        {
            "USD": {"summary": D("100.0000"), "open": D("100.0040")},  # < half a cent apart
            "JPY": {"summary": D("5000"), "open": D("5000.2")},  # yen have no minor unit
        }
    )
    assert result.passed


def test_a_cent_of_difference_fails_with_error_naming_the_currency():
    result = checks.totals_reconcile_result(
        {
            "USD": {"summary": D("100.00"), "open": D("100.00")},
            "EUR": {"summary": D("250.00"), "open": D("250.01")},
        }
    )
    assert not result.passed
    assert result.severity == AssetCheckSeverity.ERROR
    assert "EUR" in result.description and "USD" not in result.description


def test_balances_within_totals_pass_including_credit_memos():
    rows = [("inv-1", D("100"), D("60")), ("cm-1", D("-50"), D("-50"))]
    assert checks.balances_within_totals_result(rows).passed


def test_balance_above_total_warns_listing_at_most_ten_ids():
    rows = [(f"inv-{i:02d}", D("100"), D("150")) for i in range(12)]
    rows += [("cm-1", D("-50"), D("-80")), ("ok", D("10"), D("10"))]
    result = checks.balances_within_totals_result(rows)
    assert not result.passed
    assert result.severity == AssetCheckSeverity.WARN
    assert result.description.startswith("13 open documents")
    assert result.metadata["ids"].value == [f"inv-{i:02d}" for i in range(10)]


def test_iso_currencies_pass_and_anything_else_is_an_error():
    assert checks.currency_codes_result(["USD", "EUR", "JPY", "USD"]).passed
    result = checks.currency_codes_result(["USD", "US$", "XXX"])
    assert not result.passed
    assert result.severity == AssetCheckSeverity.ERROR
    assert result.metadata["invalid"].value == ["US$", "XXX"]


def test_no_warnings_passes_and_suspicious_rows_warn_with_counts_per_kind():
    assert checks.suspicious_rows_result([]).passed
    warnings = [
        {
            "object": "invoices",
            "id": "a",
            "warning": "due date 2026-01-01 is before posted date 2026-01-05",
        },
        {
            "object": "invoices",
            "id": "b",
            "warning": "due date 2026-02-01 is before posted date 2026-02-05",
        },
        {"object": "invoices", "id": "c", "warning": "balance_amount missing: total - paid used"},
    ]
    result = checks.suspicious_rows_result(warnings)
    assert not result.passed
    assert result.severity == AssetCheckSeverity.WARN
    assert result.metadata["due_before_posted"].value == 2
    assert result.metadata["balance_missing"].value == 1


def test_rejected_records_warn_with_their_reasons():
    assert checks.rejected_records_result([]).passed
    rejected = [{"object": "invoices", "id": "inv-9", "reason": "total_amount='x' is not a number"}]
    result = checks.rejected_records_result(rejected)
    assert not result.passed
    assert result.severity == AssetCheckSeverity.WARN
    assert "inv-9" in result.description
    assert result.metadata["invoices"].value == 1


@pytest.mark.django_db
def test_reconcile_check_reads_the_database_and_catches_a_stale_summary(run_sync, today):
    assert run_sync().success
    summary = ARSummary.objects.get(currency="EUR", as_of=today)
    value = {"company_id": summary.company_id, "as_of": today}

    assert checks.totals_reconcile(value, DjangoResource()).passed

    ARSummary.objects.filter(pk=summary.pk).update(total=summary.total + D("0.01"))
    result = checks.totals_reconcile(value, DjangoResource())
    assert not result.passed
    assert result.metadata["mismatched"].value == 1
    assert "EUR" in result.description


@pytest.mark.django_db
def test_ledger_checks_judge_the_customers_the_load_changed(company_a):
    """c1's open invoice has a balance above its total and a currency no one knows; c2's is
    clean. A load whose delta names c2 only checks c2's documents (c1's were judged by the
    load that wrote them): both checks pass and say so; a delta naming c1, "everything" or no
    load value (a direct call) see the bad document."""
    from datetime import date

    from ar_dashboard.models import Customer, Invoice
    from ar_dashboard.services.load_delta import LoadDelta
    from etl import verdicts

    c1, c2 = (
        Customer.objects.create(company=company_a, external_id=x, name=x) for x in ("c1", "c2")
    )
    common = {"company": company_a, "posted_on": date(2026, 1, 5), "due_on": date(2026, 2, 4)}
    Invoice.objects.create(
        customer=c1, external_id="bad", currency="XXQ", total=D(100), balance=D(150), **common
    )
    Invoice.objects.create(
        customer=c2, external_id="ok", currency="USD", total=D(100), balance=D(40), **common
    )

    class Loaded:
        def __init__(self, delta):
            self.delta = delta

    only_c2 = Loaded(LoadDelta(frozenset({c2.pk}), date(2026, 3, 1)))
    balances = verdicts.balances_within_totals_check(company_a.pk, only_c2)
    assert balances.passed
    assert balances.metadata == {
        "offending": 0,
        "checked": 1,
        "scope": "1 customers changed by this load",
    }
    currencies = verdicts.currency_codes_check(company_a.pk, only_c2)
    assert currencies.passed and currencies.metadata["currencies"] == ["USD"]

    quiet = Loaded(LoadDelta(frozenset(), None))
    assert verdicts.balances_within_totals_check(company_a.pk, quiet).metadata["checked"] == 0

    for loaded in (
        Loaded(LoadDelta(frozenset({c1.pk}), None)),
        Loaded(LoadDelta.everything()),
        None,
    ):
        balances = verdicts.balances_within_totals_check(company_a.pk, loaded)
        assert not balances.passed and balances.metadata["ids"] == ["bad"]
        currencies = verdicts.currency_codes_check(company_a.pk, loaded)
        assert not currencies.passed and currencies.metadata["invalid"] == ["XXQ"]
