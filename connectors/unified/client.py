"""HTTP client for the Unified.to accounting and payment APIs (sync httpx).

It pages through list endpoints with integer `limit`/`offset`, sorted by `updated_at` ascending,
optionally from an `updated_gte` cursor, until a page comes back **empty**: a short page is not
the end, because servers and proxies clamp page sizes and records get filtered out upstream, so
`offset` advances by the number of records the server actually returned. It retries what is
worth retrying with exponential backoff and full jitter, on two separate budgets per request:
429 (honouring `Retry-After`) on `max_rate_limit_retries`, and 500/502/503/504, connection
errors and timeouts on `max_retries`, so a busy but healthy API does not use up the allowance
for a failing one. It yields each record as the raw dict Unified.to sent: parsing and validation
happen in `connectors.unified.records`, so one bad record is rejected with a reason instead of
failing the page.

Why not the official `unified-python-sdk` (0.61.5, checked against its source and a probe run):
its list models type `limit` and `offset` as float, so it sends `limit=100.0&offset=0.0`; it
unmarshals every money field into a pydantic `float` (we need `Decimal(str(raw))`), and one
record with a non-numeric `total_amount` fails validation of the whole page; each call returns
one page with no paging or incremental iterator, and retries are off unless configured. It is
also a large generated package covering hundreds of endpoints we do not call. Four paths, paging
and retries are less code to own than the workarounds.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import httpx

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.unified.to"
REGIONS = {
    "us": "https://api.unified.to",
    "eu": "https://api-eu.unified.to",
    "au": "https://api-au.unified.to",
}
# Unified.to documents 100 as the most records a page can hold. Asking for more would only be
# clamped (paging still ends on an empty page, so nothing is lost), but it never buys anything.
MAX_PAGE_SIZE = 100
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Failures where the request may not have reached the server or the answer was cut off. Other
# transport errors (unsupported scheme, a bad proxy) are configuration mistakes: fail at once.
RETRY_EXCEPTIONS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
BODY_EXCERPT = 500


def retry_sleep(seconds: float) -> None:
    """How a client without its own `sleep` waits between retries (tests replace it)."""
    time.sleep(seconds)


class UnifiedError(Exception):
    """Any failure talking to Unified.to; `str()` is a one-line reason fit for the sync log.

    `retries` is how many times the request was retried before giving up (0: not retried).
    """

    def __init__(self, message: str, *, retries: int = 0) -> None:
        super().__init__(" ".join(message.split()))
        self.retries = retries


class UnifiedHTTPError(UnifiedError):
    """An answer we cannot use: a non-retryable 4xx, retries exhausted, or a malformed body."""

    def __init__(
        self, message: str, *, status_code: int, url: str, body: str = "", retries: int = 0
    ) -> None:
        super().__init__(message, retries=retries)
        self.status_code = status_code
        self.url = url
        self.body = body[:BODY_EXCERPT]


class UnifiedTransportError(UnifiedError):
    """No answer at all (connection refused, timeout, dropped connection) after every retry."""


def format_updated_gte(moment: datetime) -> str:
    """ISO-8601 UTC with `Z`, truncated to the second (truncating down only widens `>=`)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        # A naive cursor is ambiguous by hours; guessing could skip edits.
        raise ValueError(f"updated_gte must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def connection_auth_url(
    *,
    workspace_id: str,
    integration_type: str = "quickbooks",
    success_redirect: str,
    failure_redirect: str | None = None,
    state: str | None = None,
    external_xref: str | None = None,
    redirect: bool = True,
    base_url: str = DEFAULT_BASE_URL,
) -> str:
    """URL to send the user's browser to so they can connect their ledger to our workspace.

    Unified.to appends `id=<connection_id>` (and `state`) to `success_redirect`, and `error` to
    `failure_redirect`. The endpoint needs no API key. `redirect=true` is sent so the browser
    goes straight to the integration's consent page: the parameter exists but its effect is not
    documented, and an endpoint that ignores it still answers with the URL.
    """
    params: dict[str, str] = {"success_redirect": success_redirect}
    optional = {
        "failure_redirect": failure_redirect,
        "state": state,
        "external_xref": external_xref,
    }
    params.update({key: value for key, value in optional.items() if value is not None})
    if redirect:
        params["redirect"] = "true"
    segments = "/".join(quote(part, safe="") for part in (workspace_id, integration_type))
    return f"{base_url.rstrip('/')}/unified/integration/auth/{segments}?{urlencode(params)}"


def _parse_retry_after(headers: httpx.Headers, now: float) -> float | None:
    """Seconds the server asked us to wait (`retry-after-ms`, or `Retry-After` seconds/date)."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        logger.warning("Ignoring unparseable Retry-After header %r", value)
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # RFC 9110 dates are GMT.
    return max(0.0, when.timestamp() - now)


def _error_reason(response: httpx.Response) -> str:
    """The server's own message when the body is a JSON error object, else the body's start."""
    text = response.text
    try:
        payload = json.loads(text)
    except ValueError:
        return text[:200].strip() or response.reason_phrase
    if isinstance(payload, dict):
        for key in ("message", "error", "detail"):
            if isinstance(payload.get(key), str):
                return payload[key]
    return text[:200]


class UnifiedClient:
    """A connection to one Unified.to workspace; list calls are lazy generators of raw dicts."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30.0,
        connect_timeout: float = 5.0,
        max_retries: int = 5,
        max_rate_limit_retries: int = 10,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        page_size: int = MAX_PAGE_SIZE,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("api_key is empty: set the Unified.to workspace API token")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
        self.base_url = base_url.rstrip("/")
        if max_retries < 0 or max_rate_limit_retries < 0:
            raise ValueError("retry budgets cannot be negative")
        self.max_retries = max_retries
        self.max_rate_limit_retries = max_rate_limit_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.page_size = page_size
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
        )
        self.stats = {"requests": 0, "retries": 0, "pages": 0, "records": 0}

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> UnifiedClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def list_contacts(
        self, connection_id: str, *, updated_gte: datetime | None = None
    ) -> Iterator[dict]:
        return self.list_objects(
            _path("accounting", connection_id, "contact"), updated_gte=updated_gte
        )

    def list_invoices(
        self, connection_id: str, *, updated_gte: datetime | None = None
    ) -> Iterator[dict]:
        return self.list_objects(
            _path("accounting", connection_id, "invoice"), updated_gte=updated_gte
        )

    def list_creditmemos(
        self, connection_id: str, *, updated_gte: datetime | None = None
    ) -> Iterator[dict]:
        return self.list_objects(
            _path("accounting", connection_id, "creditmemo"), updated_gte=updated_gte
        )

    def list_payments(
        self, connection_id: str, *, updated_gte: datetime | None = None
    ) -> Iterator[dict]:
        return self.list_objects(
            _path("payment", connection_id, "payment"), updated_gte=updated_gte
        )

    def list_objects(
        self,
        path: str,
        *,
        updated_gte: datetime | None = None,
        params: dict[str, Any] | None = None,
    ) -> Iterator[dict]:
        """Every record of a list endpoint, oldest update first, each id once.

        `params` adds filters (`contact_id`, `type`, ...) or overrides the defaults. The listing
        ends on an empty page, never on a short one, so it costs one request more than the
        records need. Ids are deduplicated (the first version seen is kept): a record edited
        while we page moves to the end of an `updated_at` listing and comes round again, and
        advancing by a page that lost a record upstream repeats one. So a page of repeats alone
        is passed over; only a page that is the previous one again (nothing new, the same ids in
        the same order) means `offset` is being ignored, and raises rather than looping forever.
        """
        query: dict[str, Any] = {"limit": self.page_size, "sort": "updated_at", "order": "asc"}
        if updated_gte is not None:
            query["updated_gte"] = format_updated_gte(updated_gte)
        query.update(params or {})
        limit, offset = int(query.pop("limit")), int(query.pop("offset", 0))
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}, got {limit}")
        # Checked above, paged below: a bad argument fails at the call, not at first iteration.
        return self._paginate(path, query, limit, offset)

    def _paginate(
        self, path: str, query: dict[str, Any], limit: int, offset: int
    ) -> Iterator[dict]:
        # id → `updated_at` of the version passed on. A record edited while we page comes
        # round again at the end with a newer `updated_at`: that version is passed on too (the
        # loader keeps the last one per id), an identical repeat is not.
        seen: dict[int, int] = {}
        previous: list[dict] = []
        while True:
            page = self._get_page(path, {**query, "limit": limit, "offset": offset})
            if not page:
                return
            fresh = [record for record in page if _is_new(record, seen)]
            # Even a page of nothing but repeats is normal when many records were edited while
            # we paged (they come round again at the end); the same page twice is not. Records
            # without an id count as repeats when the whole page is the previous one verbatim.
            if page == previous or (not fresh and _keys(page) == _keys(previous)):
                raise UnifiedError(
                    f"GET {path} at offset {offset} answered the previous page again "
                    f"({len(page)} records already seen): the integration appears to ignore offset"
                )
            previous = page
            self.stats["records"] += len(fresh)
            yield from fresh
            # What the server sent, not what we asked: a server clamping pages to fewer than
            # `limit` records would otherwise have us skip the rest of every page.
            offset += len(page)

    def delete_connection(self, connection_id: str) -> bool:
        """Remove the connection at Unified.to (`DELETE /unified/connection/{id}`): True when
        removed, False when Unified.to no longer knew it (already gone counts as done).

        Not retried: the user clicked once and is shown the error, and can click again.
        """
        path = f"/unified/connection/{quote(connection_id, safe='')}"
        self.stats["requests"] += 1
        try:
            response = self._http.delete(path)
        except httpx.TransportError as exc:
            raise UnifiedTransportError(f"DELETE {path} failed: {exc}") from exc
        if response.status_code == 404:
            return False
        _raise_for_status(response)
        return True

    def _get_page(self, path: str, params: dict[str, Any]) -> list[dict]:
        """One list page; anything but a JSON array of objects is an error naming what came."""
        response = self._get(path, params)
        try:
            payload = response.json()
        except ValueError as exc:
            kind = response.headers.get("content-type", "no content-type")
            raise _shape_error(response, f"a body that is not JSON ({kind})") from exc
        if not isinstance(payload, list):
            raise _shape_error(response, f"a JSON {_json_type(payload)}, not an array of records")
        for index, item in enumerate(payload):
            if not isinstance(item, dict):
                raise _shape_error(
                    response, f"an array whose item {index} is a JSON {_json_type(item)}"
                )
        self.stats["pages"] += 1
        logger.debug("GET %s -> %d records", response.url, len(payload))
        return payload

    def _get(self, path: str, params: dict[str, Any]) -> httpx.Response:
        """A successful response, after retrying 429, 5xx gateways and transport failures.

        Rate limits and failures are counted apart, each from zero for every request: a 429
        says the server is well and busy, so it must not spend the budget meant for an outage.
        """
        failures = rate_limited = 0
        while True:
            self.stats["requests"] += 1
            try:
                response = self._http.get(path, params=params)
            except RETRY_EXCEPTIONS as exc:
                url = f"{self.base_url}/{path.lstrip('/')}"
                reason = f"{type(exc).__name__}: {str(exc) or 'no detail'}"
                if failures >= self.max_retries:
                    raise UnifiedTransportError(
                        f"GET {url} failed after {failures} retries: {reason}", retries=failures
                    ) from exc
                self._pause(failures, self.max_retries, reason, url, self._backoff(failures))
                failures += 1
            except httpx.TransportError as exc:
                raise UnifiedTransportError(f"GET {path} cannot be sent: {exc}") from exc
            else:
                status = response.status_code
                if status not in RETRY_STATUSES:
                    _raise_for_status(response)
                    return response
                attempt, budget = (
                    (rate_limited, self.max_rate_limit_retries)
                    if status == 429
                    else (failures, self.max_retries)
                )
                if attempt >= budget:
                    raise _http_error(response, f"after {attempt} retries", retries=attempt)
                delay = self._delay(response, attempt)
                self._pause(attempt, budget, f"HTTP {status}", str(response.url), delay)
                if status == 429:
                    rate_limited += 1
                else:
                    failures += 1

    def _delay(self, response: httpx.Response, attempt: int) -> float:
        """The server's Retry-After when given (capped by backoff_max), else our own backoff."""
        asked = _parse_retry_after(response.headers, time.time())
        if asked is None:
            return self._backoff(attempt)
        return min(asked, self.backoff_max)

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform over [0, base·2^attempt] capped, so many workers spread out."""
        ceiling = min(self.backoff_max, self.backoff_base * (2**attempt))
        return self._rng.uniform(0, ceiling)

    def _pause(self, attempt: int, budget: int, reason: str, url: str, delay: float) -> None:
        self.stats["retries"] += 1
        logger.warning(
            "Unified.to GET %s: %s; retry %d/%d in %.2fs", url, reason, attempt + 1, budget, delay
        )
        (self._sleep or retry_sleep)(delay)


def _is_new(record: dict, seen: dict[int, int]) -> bool:
    """True for a record not passed on yet, or a newer version of one (and notes it).

    `seen` keeps the hashes of the id and of `updated_at`, not the strings: a listing of a
    million records then costs ~100 MB less (two 64-bit hashes colliding is not a concern).
    """
    key = _record_key(record)
    if key is None:
        return True
    version = record.get("updated_at")
    version_hash = hash(version if isinstance(version, str | int | float | None) else repr(version))
    key_hash = hash(key)
    if seen.get(key_hash) == version_hash:
        return False
    seen[key_hash] = version_hash
    return True


def _record_key(record: dict) -> str | int | None:
    """The id to deduplicate on; a record without a usable id is always passed on."""
    record_id = record.get("id")
    return record_id if isinstance(record_id, str | int) and record_id != "" else None


def _keys(page: list[dict]) -> list[str | int | None]:
    return [_record_key(record) for record in page]


def _path(api: str, connection_id: str, object_name: str) -> str:
    return f"{api}/{quote(connection_id, safe='')}/{object_name}"


def _http_error(response: httpx.Response, context: str, *, retries: int = 0) -> UnifiedHTTPError:
    url = str(response.url)
    hint = {
        401: "the API key is wrong, expired or lacks permission (check the workspace API token)",
        403: "the API key is not allowed to read this resource",
        404: "unknown connection id or path",
        400: "a parameter is missing or in the wrong format",
    }.get(response.status_code, "")
    detail = f"{hint}: " if hint else ""
    return UnifiedHTTPError(
        f"GET {url} answered HTTP {response.status_code} {context}: "
        f"{detail}{_error_reason(response)}",
        status_code=response.status_code,
        url=url,
        body=response.text,
        retries=retries,
    )


def _json_type(value: object) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def _shape_error(response: httpx.Response, what: str) -> UnifiedHTTPError:
    """A 2xx whose body is not the documented bare array of objects."""
    url = str(response.url)
    return UnifiedHTTPError(
        f"GET {url} answered HTTP {response.status_code} with {what}",
        status_code=response.status_code,
        url=url,
        body=response.text,
    )


def _raise_for_status(response: httpx.Response) -> None:
    if response.is_success:
        return
    raise _http_error(response, "(not retried)")
