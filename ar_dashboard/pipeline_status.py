"""Pipeline status for the dashboard: Dagster's GraphQL API when it answers, else the SyncLog.

Dagster runs are tagged with `company_id`, so a user is only ever shown runs of companies they
may see, whichever source answers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import httpx
from django.conf import settings

from ar_dashboard.models import Company, SyncLog

logger = logging.getLogger(__name__)
JOB_NAME = "ar_data_pipeline"
RUNS_QUERY = """
query Runs($filter: RunsFilter!, $limit: Int!) {
  runsOrError(filter: $filter, limit: $limit) {
    __typename
    ... on Runs { results { runId status startTime endTime tags { key value } } }
    ... on PythonError { message }
  }
}
"""
SYNC_TO_DAGSTER = {
    SyncLog.Status.QUEUED: "QUEUED",
    SyncLog.Status.RUNNING: "STARTED",
    SyncLog.Status.SUCCESS: "SUCCESS",
    SyncLog.Status.PARTIAL: "SUCCESS",
    SyncLog.Status.FAILED: "FAILURE",
}


@dataclass
class PipelineStatus:
    status: str
    message: str
    source: str
    jobName: str = JOB_NAME  # noqa: N815 — the seed's JSON key
    runs: list[dict] = field(default_factory=list)


def _summary(runs: list[dict], source: str) -> PipelineStatus:
    if not runs:
        return PipelineStatus("unknown", "No runs yet", source)
    last = runs[0]["status"]
    status = {"SUCCESS": "success", "FAILURE": "failure", "CANCELED": "failure"}.get(
        last, "running" if last in {"STARTED", "STARTING", "QUEUED", "NOT_STARTED"} else "unknown"
    )
    return PipelineStatus(status, f"Last run: {last}", source, runs=runs)


def dagster_runs(company: Company, *, limit: int = 10) -> list[dict] | None:
    """The company's recent runs from Dagster, or None when Dagster does not answer."""
    variables = {
        "filter": {
            "pipelineName": JOB_NAME,
            "tags": [{"key": "company_id", "value": str(company.pk)}],
        },
        "limit": limit,
    }
    try:
        response = httpx.post(
            f"{settings.DAGSTER_URL.rstrip('/')}/graphql",
            json={"query": RUNS_QUERY, "variables": variables},
            timeout=httpx.Timeout(3.0, connect=1.0),
        )
        response.raise_for_status()
        result = response.json()["data"]["runsOrError"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        logger.info("Dagster at %s did not answer: %s", settings.DAGSTER_URL, exc)
        return None
    if result.get("__typename") != "Runs":
        logger.warning("Dagster answered with an error: %s", result.get("message"))
        return None
    return [
        {
            "runId": run["runId"],
            "status": run["status"],
            "startTime": run.get("startTime"),
            "endTime": run.get("endTime"),
            "company": company.pk,
        }
        for run in result["results"]
    ]


def sync_log_runs(company: Company, *, limit: int = 10) -> list[dict]:
    logs = SyncLog.objects.filter(company=company).order_by("-requested_at", "-id")[:limit]
    return [
        {
            "runId": log.run_id or f"sync-{log.pk}",
            "status": SYNC_TO_DAGSTER[log.status],
            "startTime": log.started_at.timestamp() if log.started_at else None,
            "endTime": log.finished_at.timestamp() if log.finished_at else None,
            "company": company.pk,
            "trigger": log.trigger,
            "progress": log.progress,
            "error": log.error,
            "counts": log.counts,
            "rejected": len(log.rejected),
        }
        for log in logs
    ]


def pipeline_status(company: Company) -> PipelineStatus:
    runs = dagster_runs(company)
    if runs:  # Dagster answered and knows this company's runs
        return _summary(runs, "dagster")
    return _summary(sync_log_runs(company), "sync_log")
