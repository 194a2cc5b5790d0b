"""A local server speaking the Unified.to list API, for the demo and for tests.

Same paths, bearer auth, bare JSON arrays, `limit`/`offset` paging (max 100, `100.0` accepted as
the official SDK sends it), inclusive `updated_gte`, `sort`/`order` with a stable id tie-break so
paging is deterministic, `contact_id`/`type`/`invoice_id` filters, JSON errors, and switchable
faults (429 with Retry-After now and then or as a storm, 500s, latency, malformed or cut-off
pages, corrupted or poisoned records, pages clamped below `limit`, pages short of a record
filtered out upstream, records edited while a listing is paged) so the client's paging and
retries and the loader's validation are exercised against real HTTP.
The real error body shape is undocumented: errors here are `{"error": "...", "status": code}`.
Deleted records simply disappear, as they do from a real list endpoint. Parameters the sandbox
does not model (`fields`, `raw`, `query`, `org_id`, `start_gte`, `end_lt`) are ignored, as
integrations that do not support them do.
Stdlib only: it must start without Django.

Split by concern: `timestamps` (ISO-8601 in and out), `store` (the served records), `query`
(list parameters and paging), `server` (HTTP, auth and injected faults) and `cli` (`python -m
connectors.unified.sandbox`).
"""

from connectors.unified.sandbox.cli import main
from connectors.unified.sandbox.query import (
    FILTER_PARAMS,
    MAX_LIMIT,
    SORT_FIELDS,
    ApiError,
    ListQuery,
    matching_records,
    parse_list_query,
    select_records,
)
from connectors.unified.sandbox.server import (
    CORRUPTIONS,
    PAGE_FAULTS,
    Faults,
    PagingEdit,
    SandboxServer,
)
from connectors.unified.sandbox.store import OBJECT_TYPES, ROUTES, SandboxData
from connectors.unified.sandbox.timestamps import iso_z, parse_iso

__all__ = [
    "CORRUPTIONS",
    "FILTER_PARAMS",
    "MAX_LIMIT",
    "OBJECT_TYPES",
    "PAGE_FAULTS",
    "ROUTES",
    "SORT_FIELDS",
    "ApiError",
    "Faults",
    "ListQuery",
    "PagingEdit",
    "SandboxData",
    "SandboxServer",
    "iso_z",
    "main",
    "matching_records",
    "parse_iso",
    "parse_list_query",
    "select_records",
]
