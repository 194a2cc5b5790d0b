"""A local server speaking the Unified.to list API, for the demo and for tests.

Same paths, bearer auth, bare JSON arrays, `limit`/`offset` paging (max 100, `100.0` accepted as
the official SDK sends it), inclusive `updated_gte`, `sort`/`order` with a stable id tie-break so
paging is deterministic, `contact_id`/`type`/`invoice_id` filters, JSON errors, and switchable
faults (429 with Retry-After, 500s, latency, corrupted records) so the client's retries and the
loader's validation are exercised against real HTTP. The real error body shape is undocumented:
errors here are `{"error": "...", "status": code}`. Deleted records simply disappear, as they do
from a real list endpoint. Parameters the sandbox does not model (`fields`, `raw`, `query`,
`org_id`, `start_gte`, `end_lt`) are ignored, as integrations that do not support them do.
Stdlib only: it must start without Django.
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

logger = logging.getLogger(__name__)

ROUTES = {
    ("accounting", "contact"): "contact",
    ("accounting", "invoice"): "invoice",
    ("accounting", "creditmemo"): "creditmemo",
    ("accounting", "transaction"): "transaction",
    ("payment", "payment"): "payment",
}
OBJECT_TYPES = tuple(ROUTES.values())
MAX_LIMIT = 100
SORT_FIELDS = ("updated_at", "created_at", "name")
FILTER_PARAMS = ("contact_id", "type", "invoice_id")
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


@dataclass
class Faults:
    """Misbehaviour to inject; fields may be changed while the server runs."""

    rate_limit_every: int = 0  # every Nth request answers 429 with Retry-After: retry_after
    retry_after: float = 1.0
    server_errors: int = 0  # the next N requests answer 500
    delay: float = 0.0  # seconds before each answer
    malformed_ids: set[str] = field(default_factory=set)  # served with CORRUPTIONS applied


def parse_iso(text: str) -> datetime:
    """An aware datetime from ISO-8601 (`Z` allowed, naive taken as UTC); ValueError if not."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _clone(value: Any) -> Any:
    """A deep copy through JSON: records are JSON by nature, and it is ~5x faster than deepcopy."""
    return json.loads(json.dumps(value))


def iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class SandboxData:
    """The served ledger: object type -> id -> record, safe to edit while the server runs."""

    def __init__(
        self,
        *,
        contacts: Iterable[dict] = (),
        invoices: Iterable[dict] = (),
        creditmemos: Iterable[dict] = (),
        payments: Iterable[dict] = (),
        transactions: Iterable[dict] = (),
    ) -> None:
        self._lock = threading.RLock()
        self._objects: dict[str, dict[str, dict]] = {name: {} for name in OBJECT_TYPES}
        given = (contacts, invoices, creditmemos, transactions, payments)
        for object_type, records in zip(OBJECT_TYPES, given, strict=True):
            for record in records:
                self.add(object_type, record)

    @classmethod
    def from_demo(cls, *, today: date, seed: int = 2024, dirty: bool = False) -> SandboxData:
        """The deterministic demo ledger for `today` (dirty adds the public sandbox's flaws)."""
        from connectors.unified.demo_ledger import generate_demo_ledger

        ledger = generate_demo_ledger(today=today, seed=seed, dirty=dirty)
        data = cls()
        for name in ("contact", "invoice", "creditmemo", "payment"):
            for record in getattr(ledger, f"{name}s"):
                data._put(name, record)  # freshly generated and ours: no copy needed
        return data

    def _table(self, object_type: str) -> dict[str, dict]:
        if object_type not in self._objects:
            raise ValueError(f"unknown object type {object_type!r}; one of {OBJECT_TYPES}")
        return self._objects[object_type]

    def add(self, object_type: str, record: Mapping[str, Any]) -> None:
        """Store (or replace) a copy of a record; it must have an id, as Unified.to objects do."""
        self._put(object_type, _clone(dict(record)))

    def _put(self, object_type: str, record: dict) -> None:
        if record.get("id") in (None, ""):
            raise ValueError(f"{object_type} record has no id: {record!r}")
        with self._lock:
            self._table(object_type)[str(record["id"])] = record

    def records(self, object_type: str) -> list[dict]:
        """Copies of every record of the type, in insertion order."""
        with self._lock:
            return _clone(list(self._table(object_type).values()))

    def count(self, object_type: str) -> int:
        with self._lock:
            return len(self._table(object_type))

    def select(self, object_type: str, query: ListQuery) -> tuple[list[dict], int]:
        """Copies of one page and the matching total; only the page is copied, not the table."""
        with self._lock:
            page, total = select_records(list(self._table(object_type).values()), query)
            return _clone(page), total

    def get(self, object_type: str, object_id: str) -> dict | None:
        with self._lock:
            record = self._table(object_type).get(object_id)
            return _clone(record) if record is not None else None

    def update(
        self, object_type: str, object_id: str, changes: dict, *, updated_at: datetime
    ) -> dict:
        """Simulate an upstream edit: apply `changes`, bump `updated_at`; returns the new record."""
        if updated_at.tzinfo is None:
            raise ValueError("updated_at must be timezone-aware")
        with self._lock:
            table = self._table(object_type)
            if object_id not in table:
                raise KeyError(f"no {object_type} with id {object_id!r}")
            table[object_id].update(_clone(changes))
            table[object_id]["updated_at"] = iso_z(updated_at)
            return _clone(table[object_id])

    def delete(self, object_type: str, object_id: str) -> None:
        with self._lock:
            if self._table(object_type).pop(object_id, None) is None:
                raise KeyError(f"no {object_type} with id {object_id!r}")


class ApiError(Exception):
    """An error answer: HTTP status and the message put in the JSON body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class ListQuery:
    limit: int = MAX_LIMIT
    offset: int = 0
    updated_gte: datetime | None = None
    sort: str | None = None
    descending: bool = False
    filters: tuple[tuple[str, str], ...] = ()


def _whole_number(query: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    """`limit`/`offset` as an int; "100" and "100.0" (what the official SDK sends) both work."""
    if name not in query:
        return default
    try:
        number = float(query[name])
    except ValueError:
        raise ApiError(400, f"{name}={query[name]!r} is not a number") from None
    if not number.is_integer() or number < minimum:
        raise ApiError(400, f"{name}={query[name]!r} must be a whole number >= {minimum}")
    return int(number)


def parse_list_query(query: Mapping[str, str]) -> ListQuery:
    """Validated list parameters; ApiError(400) naming the first bad one."""
    limit = min(_whole_number(query, "limit", MAX_LIMIT, 1), MAX_LIMIT)
    offset = _whole_number(query, "offset", 0, 0)
    updated_gte = None
    if query.get("updated_gte"):
        try:
            updated_gte = parse_iso(query["updated_gte"])
        except ValueError:
            raise ApiError(400, f"updated_gte={query['updated_gte']!r} is not ISO-8601") from None
    sort = query.get("sort") or None
    if sort is not None and sort not in SORT_FIELDS:
        raise ApiError(400, f"sort={sort!r} is not one of {', '.join(SORT_FIELDS)}")
    order = query.get("order") or "asc"
    if order not in ("asc", "desc"):
        raise ApiError(400, f"order={order!r} is not asc or desc")
    filters = tuple((name, query[name]) for name in FILTER_PARAMS if query.get(name))
    return ListQuery(limit, offset, updated_gte, sort, order == "desc", filters)


def _moment(record: dict, key: str) -> datetime | None:
    value = record.get(key)
    if not isinstance(value, str):
        return None
    try:
        return parse_iso(value)
    except ValueError:
        return None  # dirty data in the store: it sorts last and never matches updated_gte


def _matches(record: dict, name: str, wanted: str) -> bool:
    if record.get(name) == wanted:
        return True
    # A payment names its invoice either directly or through its allocations.
    allocations = record.get("allocations") if name == "invoice_id" else None
    return isinstance(allocations, list) and any(
        isinstance(item, dict) and item.get("object_id") == wanted for item in allocations
    )


def _sort_key(sort: str):
    def key(record: dict) -> tuple:
        if sort == "name":
            name = record.get("name")
            value: Any = name.casefold() if isinstance(name, str) else ""
            missing = not isinstance(name, str)
        else:
            value = _moment(record, sort)
            missing = value is None
            value = value or datetime.min.replace(tzinfo=UTC)
        return (missing, value, str(record.get("id")))

    return key


def select_records(records: list[dict], query: ListQuery) -> tuple[list[dict], int]:
    """The requested page and the total matching count (for X-Total-Count)."""
    selected = [r for r in records if all(_matches(r, n, v) for n, v in query.filters)]
    if query.updated_gte is not None:
        gte = query.updated_gte
        selected = [r for r in selected if (m := _moment(r, "updated_at")) and m >= gte]
    if query.sort is not None:
        selected.sort(key=_sort_key(query.sort), reverse=query.descending)
    elif query.descending:
        selected.reverse()
    return selected[query.offset : query.offset + query.limit], len(selected)


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

    def respond(self, method: str, target: str, authorization: str | None) -> tuple:
        """(status, headers, body) for one request; logged in `request_log`."""
        parts = urlsplit(target)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        if self.faults.delay > 0:
            self._stopping.wait(self.faults.delay)
        try:
            answer = self._answer(method, parts.path, query, authorization)
        except ApiError as exc:
            answer = _error(exc.status, exc.message)
        with self._lock:
            self.request_log.append((method, parts.path, query, answer[0]))
        return answer

    def _answer(self, method: str, path: str, query: dict, authorization: str | None) -> tuple:
        if not self._authorized(authorization):
            raise ApiError(401, "invalid or missing API token in the Authorization header")
        injected = self._injected_fault()
        if injected is not None:
            return injected
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
        page, total = self.data.select(object_type, parse_list_query(query))
        served = [self._served(object_type, record) for record in page]
        return _json(200, served, {"X-Total-Count": str(total)})

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
            if faults.rate_limit_every > 0 and self._requests % faults.rate_limit_every == 0:
                headers = {"Retry-After": f"{faults.retry_after:g}"}
                return _error(429, "rate limit exceeded (injected)", headers)
        return None

    def _served(self, object_type: str, record: dict) -> dict:
        if str(record.get("id")) in self.faults.malformed_ids:
            return {**record, **CORRUPTIONS[object_type]}
        return record


def _handler_for(sandbox: SandboxServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "UnifiedSandbox/1.0"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)  # drain a request body we do not use
            status, headers, body = sandbox.respond(
                self.command, self.path, self.headers.get("Authorization")
            )
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("sandbox %s " + format, self.address_string(), *args)

    return Handler


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Serve the demo ledger as Unified.to would.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--today", type=date.fromisoformat, help="ledger date (default: today)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--dirty", action="store_true", help="add the public sandbox's flaws")
    parser.add_argument("--api-key", default="sandbox-key")
    parser.add_argument("--connection-id", default="demo")
    parser.add_argument("--rate-limit-every", type=int, default=0, metavar="N")
    parser.add_argument("--retry-after", type=float, default=1.0, metavar="S")
    parser.add_argument("--server-errors", type=int, default=0, metavar="N")
    parser.add_argument("--delay", type=float, default=0.0, metavar="S")
    parser.add_argument("--malformed", nargs="*", default=[], metavar="ID")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the sandbox in the foreground until interrupted."""
    args = _parser().parse_args(argv)
    # The CLI is an entry point, so it may read the clock; everything below takes `today`.
    today = args.today or datetime.now(UTC).date()
    faults = Faults(
        rate_limit_every=args.rate_limit_every,
        retry_after=args.retry_after,
        server_errors=args.server_errors,
        delay=args.delay,
        malformed_ids=set(args.malformed),
    )
    data = SandboxData.from_demo(today=today, seed=args.seed, dirty=args.dirty)
    server = SandboxServer(
        data,
        api_key=args.api_key,
        connection_ids={args.connection_id},
        host=args.host,
        port=args.port,
        faults=faults,
    )
    with server:
        counts = ", ".join(f"{data.count(t)} {t}" for t in OBJECT_TYPES)
        print(
            f"Unified.to sandbox at {server.base_url} (ledger as of {today}: {counts})", flush=True
        )
        print(
            f"  API key {args.api_key!r}, connection id {args.connection_id!r}; Ctrl-C stops",
            flush=True,
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopping")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
