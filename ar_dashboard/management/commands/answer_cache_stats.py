"""`manage.py answer_cache_stats`: hits and misses of the API's answer cache, per endpoint.

The counters live in the cache itself. With Redis (REDIS_URL) every web process counts into
the same keys, so this command sees the whole site; with per-process memory it can only see
its own (empty) process, so read `answer_cache.stats()` in-process instead (the bench does).
"""

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from ar_dashboard import answer_cache


def _rate(value) -> str:
    return "-" if value is None else f"{value}%"


class Command(BaseCommand):
    help = "Show (and optionally reset) the answer cache's hit and miss counters."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--reset", action="store_true", help="zero the counters after")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = answer_cache.stats()
        total = answer_cache.EndpointStats(
            endpoint="total",
            hits=sum(r.hits for r in rows),
            misses=sum(r.misses for r in rows),
        )
        backend = settings.CACHES["default"]["BACKEND"]
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "backend": backend,
                        "ttl_seconds": settings.CACHE_TTL_SECONDS,
                        "endpoints": [self._row(r) for r in rows],
                        "total": self._row(total),
                    },
                    indent=2,
                )
            )
        else:
            self.stdout.write(f"answer cache: {backend}, TTL {settings.CACHE_TTL_SECONDS} s")
            if backend.endswith("LocMemCache"):
                self.stdout.write(
                    "  per-process memory: the web processes' counters are not visible here"
                )
            for r in [*rows, total]:
                self.stdout.write(
                    f"{r.endpoint + ':':<20} {r.hits} hits, {r.misses} misses, "
                    f"{_rate(r.hit_rate)} hit rate"
                )
        if options["reset"]:
            answer_cache.reset_stats()

    @staticmethod
    def _row(r: answer_cache.EndpointStats) -> dict:
        rate = None if r.hit_rate is None else str(r.hit_rate)
        return {"endpoint": r.endpoint, "hits": r.hits, "misses": r.misses, "hit_rate": rate}
