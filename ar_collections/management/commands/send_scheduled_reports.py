"""`manage.py send_scheduled_reports [--company ID] [--today DATE]`: due aging-summary emails."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from ar_collections.services.reports import scheduled_reports_send


class Command(BaseCommand):
    help = "Email each company's scheduled aging summary (PDF + XLSX) when it is due today."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--company", type=int, help="only this company id")
        parser.add_argument("--today", type=date.fromisoformat, help="pretend today is this date")

    def handle(self, *args: Any, **options: Any) -> None:
        fixed = options["today"]
        results = scheduled_reports_send(
            today_for=lambda company: fixed or company.local_today(),
            generated_at=timezone.now(),
            company_id=options["company"],
        )
        if not results:
            self.stdout.write("No scheduled report is due.")
        for r in results:
            outcome = f"FAILED ({r.error}); retried next run" if r.error else "sent"
            self.stdout.write(
                f"{r.company}: aging summary as of {r.as_of} to {', '.join(r.recipients)} "
                f"[{', '.join(r.files)}] {outcome}"
            )
