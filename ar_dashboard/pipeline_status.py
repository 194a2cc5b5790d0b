"""Pipeline status for the dashboard: Dagster's GraphQL API when it answers, else the SyncLog.

Dagster runs are tagged with `company_id`, so a user is only ever shown runs of companies they
may see, whichever source answers. When the figures were last refreshed (`lastSuccessAt`) and
the warning to show with them always come from the SyncLog: it is what the ledger holds.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from django.conf import settings

from ar_dashboard.models import Company, SyncLog
from ar_dashboard.page_reads import sync_state

logger = logging.getLogger(__name__)
JOB_NAME = "ar_data_pipeline"
MAX_ANSWER_BYTES = 1_000_000  # ten runs take a few kilobytes
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
    lastSuccessAt: float | None = None  # noqa: N815 — Unix time, like the runs' times
    warning: str = ""  # why the figures may be out of date ("" when they are not)


def _summary(runs: list[dict], source: str) -> PipelineStatus:
    if not runs:
        return PipelineStatus("unknown", "No runs yet", source)
    last = runs[0]["status"]
    status = {"SUCCESS": "success", "FAILURE": "failure", "CANCELED": "failure"}.get(
        last, "running" if last in {"STARTED", "STARTING", "QUEUED", "NOT_STARTED"} else "unknown"
    )
    return PipelineStatus(status, f"Last run: {last}", source, runs=runs)


def dagster_runs(company: Company, *, limit: int = 10) -> list[dict] | None:
    """The company's recent runs from Dagster, or None when Dagster does not answer in time."""
    variables = {
        "filter": {
            "pipelineName": JOB_NAME,
            "tags": [{"key": "company_id", "value": str(company.pk)}],
        },
        "limit": limit,
    }
    try:
        body = _graphql({"query": RUNS_QUERY, "variables": variables})
        result = body["data"]["runsOrError"]
        if result.get("__typename") != "Runs":
            logger.warning("Dagster answered with an error: %s", result.get("message"))
            return None
        return [
            {
                "runId": str(run["runId"]),
                "status": str(run["status"]),
                "startTime": _timestamp(run.get("startTime")),
                "endTime": _timestamp(run.get("endTime")),
                "company": company.pk,
            }
            for run in result["results"]
        ]
    except (httpx.HTTPError, httpx.InvalidURL, TimeoutError) as exc:
        logger.info("Dagster at %s did not answer: %s", settings.DAGSTER_URL, exc)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        logger.warning("Dagster at %s answered something else: %r", settings.DAGSTER_URL, exc)
    return None


def _timestamp(value: object) -> float | None:
    """A Unix time Dagster sent, or None for anything that is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        seconds = float(value)
    except OverflowError:  # an integer past float's range
        return None
    return seconds if math.isfinite(seconds) else None


def _graphql(payload: dict) -> dict:
    """Dagster's JSON answer, within DAGSTER_STATUS_TIMEOUT_SECONDS: a web worker waits no longer.

    Each step (connect, send, every read) may take that long, and reading stops once that much
    time has passed in all, so a server that trickles bytes cannot hold the worker either.
    """
    seconds = settings.DAGSTER_STATUS_TIMEOUT_SECONDS
    deadline = time.monotonic() + seconds
    url = f"{settings.DAGSTER_URL.rstrip('/')}/graphql"
    body = bytearray()
    with httpx.stream("POST", url, json=payload, timeout=httpx.Timeout(seconds)) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            body += chunk
            if time.monotonic() > deadline:
                raise TimeoutError(f"no complete answer within {seconds} s")
            if len(body) > MAX_ANSWER_BYTES:
                raise ValueError(f"answer longer than {MAX_ANSWER_BYTES} bytes")
    return json.loads(body)


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


def pipeline_status(company: Company, *, now: datetime) -> PipelineStatus:
    """The runs (Dagster's, else the SyncLog's), the last good sync and the warning as of `now`."""
    runs = dagster_runs(company)
    # Dagster when it answered and knows this company's runs.
    status = _summary(runs, "dagster") if runs else _summary(sync_log_runs(company), "sync_log")
    state = sync_state(
        company=company,
        now=now,
        stale_after=timedelta(hours=settings.AR_SYNC_STALE_HOURS),
        lease=timedelta(seconds=settings.SYNC_LEASE_SECONDS),
    )
    success = state.last_success_at
    status.lastSuccessAt = success.timestamp() if success else None
    status.warning = state.warning_text
    return status
