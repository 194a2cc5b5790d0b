"""The HTTP server: routing, bearer auth, JSON answers and injected faults."""

from __future__ import annotations

import hmac
import json
import logging
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from connectors.unified.sandbox.authorize import (
    AUTH_PREFIX,
    CONNECTION_PREFIX,
    authorization_answer,
    connection_delete,
)
from connectors.unified.sandbox.payments import payment_create_answer
from connectors.unified.sandbox.query import ApiError, ListQuery, listing_key, parse_list_query
from connectors.unified.sandbox.store import ROUTES, SandboxData

logger = logging.getLogger(__name__)


_BAD_AMOUNT, _BAD_DATE = "not-a-number", "31/02/2024"
# What a record listed in Faults.malformed_ids looks like on the wire: one amount and one date
# a loader must reject (contacts carry no amount, so their currency is broken instead).
CORRUPTIONS = {
    "contact": {"currency": "not-a-currency", "created_at": _BAD_DATE},
    "invoice": {"total_amount": _BAD_AMOUNT, "posted_at": _BAD_DATE},
    "creditmemo": {"total_amount": _BAD_AMOUNT, "posted_at": _BAD_DATE},
    "transaction": {"total_amount": _BAD_AMOUNT, "transaction_at": _BAD_DATE},
    "payment": {"total_amount": _BAD_AMOUNT, "paid_at": _BAD_DATE},
}
# What a list page listed in Faults.malformed_pages looks like on the wire (all HTTP 200):
# `not_json` a proxy's HTML page, `wrong_shape` the records wrapped in an object, `cut_json` a
# body cut mid-record with a matching Content-Length (an upstream that buffered half of it),
# `truncated` the right Content-Length but the connection closed half way through the body.
PAGE_FAULTS = ("not_json", "wrong_shape", "cut_json", "truncated")


@dataclass
class PagingEdit:
    """An upstream edit landing while a listing is paged, as a busy QuickBooks file has them.

    Right after the list page of `object_type` at `after_offset` is served, the record gets
    `changes` and a new `updated_at` (default: the clock, i.e. "now"), once. Sorted by
    `updated_at`, it leaves its place for the end of the listing: the records behind it shift
    one place towards the start, so the one at the page boundary slips behind the offset.
    """

    object_type: str
    object_id: str
    after_offset: int
    updated_at: datetime | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    fired: bool = False


@dataclass
class Faults:
    """Misbehaviour to inject; fields may be changed while the server runs."""

    rate_limit_every: int = 0  # every Nth request answers 429 with Retry-After: retry_after
    retry_after: float = 1.0
    server_errors: int = 0  # the next N requests answer 500
    delay: float = 0.0  # seconds before each answer
    malformed_ids: set[str] = field(default_factory=set)  # served with CORRUPTIONS applied
    # id -> fields served in place of the stored ones (1e30 amounts, year-0001 dates, long ids).
    poison: dict[str, dict[str, Any]] = field(default_factory=dict)
    page_cap: int = 0  # a list page holds at most N records whatever `limit` asks (0: no cap)
    # Offsets whose page loses its last record upstream: that record is served on no page of
    # the listing (until it is listed again from offset 0), but later pages still come.
    short_page_at: set[int] = field(default_factory=set)
    edit_during_paging: PagingEdit | None = None
    rate_limit_storm: int = 0  # the next N requests answer 429 with Retry-After: retry_after
    malformed_pages: int = 0  # the next N list pages are served broken, as page_fault says
    page_fault: str = "not_json"  # one of PAGE_FAULTS
    malformed_after: int = 0  # list pages served whole before the malformed ones start

    def __post_init__(self) -> None:
        if self.page_fault not in PAGE_FAULTS:
            raise ValueError(f"page_fault={self.page_fault!r} is not one of {PAGE_FAULTS}")


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> tuple:
    body = json.dumps(payload).encode("utf-8")
    return status, {"Content-Type": "application/json", **(headers or {})}, body


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> tuple:
    return _json(status, {"error": message, "status": status}, headers)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout test, Ctrl-C) is normal here, not a traceback.
        logger.debug("sandbox: connection from %s ended abnormally", client_address, exc_info=True)


class SandboxServer:
    """The sandbox on a loopback port in a background thread; `port=0` picks a free one."""

    def __init__(
        self,
        data: SandboxData,
        *,
        api_key: str = "sandbox-key",
        connection_ids: set[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | None = None,
    ) -> None:
        self.data = data
        self.api_key = api_key
        self.connection_ids = set(connection_ids) if connection_ids is not None else {"demo"}
        self.host, self.port = host, port
        self.faults = faults or Faults()
        self.request_log: list[tuple[str, str, dict[str, str], int]] = []
        self._lock = threading.Lock()
        self._requests = 0
        # Per listing (object type and query but for paging): the ids filtered out "upstream".
        self._filtered: dict[tuple, set[str]] = {}
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("SandboxServer is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SandboxServer:
        self._stopping.clear()
        self._httpd = _HTTPServer((self.host, self.port), _handler_for(self))
        self._thread = threading.Thread(
            # A short poll keeps stop() fast: shutdown() waits for the loop to notice.
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="unified-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._stopping.set()  # cuts injected delays short
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def respond(
        self, method: str, target: str, authorization: str | None, body: bytes = b""
    ) -> tuple:
        """(status, headers, body) for one request; logged in `request_log`. A fourth item,
        when present, is how many bytes of the body to send before closing the connection."""
        parts = urlsplit(target)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        if self.faults.delay > 0:
            self._stopping.wait(self.faults.delay)
        try:
            answer = self._answer(method, parts.path, query, authorization, body)
        except ApiError as exc:
            answer = _error(exc.status, exc.message)
        with self._lock:
            self.request_log.append((method, parts.path, query, answer[0]))
        return answer

    def _answer(
        self, method: str, path: str, query: dict, authorization: str | None, body: bytes
    ) -> tuple:
        if method == "GET" and path.startswith(AUTH_PREFIX):
            return authorization_answer(self, path, query)  # a browser page: no API token
        if not self._authorized(authorization):
            raise ApiError(401, "invalid or missing API token in the Authorization header")
        injected = self._injected_fault()
        if injected is not None:
            return injected
        if method == "POST" and path.startswith("/payment/"):
            return payment_create_answer(self, path, body)
        if method == "DELETE" and path.startswith(CONNECTION_PREFIX):
            return connection_delete(self, path)
        if method != "GET":
            raise ApiError(405, f"{method} is not supported by the sandbox")
        segments = [unquote(s) for s in path.strip("/").split("/")]
        if len(segments) not in (3, 4) or (segments[0], segments[2]) not in ROUTES:
            raise ApiError(404, f"no route for GET {path}")
        if segments[1] not in self.connection_ids:
            raise ApiError(404, f"connection {segments[1]!r} not found")
        object_type = ROUTES[(segments[0], segments[2])]
        if len(segments) == 4:
            record = self.data.get(object_type, segments[3])
            if record is None:
                raise ApiError(404, f"{object_type} {segments[3]!r} not found")
            return _json(200, self._served(object_type, record))
        page, total = self._list_page(object_type, parse_list_query(query))
        served = [self._served(object_type, record) for record in page]
        return self._page_answer(served, {"X-Total-Count": str(total)})

    def _page_answer(self, served: list[dict], headers: dict[str, str]) -> tuple:
        """The list page as JSON, or broken as Faults.page_fault says while malformed_pages."""
        with self._lock:
            faults = self.faults
            broken = faults.malformed_pages > 0 and faults.malformed_after <= 0
            if broken:
                faults.malformed_pages -= 1
            elif faults.malformed_pages > 0:
                faults.malformed_after -= 1
        if not broken:
            return _json(200, served, headers)
        fault = self.faults.page_fault
        if fault == "not_json":
            html = b"<html><body>502 Bad Gateway (served as 200 by a proxy)</body></html>"
            return 200, {"Content-Type": "text/html"}, html
        if fault == "wrong_shape":
            return _json(200, {"data": served, "count": len(served)}, headers)
        status, json_headers, body = _json(200, served or [{"id": "x"}], headers)
        if fault == "cut_json":
            return status, json_headers, body[: len(body) // 2]
        return status, json_headers, body, len(body) // 2  # truncated: sent in part

    def _list_page(self, object_type: str, query: ListQuery) -> tuple[list[dict], int]:
        """One page with the paging faults applied: a clamp, records filtered, edits landing."""
        faults = self.faults
        if faults.page_cap > 0:
            query = replace(query, limit=min(query.limit, faults.page_cap))
        page, total = self.data.select(object_type, query)
        key = (object_type, listing_key(query))
        with self._lock:
            # Offsets count the upstream's own rows, as a proxy filtering its pages sees them.
            if query.offset == 0:
                self._filtered.pop(key, None)
            if query.offset in faults.short_page_at and page:
                self._filtered.setdefault(key, set()).add(str(page[-1].get("id")))
            filtered = self._filtered.get(key, set())
            page = [record for record in page if str(record.get("id")) not in filtered]
            edit = self._due_edit(object_type, query.offset)
        if edit is not None:
            moment = edit.updated_at or datetime.now(UTC)
            self.data.update(edit.object_type, edit.object_id, edit.changes, updated_at=moment)
        return page, total

    def _due_edit(self, object_type: str, offset: int) -> PagingEdit | None:
        """The paging edit to make after this page, marked fired; call with the lock held."""
        edit = self.faults.edit_during_paging
        if edit is None or edit.fired:
            return None
        if edit.object_type != object_type or edit.after_offset != offset:
            return None
        edit.fired = True
        return edit

    def _authorized(self, authorization: str | None) -> bool:
        token = (authorization or "").strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        return bool(token) and hmac.compare_digest(token.encode(), self.api_key.encode())

    def _injected_fault(self) -> tuple | None:
        with self._lock:
            self._requests += 1
            faults = self.faults
            if faults.server_errors > 0:
                faults.server_errors -= 1
                return _error(500, "injected server error")
            if faults.rate_limit_storm > 0:
                faults.rate_limit_storm -= 1
                headers = {"Retry-After": f"{faults.retry_after:g}"}
                return _error(429, "rate limit exceeded (injected storm)", headers)
            if faults.rate_limit_every > 0 and self._requests % faults.rate_limit_every == 0:
                headers = {"Retry-After": f"{faults.retry_after:g}"}
                return _error(429, "rate limit exceeded (injected)", headers)
        return None

    def _served(self, object_type: str, record: dict) -> dict:
        record_id = str(record.get("id"))
        if record_id in self.faults.malformed_ids:
            record = {**record, **CORRUPTIONS[object_type]}
        return {**record, **self.faults.poison.get(record_id, {})}


def _handler_for(sandbox: SandboxServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "UnifiedSandbox/1.0"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            received = self.rfile.read(length) if length else b""
            status, headers, body, *cut = sandbox.respond(
                self.command, self.path, self.headers.get("Authorization"), received
            )
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if cut:  # the promised length, then a dropped connection part way through
                self.wfile.write(body[: cut[0]])
                self.close_connection = True
                return
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("sandbox %s " + format, self.address_string(), *args)

    return Handler
