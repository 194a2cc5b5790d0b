"""List parameters (`limit`, `offset`, `updated_gte`, `sort`, filters) and page selection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.unified.sandbox.timestamps import parse_iso

MAX_LIMIT = 100
SORT_FIELDS = ("updated_at", "created_at", "name")
FILTER_PARAMS = ("contact_id", "type", "invoice_id")


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


def listing_key(query: ListQuery) -> tuple:
    """What a listing's matching records depend on: everything but `limit` and `offset`."""
    return (query.filters, query.updated_gte, query.sort, query.descending)


def matching_records(records: list[dict], query: ListQuery) -> list[dict]:
    """Every record the listing matches, in its order (the same for each page of it)."""
    selected = [r for r in records if all(_matches(r, n, v) for n, v in query.filters)]
    if query.updated_gte is not None:
        gte = query.updated_gte
        selected = [r for r in selected if (m := _moment(r, "updated_at")) and m >= gte]
    if query.sort is not None:
        selected.sort(key=_sort_key(query.sort), reverse=query.descending)
    elif query.descending:
        selected.reverse()
    return selected


def select_records(records: list[dict], query: ListQuery) -> tuple[list[dict], int]:
    """The requested page and the total matching count (for X-Total-Count)."""
    selected = matching_records(records, query)
    return selected[query.offset : query.offset + query.limit], len(selected)
