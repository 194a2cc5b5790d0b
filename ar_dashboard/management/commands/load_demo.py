"""`manage.py load_demo`: the demo company, synced from the local sandbox by the real pipeline.

The sandbox serves the deterministic demo ledger (connectors/unified/demo_ledger.py) with the
paths, paging and auth of Unified.to; `sync_ar` runs the Dagster job against it, exactly as it
would against a real QuickBooks connection. Running it again is an incremental sync.
"""

import secrets
from datetime import date
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from ar_dashboard.models import Company
from ar_dashboard.services import recorded_payments
from connectors.unified.sandbox import SandboxData, SandboxServer

DEMO_CONNECTION = "demo"
DEMO_NAME = "Demo Company (sandbox)"


class Command(BaseCommand):
    help = "Load (or refresh) the demo company through the pipeline from the local sandbox."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--today", type=date.fromisoformat, help="ledger date (YYYY-MM-DD); default today"
        )
        parser.add_argument("--seed", type=int, default=2024, help="generator seed")
        parser.add_argument("--full", action="store_true", help="full resync")
        parser.add_argument(
            "--record-payment",
            action="append",
            default=[],
            metavar="INVOICE[=AMOUNT]",
            help="the customer pays this invoice (its number) in full or AMOUNT today, as if "
            "booked in QuickBooks; kept in var/demo-recorded-payments.json for later loads "
            "(shows a promise to pay being kept)",
        )
        parser.add_argument(
            "--dirty",
            action="store_true",
            help="add QuickBooks' hard cases and defective records (connectors/unified/demo/"
            "dirty.py); some are rejected, so the sync ends PARTIAL",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        company = Company.objects.filter(unified_connection_id=DEMO_CONNECTION).first()
        today = options["today"] or _today(company)
        dirty = " with dirty records" if options["dirty"] else ""
        self.stderr.write(
            f"Generating the demo ledger as of {today} (seed {options['seed']}){dirty}"
        )
        data = SandboxData.from_demo(today=today, seed=options["seed"], dirty=options["dirty"])
        recorded_payments.replay(data, self.stderr)
        for spec in options["record_payment"]:
            recorded_payments.record(data, spec, today=today, log=self.stderr)
        key = secrets.token_urlsafe(24)  # the sandbox lives for this command only
        sandbox = SandboxServer(data, api_key=key, connection_ids={DEMO_CONNECTION})
        with sandbox, override_settings(UNIFIED_API_KEY=key):
            call_command(
                "sync_ar",
                connection=DEMO_CONNECTION,
                name=DEMO_NAME,
                base_url=sandbox.base_url,
                full=options["full"],
                verbosity=options["verbosity"],
                stdout=self.stdout,
                stderr=self.stderr,
            )
        if not Company.objects.filter(unified_connection_id=DEMO_CONNECTION).exists():
            raise CommandError("the demo company was not created")


def _today(company: Company | None) -> date:
    if company is not None:
        return company.local_today()
    return date.today()  # noqa: DTZ011 — UTC machine date for a company not created yet
