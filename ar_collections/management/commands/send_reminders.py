"""`manage.py send_reminders [--company ID] [--dry-run] [--as-of DATE]`: send due reminders."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ar_collections.services.reminders import reminders_send
from ar_dashboard.models import Company


class Command(BaseCommand):
    help = "Send the reminder emails due today (each company's own today) and retry failures."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--company", type=int, help="only this company id")
        parser.add_argument("--dry-run", action="store_true", help="list, send nothing")
        parser.add_argument("--as-of", type=date.fromisoformat, help="run as of this date")

    def handle(self, *args: Any, **options: Any) -> None:
        companies = Company.objects.order_by("pk")
        if options["company"] is not None:
            companies = companies.filter(pk=options["company"])
            if not companies.exists():
                raise CommandError(f"no company with id {options['company']}")
        failed = 0
        for company in companies:
            as_of = options["as_of"] or company.local_today()
            run = reminders_send(company=company, as_of=as_of, dry_run=options["dry_run"])
            failed += len(run.failed)
            self._report(run)
        if failed:
            self.stderr.write(f"{failed} reminder(s) failed; they are retried on the next run.")

    def _report(self, run) -> None:
        head = f"{run.company} (id {run.company.pk}) as of {run.as_of}"
        if run.disabled:
            self.stdout.write(f"{head}: reminders are switched off")
            return
        if run.dry_run:
            self.stdout.write(f"{head}: {len(run.planned)} reminder(s) would be sent (dry run)")
            for item in run.planned:
                self.stdout.write(
                    f"  {item.stage.name}: {item.customer.name} <{', '.join(item.recipients)}> "
                    f"{len(item.invoice_ids)} invoice(s) in {item.currency}"
                )
        else:
            self.stdout.write(
                f"{head}: {len(run.sent)} sent, {len(run.failed)} failed, "
                f"{len(run.retried)} earlier failure(s) retried"
            )
        for item in run.no_email:
            self.stdout.write(f"  skipped {item.customer.name}: no email address")
