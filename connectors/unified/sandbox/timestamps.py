"""ISO-8601 timestamps as the sandbox reads and writes them."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_iso(text: str) -> datetime:
    """An aware datetime from ISO-8601 (`Z` allowed, naive taken as UTC); ValueError if not."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
