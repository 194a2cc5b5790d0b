"""`manage.py webhook_url`: the URL to register at Unified.to for a connection's webhooks.

Each connection has its own URL, `/ar/webhooks/unified/<token>/` (ar_dashboard/webhooks.py):
`--connection ID` prints the one of a Unified.to connection id (known to the app or not, e.g.
before its company exists); without it, one line per connected company. With `--base-url`
(e.g. https://ar.example.com) the URLs are absolute, else paths.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ar_dashboard.models import Company
from ar_dashboard.webhooks import webhook_path


class Command(BaseCommand):
    help = "Print the per-connection webhook URL(s) to register at Unified.to."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--connection", help="a Unified.to connection id")
        parser.add_argument("--base-url", default="", help="e.g. https://ar.example.com")

    def handle(self, *args: Any, **options: Any) -> None:
        base = options["base_url"].rstrip("/")
        if base and not base.startswith(("https://", "http://")):
            raise CommandError(f"--base-url {base!r} must start with https:// or http://")
        connection_id = options["connection"]
        if connection_id is not None:
            if not connection_id.strip():
                raise CommandError("--connection must not be empty")
            self.stdout.write(base + webhook_path(connection_id.strip()))
            return
        companies = Company.objects.exclude(unified_connection_id=None).exclude(
            unified_connection_id=""
        )
        rows = list(companies.order_by("pk").values_list("pk", "name", "unified_connection_id"))
        if not rows:
            raise CommandError("No company is connected; pass --connection ID")
        for pk, name, conn in rows:
            self.stdout.write(f"{pk}\t{name}\t{conn}\t{base}{webhook_path(conn)}")
