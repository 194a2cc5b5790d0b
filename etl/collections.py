"""The daily collections job: reminder emails due today and the scheduled aging-summary reports.

Both ops only call the collections services (what `manage.py send_reminders` and
`send_scheduled_reports` call); an SMTP failure is logged and retried by the next run inside
those services, so it never fails the op.
"""

from dagster import OpExecutionContext, in_process_executor, job, op

from etl.resources import DjangoResource

JOB_NAME = "collections_daily"


@op(description="Send the reminder emails due today in every company (and retry failures).")
def send_due_reminders(context: OpExecutionContext, django: DjangoResource) -> dict:
    from ar_collections.services.reminders import reminders_send
    from ar_dashboard.models import Company

    totals = {"sent": 0, "failed": 0, "no_email": 0}
    for company in Company.objects.order_by("pk"):
        run = reminders_send(company=company, as_of=company.local_today())
        totals["sent"] += len(run.sent)
        totals["failed"] += len(run.failed)
        totals["no_email"] += len(run.no_email)
        context.log.info(
            f"{company}: {len(run.sent)} sent, {len(run.failed)} failed "
            f"({len(run.retried)} earlier failures retried)"
        )
    return totals


@op(description="Email each company's aging summary (PDF + XLSX) when its schedule is due.")
def send_scheduled_reports(context: OpExecutionContext, django: DjangoResource) -> int:
    from django.utils import timezone

    from ar_collections.services.reports import scheduled_reports_send

    results = scheduled_reports_send(
        today_for=lambda company: company.local_today(), generated_at=timezone.now()
    )
    for r in results:
        context.log.info(f"{r.company}: report as of {r.as_of} {r.error or 'sent'}")
    return sum(1 for r in results if not r.error)


@job(name=JOB_NAME, executor_def=in_process_executor, description=__doc__.splitlines()[0])
def collections_daily():
    send_due_reminders()
    send_scheduled_reports()
