"""`ar_data_pipeline` without Dagster: the same steps and checks, run in order in this process.

`sync_ar` runs a sync through here unless it is to be recorded in a Dagster instance
(DAGSTER_HOME set, or `--dagster`): importing Dagster and building the job cost about 3 s of
CPU per run, more than a whole sync with nothing changed. The steps are `etl.steps`' functions
and the checks `etl.verdicts`', the ones the Dagster assets and asset checks wrap; the order
is the one Dagster's in-process executor takes (a level of the graph at a time, by step key),
and as in Dagster a failed step skips the steps that need its value while the others still
run (the other extracts then stop at once: `recorded_step` sees the log failed).

Nothing here imports Dagster.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from etl import steps, verdicts
from etl.steps import ClientFactory

OBJECTS = ("contacts", "creditmemos", "invoices", "payments")  # the extracts, by step key


class Listener(Protocol):
    """What `sync_ar` shows of a run: each output's metadata, each check, each step's end."""

    def output(self, step: str, metadata: dict[str, Any]) -> None: ...

    def check(self, step: str, name: str, verdict: verdicts.Verdict) -> None: ...

    def step_done(self, step: str, *, failed: bool) -> None: ...


@dataclass
class RunResult:
    """The run's outcome: `success` unless a step raised; `error` is the first exception."""

    success: bool
    error: BaseException | None = None
    values: dict[str, Any] = field(default_factory=dict)  # output name -> value
    failed_steps: list[str] = field(default_factory=list)
    skipped_steps: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Step:
    key: str
    needs: tuple[str, ...]  # output names it takes
    run: Callable[[dict[str, Any]], dict[str, steps.StepResult] | verdicts.Verdict]
    check: str = ""  # "asset.check_name" for an asset check


def _steps(config: dict, run_id: str, client: ClientFactory) -> list[_Step]:
    raws = tuple(f"unified_{obj}_raw" for obj in OBJECTS)

    def extract(obj: str) -> _Step:
        key = f"unified_{obj}_raw"
        return _Step(
            key, ("sync_plan",), lambda v: {key: steps.extract_step(v["sync_plan"], obj, client)}
        )

    def summarize(v: dict[str, Any]) -> dict[str, steps.StepResult]:
        summary, snapshot = steps.summarize_step(v["sync_plan"], v["ledger_loaded"])
        return {"ar_summary": summary, "ar_snapshot": snapshot}

    # Dagster's in-process executor runs a level of the graph at a time, sorted by step key.
    return [
        _Step("sync_plan", (), lambda v: {"sync_plan": steps.plan_step(config, run_id=run_id)}),
        *(extract(obj) for obj in OBJECTS),
        _Step(
            "ledger_validated",
            ("sync_plan", *raws),
            lambda v: {"ledger_validated": steps.validate_step(v["sync_plan"])},
        ),
        _Step(
            "ledger_loaded",
            ("sync_plan", "ledger_validated", *raws),
            lambda v: {
                "ledger_loaded": steps.load_step(
                    v["sync_plan"],
                    v["ledger_validated"],
                    [v[name] for name in raws],
                )
            },
        ),
        _Step(
            "ledger_validated_rejected_records",
            ("ledger_validated",),
            lambda v: verdicts.rejected_records_check(v["ledger_validated"]),
            check="ledger_validated.rejected_records",
        ),
        _Step(
            "ledger_validated_suspicious_rows",
            ("ledger_validated",),
            lambda v: verdicts.suspicious_rows_check(v["ledger_validated"]),
            check="ledger_validated.suspicious_rows",
        ),
        _Step("ar_summaries", ("sync_plan", "ledger_loaded"), summarize),
        _Step(
            "ledger_loaded_balances_within_totals",
            ("ledger_loaded", "sync_plan"),
            lambda v: verdicts.balances_within_totals_check(
                v["sync_plan"]["company_id"], v["ledger_loaded"]
            ),
            check="ledger_loaded.balances_within_totals",
        ),
        _Step(
            "ledger_loaded_currency_codes",
            ("ledger_loaded", "sync_plan"),
            lambda v: verdicts.currency_codes_check(
                v["sync_plan"]["company_id"], v["ledger_loaded"]
            ),
            check="ledger_loaded.currency_codes",
        ),
        _Step(
            "ar_summary_totals_reconcile",
            ("ar_summary",),
            lambda v: verdicts.totals_reconcile_check(v["ar_summary"]),
            check="ar_summary.totals_reconcile",
        ),
        _Step(
            "sync_log",
            ("sync_plan", "ledger_loaded", "ar_summary", "ar_snapshot"),
            lambda v: {
                "sync_log": steps.finish_step(
                    v["sync_plan"], v["ledger_loaded"], v["ar_summary"], v["ar_snapshot"]
                )
            },
        ),
    ]


STEP_COUNT = 14  # the job's steps: 9 asset steps and 5 checks


def run_sync(
    config: dict,
    *,
    run_id: str,
    client: ClientFactory | None = None,
    listener: Listener | None = None,
) -> RunResult:
    """Run one sync (`config`: SyncConfig's fields) with the pipeline's steps and checks.

    Exceptions of steps are caught and recorded (the SyncLog says why, as under Dagster);
    `client` makes the Unified.to client of each extract (default: from the settings).
    """
    plan = _steps(config, run_id, client or steps.unified_client)
    result = RunResult(success=True)
    for step in plan:
        if any(name not in result.values for name in step.needs):
            result.skipped_steps.append(step.key)
            continue
        failed = False
        try:
            outcome = step.run(result.values)
        except Exception as exc:
            failed = True
            result.success = False
            result.failed_steps.append(step.key)
            if result.error is None:
                result.error = exc
        else:
            if isinstance(outcome, verdicts.Verdict):
                if listener is not None:
                    listener.check(step.key, step.check, outcome)
            else:
                for name, produced in outcome.items():
                    result.values[name] = produced.value
                    if listener is not None:
                        listener.output(step.key, produced.metadata)
        if listener is not None:
            listener.step_done(step.key, failed=failed)
    return result
